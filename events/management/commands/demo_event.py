"""Create a demonstration 对接会 through the real services: invitations, pairs and a schedule.

    python manage.py demo_event [--days 10] [--invite 6] [--pairs 20]

Idempotent by name: an existing demo event is left as it is. Needs demo data (load_demo) and
match results (rematch) for the invitations and pairs; without matches only the event is created.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, User
from catalog.models import DemandList, IndustryChain
from events import selectors, services
from events.models import AgendaItem, Event

DEMO_NAME = "2027京鲁产业链供需对接会（演示）"


class Command(BaseCommand):
    help = "创建一场演示对接会（精准邀约、一对一洽谈配对与自动排程），全部通过业务服务完成。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=10, help="距今天数（默认 10 天后举行）")
        parser.add_argument("--invite", type=int, default=6, help="按匹配度邀请的供给单位数")
        parser.add_argument("--pairs", type=int, default=20, help="按匹配度安排的一对一洽谈对数")

    def handle(self, *args, days, invite, pairs, **options):
        if Event.objects.filter(name=DEMO_NAME).exists():
            self.stdout.write(f"演示对接会已存在：{DEMO_NAME}")
            return
        staff = User.objects.filter(is_active=True, platform_role__in=["liaison", "admin"]).order_by("id").first()
        if staff is None:
            raise CommandError("没有对接专员账号：请先运行 load_demo。")
        lists = list(
            DemandList.objects.exclude(status=DemandList.Status.DRAFT).filter(organization__is_verified=True)[:3]
        )
        with transaction.atomic():
            event = services.event_create(
                actor=staff,
                data={
                    "name": DEMO_NAME,
                    "date": timezone.localdate() + datetime.timedelta(days=days),
                    "venue": "北京市西城区山东大厦三层多功能厅",
                    "online_url": "",
                    "status": Event.Status.PUBLISHED,
                    "description": "会前征集的需求清单按匹配度精准邀约北京企业与高校院所，下午进行一对一洽谈。",
                    "slot_minutes": 20,
                    "table_count": 8,
                    "meeting_start": datetime.time(14, 0),
                    "meeting_end": datetime.time(17, 0),
                    "chains": list(IndustryChain.objects.filter(parent__isnull=True, name__in=self._chains(lists))),
                    "demand_lists": lists,
                },
                agenda=[
                    {
                        "kind": AgendaItem.Kind.DEMAND_RELEASE,
                        "title": "山东各市重点产业链需求发布",
                        "starts_at": datetime.time(9, 0),
                        "ends_at": datetime.time(9, 45),
                        "speaker": "山东省驻京办",
                    },
                    {
                        "kind": AgendaItem.Kind.PROJECT_PITCH,
                        "title": "北京企业与高校院所成果推介",
                        "starts_at": datetime.time(9, 45),
                        "ends_at": datetime.time(11, 0),
                        "speaker": "",
                    },
                    {
                        "kind": AgendaItem.Kind.ROADSHOW,
                        "title": "重点项目路演对接",
                        "starts_at": datetime.time(11, 0),
                        "ends_at": datetime.time(12, 0),
                        "speaker": "",
                    },
                    {
                        "kind": AgendaItem.Kind.ONE_ON_ONE,
                        "title": "供需双方一对一洽谈",
                        "starts_at": datetime.time(14, 0),
                        "ends_at": datetime.time(17, 0),
                        "speaker": "",
                    },
                ],
            )
            proposals = selectors.invitation_proposals(event, limit=invite)
            accepted = 0
            for proposal in proposals:
                org = proposal["organization"]
                invitation = services.invitation_send(event=event, organization=org, actor=staff)
                member = (
                    Membership.objects.filter(organization=org, status=Membership.Status.ACTIVE)
                    .select_related("user")
                    .first()
                )
                if member is not None:  # the invitee answers in the site; here its first member accepts
                    services.invitation_respond(invitation=invitation, user=member.user, accept=True)
                    accepted += 1
            paired = 0
            for match in selectors.pair_suggestions(event, limit=pairs):
                services.meeting_pair_add(
                    event=event, org_a=match.demand.organization, org_b=match.supply.organization, actor=staff
                )
                paired += 1
            summary = services.schedule_run(event=event, actor=staff) if paired else None
        self.stdout.write(
            self.style.SUCCESS(
                f"已创建「{event.name}」（编号 {event.pk}）：关联需求清单 {len(lists)} 份，邀请 {len(proposals)} 家、接受 {accepted} 家，"
                f"洽谈对 {paired} 对" + (f"；{selectors.schedule_sentence(summary)}" if summary else "。")
            )
        )
        if not proposals:
            self.stdout.write("暂无匹配结果：运行 python manage.py rematch 后可在「精准邀约」页邀请。")

    @staticmethod
    def _chains(lists):
        names = set()
        for demand_list in lists:
            for demand in demand_list.demands.select_related("chain", "chain__parent")[:50]:
                names.add(demand.chain.root.name)
        return names
