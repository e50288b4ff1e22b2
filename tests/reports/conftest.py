"""A hand-computed outcome fixture: every figure the dashboard shows is derived by hand below.

Published demands: d1 (济宁, 机器人), d2 (济宁市高新区, 协作机器人 → 机器人), d3 (青岛, 集成电路),
d4 (青岛, 机器人). Not published: d5 (unverified org), d6 (draft list).

Matches (threshold 70): d1–s1 85, d1–s2 90 (d1 once), d2 50 (below), d3 70 (at threshold), d5 95 (unpublished)
  → 已匹配 = {d1, d3} = 2.
Cases: c1 d1×A 落地 (1000 signed 2027-01-10; 5000 landed 2027-02-01, met); c2 d1×B 签约 (300, 2027-02-15, met);
  c3 d2×A 洽谈 (met); c4 d3×A 终止 (met); c5 d4×A 意向; c7 d3×B 终止 after signing 200 (not signed);
  c6 d5×A 签约 999 (unpublished demand: excluded).
Meetings that took place: d1 (also has met cases), d4 twice (two pairs) → d4 counted once.
  → 已洽谈 = {d1, d2, d3, d4} = 4; 已签约 = {d1} = 1; 已落地 = {d1} = 1.
Projects: 6 cases of published demands (济宁 3, 青岛 3); met 4 (c1–c4); signed 2 (c1, c2) = 1300 万元; landed 1 (c1) = 5000 万元.
By city: 济宁市 demands 2, signed 2 / 1300, landed 1 / 5000; 青岛市 demands 2, signed 0.
By chain: 机器人 demands 3, signed 2 / 1300; 集成电路 demands 1, signed 0.
"""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Organization
from catalog.models import DemandList, IndustryChain, Region
from events.models import Event, Meeting, MeetingRequest
from followups.models import Case
from matching.models import Match
from tests import factories
from tests.followups.factories import CaseFactory

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2027, 3, 15, 10, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 costs ~1 s per persona on this machine; these tests never check password strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def outcome_data(frozen, park_org, other_org):
    jining_hi, _ = Region.objects.get_or_create(
        full_name="山东省济宁市高新区",
        defaults={"name": "高新区", "level": Region.Level.DISTRICT, "parent": factories.region("山东省济宁市")},
    )
    robot, ic = factories.chain("机器人"), factories.chain("集成电路")
    cobot = IndustryChain.objects.get(name="协作机器人")
    park_list = factories.DemandListFactory(organization=park_org)
    qd_list = factories.DemandListFactory(organization=other_org)
    d1 = factories.DemandFactory(demand_list=park_list, title="d1 视觉装配", chain=robot)
    d2 = factories.DemandFactory(demand_list=park_list, title="d2 协作臂", chain=cobot, region=jining_hi)
    d3 = factories.DemandFactory(demand_list=qd_list, title="d3 芯片封测", chain=ic)
    d4 = factories.DemandFactory(demand_list=qd_list, title="d4 巡检机器人", chain=robot)
    unverified = factories.OrganizationFactory(name="未认证园区", is_verified=False, verified_at=None)
    d5 = factories.DemandFactory(demand_list=factories.DemandListFactory(organization=unverified), title="d5 未发布")
    d6 = factories.DemandFactory(
        demand_list=factories.DemandListFactory(organization=park_org, status=DemandList.Status.DRAFT), title="d6 草稿"
    )
    sup_a = factories.SupplierOrganizationFactory(name="北京甲科技")
    sup_b = factories.SupplierOrganizationFactory(name="北京乙科技")
    s1 = factories.SupplyFactory(menu=factories.SupplyMenuFactory(organization=sup_a), title="s1")
    s2 = factories.SupplyFactory(menu=factories.SupplyMenuFactory(organization=sup_b), title="s2")

    def match(demand, supply, score, rank=1):
        Match.objects.create(demand=demand, supply=supply, score=score, rank=rank, model_name="test", computed_at=NOW)

    match(d1, s1, 85), match(d1, s2, 90, 2), match(d2, s1, 50), match(d3, s1, 88), match(d5, s1, 95)

    met = timezone.make_aware(datetime.datetime(2027, 1, 5, 10))
    CaseFactory(
        demand=d1,
        supply_org=sup_a,
        stage=Case.Stage.LANDED,
        met_at=met,
        contract_amount_wan=Decimal("1000"),
        signed_on=datetime.date(2027, 1, 10),
        investment_amount_wan=Decimal("5000"),
        landed_location=factories.region("山东省济宁市"),
        landed_on=datetime.date(2027, 2, 1),
    )
    CaseFactory(
        demand=d1,
        supply_org=sup_b,
        stage=Case.Stage.SIGNED,
        met_at=met,
        contract_amount_wan=Decimal("300"),
        signed_on=datetime.date(2027, 2, 15),
    )
    CaseFactory(demand=d2, supply_org=sup_a, stage=Case.Stage.NEGOTIATING, met_at=met)
    CaseFactory(demand=d3, supply_org=sup_a, stage=Case.Stage.TERMINATED, met_at=met, termination_reason="价格")
    CaseFactory(demand=d4, supply_org=sup_a, stage=Case.Stage.INTENT)
    CaseFactory(
        demand=d3,
        supply_org=sup_b,
        stage=Case.Stage.TERMINATED,
        contract_amount_wan=Decimal("200"),
        signed_on=datetime.date(2027, 2, 20),
        termination_reason="合同解除",
    )
    CaseFactory(
        demand=d5,
        supply_org=sup_a,
        stage=Case.Stage.SIGNED,
        met_at=met,
        contract_amount_wan=Decimal("999"),
        signed_on=datetime.date(2027, 2, 1),
    )

    event = Event.objects.create(name="京鲁机器人产业对接会", date=datetime.date(2027, 3, 1))
    third = factories.SupplierOrganizationFactory(name="北京丙科技")
    start = timezone.make_aware(datetime.datetime(2027, 3, 1, 14))
    for i, (demand, org) in enumerate([(d1, sup_a), (d4, sup_a), (d4, third)]):
        pair = MeetingRequest.objects.create(
            event=event,
            requester_org=demand.organization,
            target_org=org,
            demand=demand,
            status=MeetingRequest.Status.ACCEPTED,
        )
        Meeting.objects.create(
            event=event, pair=pair, starts_at=start, ends_at=start + datetime.timedelta(minutes=20), table_no=i + 1
        )
    # A meeting still in the future does not count as met.
    later = timezone.make_aware(datetime.datetime(2027, 4, 1, 14))
    pair = MeetingRequest.objects.create(
        event=event, requester_org=park_org, target_org=third, demand=d2, status=MeetingRequest.Status.ACCEPTED
    )
    Meeting.objects.create(
        event=event, pair=pair, starts_at=later, ends_at=later + datetime.timedelta(minutes=20), table_no=1
    )
    assert Organization.objects.filter(is_verified=False).count() == 1
    return {"d": [d1, d2, d3, d4, d5, d6]}
