"""Load the demo data in fixtures/: organisations, a user for every role, and the demand lists
and supply menus (through the same importer users use). Safe to run again: nothing is duplicated.

Demo data is for a local run only, so the command refuses when DEBUG is false unless --force.
"""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organization, User
from accounts.services import organization_verify
from catalog.importing import import_catalog_file
from catalog.regions import region_resolve
from reports.demo import load_resources

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
ACCOUNTS_FILE = "demo_accounts.json"
ADMIN_USERNAME = "admin"


def read_accounts(fixtures_dir=FIXTURES_DIR):
    path = Path(fixtures_dir) / ACCOUNTS_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError(f"找不到演示账号文件 {path}。") from None
    except json.JSONDecodeError as exc:
        raise CommandError(f"演示账号文件 {path} 不是有效的 JSON：{exc}") from None


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

        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已就绪：{len(orgs)} 个单位、{len(users)} 个账号、{len(files)} 个清单文件"
                f"（{', '.join(f'{k}={v}' for k, v in sorted(totals.items()))}）。"
            )
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
