"""Load the demo data in fixtures/: organisations, a user for every role, and the demand lists
and supply menus (through the same importer users use), then the demo story of demo_story.json —
成熟度 of the 技术成果, a finished 对接会 with meetings and outcomes, and 对接项目 in every stage —
through the same services the pages use. Safe to run again: nothing is duplicated.

Demo data is for a local run only, so the command refuses when DEBUG is false unless --force.
"""

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organization, User
from accounts.services import organization_verify
from catalog.importing import import_catalog_file
from catalog.kinds import SUPPLY
from catalog.models import Demand, DemandList, IndustryChain, Supply
from catalog.regions import region_resolve
from catalog.services import ItemRow, items_upsert
from events import services as event_services
from events.models import Event, MeetingRequest
from followups import services as case_services
from followups.models import Case
from reports.demo import load_resources

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
ACCOUNTS_FILE = "demo_accounts.json"
STORY_FILE = "demo_story.json"
ADMIN_USERNAME = "admin"


def read_accounts(fixtures_dir=FIXTURES_DIR):
    path = Path(fixtures_dir) / ACCOUNTS_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError(f"找不到演示账号文件 {path}。") from None
    except json.JSONDecodeError as exc:
        raise CommandError(f"演示账号文件 {path} 不是有效的 JSON：{exc}") from None


def read_story(fixtures_dir=FIXTURES_DIR):
    """The demo story (optional: a fixtures directory without it loads only accounts and lists)."""
    path = Path(fixtures_dir) / STORY_FILE
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CommandError(f"演示场景文件 {path} 不是有效的 JSON：{exc}") from None


def catalog_files(fixtures_dir=FIXTURES_DIR):
    """Demand sheets first, so lists exist before the matching tasks for supplies run."""
    fixtures_dir = Path(fixtures_dir)
    return sorted(fixtures_dir.glob("demands_*.csv")) + sorted(fixtures_dir.glob("supplies_*.csv"))


class Command(BaseCommand):
    help = (
        "加载演示数据（单位、各角色演示账号、需求清单与供给菜单）；可重复运行。仅在 DEBUG=true 时可用，除非加 --force。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="DEBUG=false 时也加载（不要在正式环境使用）")
        parser.add_argument("--list-logins", action="store_true", help="只打印演示账号和密码，不写数据库")
        parser.add_argument("--fixtures", default=str(FIXTURES_DIR), help="演示数据目录（默认 fixtures/）")

    def handle(self, *args, force=False, list_logins=False, fixtures=str(FIXTURES_DIR), **options):
        accounts = read_accounts(fixtures)
        if list_logins:
            self._print_logins(accounts)
            return
        if not settings.DEBUG and not force:
            raise CommandError(
                "当前 DEBUG=false（生产配置），拒绝加载演示数据：演示账号的密码是公开的。"
                "本地演示请设置 DEBUG=true；确需加载请加 --force。"
            )
        files = catalog_files(fixtures)
        if not files:
            raise CommandError(f"{fixtures} 中没有 demands_*.csv / supplies_*.csv 演示清单。")

        with transaction.atomic():
            users = self._ensure_users(accounts)
            admin = users.get(ADMIN_USERNAME)
            if admin is None:
                raise CommandError(f"{ACCOUNTS_FILE} 中缺少平台管理员账号「{ADMIN_USERNAME}」。")
            orgs = self._ensure_organizations(accounts, admin)
            self._ensure_memberships(accounts, users, orgs)
            totals = {}
            for path in files:
                with path.open("rb") as fileobj:
                    report = import_catalog_file(fileobj, filename=path.name, actor=admin)
                if not report.ok:
                    # Roll back everything: a half-loaded demo is worse than none.
                    raise CommandError(f"演示文件 {path.name} 导入失败：\n" + "\n".join(report.errors[:20]))
                for key, value in report.counts.items():
                    if isinstance(value, int):
                        totals[key] = totals.get(key, 0) + value
            # The importer creates unknown publishers unverified; demo publishers are all known.
            for org in Organization.objects.filter(
                name__in=[o["name"] for o in accounts["organizations"] if o.get("verified")], is_verified=False
            ):
                organization_verify(organization=org, actor=admin)
            # 六图谱 directories (人才、成果、资本、政策、平台), demo 环节 and their positions.
            load_resources(fixtures)
            story = read_story(fixtures)
            story_counts = {}
            if story:
                try:
                    story_counts = DemoStory(story, users=users, admin=admin).run()
                except ValidationError as exc:
                    raise CommandError(f"演示场景 {STORY_FILE} 写入失败：" + "；".join(exc.messages)) from None

        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已就绪：{len(orgs)} 个单位、{len(users)} 个账号、{len(files)} 个清单文件"
                f"（{', '.join(f'{k}={v}' for k, v in sorted(totals.items()))}）。"
            )
        )
        if story_counts:
            self.stdout.write(
                f"演示场景：补充成熟度 {story_counts['maturity']} 项，新建已举办对接会 {story_counts['events']} 场"
                f"（洽谈 {story_counts['meetings']} 场），新建对接项目 {story_counts['cases']} 个。"
            )

    # --- accounts --------------------------------------------------------------------------------

    def _ensure_users(self, accounts):
        # Hash the shared demo password once (PBKDF2 takes about a second here), not per user.
        encoded_password = make_password(accounts["password"])
        users = {}
        for spec in accounts["users"]:
            user, created = User.objects.get_or_create(username=spec["username"])
            user.display_name = spec.get("display_name", "")
            user.email = spec.get("email", "")
            user.platform_role = spec.get("platform_role", "")
            user.is_staff = bool(spec.get("is_staff", False))
            user.is_superuser = bool(spec.get("is_superuser", False))
            user.is_active = True
            if created:
                # Only on creation: a password changed during a demo survives a re-run.
                user.password = encoded_password
            user.save()
            if spec.get("responsible_regions"):
                user.responsible_regions.set([region_resolve(text) for text in spec["responsible_regions"]])
            users[user.username] = user
        return users

    def _ensure_organizations(self, accounts, admin):
        orgs = {}
        for spec in accounts["organizations"]:
            kind = spec["kind"]
            if kind not in Organization.Kind.values:
                raise CommandError(
                    f"单位「{spec['name']}」的类型「{kind}」无效，可选：{', '.join(Organization.Kind.values)}。"
                )
            org, created = Organization.objects.get_or_create(
                name=spec["name"],
                defaults={
                    "kind": kind,
                    "region": region_resolve(spec["region"]),
                    "description": spec.get("description", ""),
                },
            )
            if created and spec.get("verified"):
                org.is_verified, org.verified_at, org.verified_by = True, timezone.now(), admin
                org.save(update_fields=["is_verified", "verified_at", "verified_by"])
            orgs[org.name] = org
        return orgs

    def _ensure_memberships(self, accounts, users, orgs):
        for spec in accounts["users"]:
            org_name = spec.get("organization")
            if not org_name:
                continue
            if org_name not in orgs:
                raise CommandError(f"账号「{spec['username']}」所属单位「{org_name}」不在 organizations 列表中。")
            Membership.objects.update_or_create(
                user=users[spec["username"]],
                organization=orgs[org_name],
                defaults={"role": spec.get("org_role", Membership.Role.MEMBER), "status": Membership.Status.ACTIVE},
            )

    def _print_logins(self, accounts):
        width = max(len(spec["username"]) for spec in accounts["users"])
        for spec in accounts["users"]:
            self.stdout.write(f"{spec['username']:<{width}}  {spec.get('role_label', '')}")
        self.stdout.write(f"（所有演示账号密码：{accounts['password']}）")


def _days_ago(days):
    return timezone.localdate() - datetime.timedelta(days=int(days))


class DemoStory:
    """Writes demo_story.json through the services the pages call (catalog, events, followups), so
    the demo shows what real use produces. Each part is skipped when it already exists."""

    def __init__(self, story, *, users, admin):
        self.story, self.users, self.admin = story, users, admin

    def run(self):
        counts = {"maturity": self._maturity(), "events": 0, "meetings": 0, "cases": 0}
        if self.story.get("past_event"):
            counts["events"], counts["meetings"] = self._past_event(self.story["past_event"])
        for spec in self.story.get("cases", []):
            counts["cases"] += self._case(spec)
        return counts

    # --- lookups ---------------------------------------------------------------------------------

    def _user(self, username):
        try:
            return self.users[username]
        except KeyError:
            raise CommandError(f"{STORY_FILE} 引用了不存在的演示账号「{username}」。") from None

    def _org_of(self, username):
        membership = self._user(username).memberships.select_related("organization").first()
        if membership is None:
            raise CommandError(f"演示账号「{username}」不属于任何单位。")
        return membership.organization

    @staticmethod
    def _one(model, title):
        item = model.objects.select_related("organization", "region").filter(title=title).order_by("pk").first()
        if item is None:
            raise CommandError(f"{STORY_FILE} 引用的「{title}」不在演示清单中。")
        return item

    # --- 成熟度 ----------------------------------------------------------------------------------

    def _maturity(self):
        wanted = self.story.get("maturity", {})
        rows = []
        for title, maturity in wanted.items():
            supply = self._one(Supply, title)
            if supply.maturity != maturity:
                rows.append(ItemRow(container=supply.menu, data={"maturity": maturity}, item=supply))
        if rows:
            items_upsert(kind=SUPPLY, actor=self.admin, rows=rows)
        missing = Supply.objects.filter(supply_type="技术成果", maturity="").values_list("title", flat=True)
        if missing:
            raise CommandError(f"{STORY_FILE} 缺少这些技术成果的成熟度：{'、'.join(missing)}")
        return len(rows)

    # --- a finished 对接会 ----------------------------------------------------------------------

    def _past_event(self, spec):
        if Event.objects.filter(name=spec["name"]).exists():
            return 0, 0
        demand_list = DemandList.objects.filter(name=spec["demand_list"]).first()
        if demand_list is None:
            raise CommandError(f"{STORY_FILE} 引用的需求清单「{spec['demand_list']}」不存在。")
        requester = self._user(spec["requester"])
        requester_org = self._org_of(spec["requester"])
        chain_ids = Demand.objects.filter(demand_list=demand_list).values_list("chain__parent_id", "chain_id")
        roots = {parent or chain for parent, chain in chain_ids}
        event = event_services.event_create(
            actor=self.admin,
            data={
                "name": spec["name"],
                "date": _days_ago(spec["days_ago"]),
                "venue": spec["venue"],
                "online_url": "",
                "status": Event.Status.PUBLISHED,
                "description": spec["description"],
                "slot_minutes": 30,
                "table_count": 3,
                "meeting_start": datetime.time(14, 0),
                "meeting_end": datetime.time(16, 0),
                "chains": list(IndustryChain.objects.filter(pk__in=roots)),
                "demand_lists": [demand_list],
            },
        )
        for meeting in spec["meetings"]:
            invitee = self._user(meeting["invitee"])
            invitation = event_services.invitation_send(
                event=event, organization=self._org_of(meeting["invitee"]), actor=self.admin
            )
            event_services.invitation_respond(invitation=invitation, user=invitee, accept=True)
            pair = event_services.meeting_request_create(
                event=event,
                requester_org=requester_org,
                target_org=invitation.organization,
                user=requester,
                demand=self._one(Demand, meeting["demand"]),
            )
            event_services.meeting_request_respond(pair=pair, user=invitee, accept=True)
        event_services.schedule_run(event=event, actor=self.admin)
        held = 0
        for meeting in spec["meetings"]:
            pair = MeetingRequest.objects.select_related("meeting").get(event=event, demand__title=meeting["demand"])
            held += 1
            for username, rating, intent, next_step in meeting["outcomes"]:
                event_services.outcome_record(
                    meeting=pair.meeting,
                    organization=self._org_of(username),
                    user=self._user(username),
                    rating=rating,
                    intent=intent,
                    next_step=next_step,
                )
        return 1, held

    # --- 对接项目 in every stage ---------------------------------------------------------------

    def _case(self, spec):
        demand, supply = self._one(Demand, spec["demand"]), self._one(Supply, spec["supply"])
        case, created = case_services.case_open(
            demand=demand, supply_org=supply.organization, supply=supply, origin=Case.Origin.MATCH, actor=self.admin
        )
        if not created:
            return 0
        target = Case.Stage(spec["stage"])
        note = spec.get("note", "")
        if target == Case.Stage.RECOMMENDED:
            return 1
        case = case_services.case_move(case=case, to_stage=Case.Stage.INTENT, actor=self.admin, note=note)
        if spec.get("met_days_ago") is not None:
            met_at = timezone.now() - datetime.timedelta(days=int(spec["met_days_ago"]))
            case = case_services.case_mark_met(case=case, actor=self.admin, at=met_at, note="双方已首次洽谈")
        if target == Case.Stage.TERMINATED:
            case_services.case_move(
                case=case, to_stage=target, actor=self.admin, termination_reason=spec["termination_reason"]
            )
            return 1
        if target == Case.Stage.INTENT:
            return 1
        case = case_services.case_move(case=case, to_stage=Case.Stage.NEGOTIATING, actor=self.admin, note=note)
        if target == Case.Stage.NEGOTIATING:
            return 1
        case = case_services.case_move(
            case=case,
            to_stage=Case.Stage.SIGNED,
            actor=self.admin,
            note=note,
            contract_amount_wan=spec["contract_amount_wan"],
            signed_on=_days_ago(spec["signed_days_ago"]),
        )
        if target == Case.Stage.SIGNED:
            return 1
        case_services.case_move(
            case=case,
            to_stage=Case.Stage.LANDED,
            actor=self.admin,
            investment_amount_wan=spec["investment_amount_wan"],
            landed_location=region_resolve(spec["landed_location"]),
            landed_on=_days_ago(spec["landed_days_ago"]),
        )
        return 1
