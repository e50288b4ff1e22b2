"""产业链图谱: the 上中下游 panorama with its 断链/弱链, a gap's ranked candidates, the policies a demand
qualifies for, the actions (邀约, 对接项目) per persona, and query counts that do not grow with data."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import IndustryChain
from events.models import Invitation
from followups.models import Case
from matching.models import Match
from reports import chains as chain_maps
from reports import selectors
from reports.models import AchievementItem, InvestorItem, PlatformItem, PolicyItem, SegmentPosition, TalentItem
from tests import factories
from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db


def _match(demand, supply, score):
    return Match.objects.create(
        demand=demand, supply=supply, score=score, rank=1, model_name="test", computed_at=timezone.now()
    )


@pytest.fixture
def chain_data(park_org, other_org, supplier_org):
    """机器人: 工业机器人 has 2 demands, one matched ≥ 70 (弱链? no: 1/2 = 50 % → 已覆盖);
    协作机器人 has 1 demand matched at 50 only (断链); 特种机器人 has 3 demands, 1 covered (弱链);
    无人机 has none (暂无需求)."""
    lst = factories.DemandListFactory(organization=park_org)
    qd = factories.DemandListFactory(organization=other_org)
    menu = factories.SupplyMenuFactory(organization=supplier_org)
    seg = {n: IndustryChain.objects.get(name=n) for n in ["工业机器人", "协作机器人", "特种机器人", "无人机"]}
    supply = factories.SupplyFactory(menu=menu, chain=seg["工业机器人"], title="焊接机器人工作站")
    d_ind1 = factories.DemandFactory(demand_list=lst, chain=seg["工业机器人"], title="焊接机器人产线")
    factories.DemandFactory(demand_list=lst, chain=seg["工业机器人"], title="搬运机器人")
    d_cobot = factories.DemandFactory(
        demand_list=lst,
        chain=seg["协作机器人"],
        title="协作机器人力控装配",
        description="汽车零部件装配需要协作机器人力控与视觉引导，节拍每分钟6件。",
        budget_wan=800,
    )
    d_sp = [factories.DemandFactory(demand_list=qd, chain=seg["特种机器人"], title=f"巡检机器人{i}") for i in range(3)]
    _match(d_ind1, supply, 85)
    _match(d_cobot, supply, 50)
    _match(d_sp[0], supply, 90)
    return {"seg": seg, "cobot_demand": d_cobot, "supply": supply}


def test_panorama_orders_positions_and_flags_gaps(chain_data):
    robot = IndustryChain.objects.get(name="机器人")
    SegmentPosition.objects.filter(segment=chain_data["seg"]["无人机"]).update(position="down")
    data = chain_maps.panorama(robot)
    assert [c["label"] for c in data["columns"]] == ["上游", "中游", "下游"]
    down = [r["segment"].name for r in data["columns"][2]["segments"]]
    assert down == ["无人机"]
    rows = {r["segment"].name: r for r in data["segments"]}
    assert rows["工业机器人"]["counts"]["demands"] == 2 and rows["工业机器人"]["counts"]["covered"] == 1
    assert rows["工业机器人"]["status"] == "covered" and rows["工业机器人"]["coverage"] == 50
    assert rows["协作机器人"]["status"] == "gap" and rows["协作机器人"]["status_label"].startswith("断链")
    assert rows["特种机器人"]["status"] == "weak"
    assert rows["无人机"]["status"] == "idle"
    assert [r["segment"].name for r in data["gaps"]] == ["协作机器人", "特种机器人"]


def test_chain_pages_show_gap_and_tree(client, chain_data):
    robot = IndustryChain.objects.get(name="机器人")
    overview = client.get(reverse("reports:chain_overview"))
    assert overview.status_code == 200 and "断链 1" in overview.text and "弱链 1" in overview.text
    page = client.get(reverse("reports:chain_detail", args=[robot.pk]))
    assert page.status_code == 200
    assert 'id="chart-tree" type="application/json"' in page.text
    assert reverse("reports:segment_detail", args=[chain_data["seg"]["协作机器人"].pk]) in page.text
    assert "断链（有需求、无合格匹配）" in page.text
    # industry map tab now opens the panorama
    assert reverse("reports:resource_map", args=["industry"]) == reverse("reports:chain_overview")


def test_candidates_rank_by_chain_fit_then_shared_words(chain_data, supplier_org, other_org):
    seg = chain_data["seg"]
    same = TalentItem.objects.create(
        name="协作机器人力控团队", organization=supplier_org, research="协作机器人 力控 装配", chain=seg["协作机器人"]
    )
    sibling = AchievementItem.objects.create(
        title="巡检算法", organization=other_org, chain=seg["特种机器人"], description="电力巡检", trl=5
    )
    investor = InvestorItem.objects.create(name="机器人基金", organization=supplier_org)
    investor.chains.set([IndustryChain.objects.get(name="机器人")])
    rows = chain_maps.candidates(seg["协作机器人"])
    order = [r["item"] for r in rows]
    assert order.index(same) < order.index(investor) < order.index(sibling)
    top = rows[0]
    assert top["item"] == same and top["fit"] == 60
    assert "同属环节「协作机器人」" in top["reasons"][0] and "共同关键词" in top["reasons"][1]
    inv = next(r for r in rows if r["item"] == investor)
    assert inv["fit"] == 30 and "服务整条产业链「机器人」" in inv["reasons"][0]
    shared = top["reasons"][1].split("：")[1].split("、")
    assert top["score"] == round(60 + 40 * min(1.0, len(shared) / 6), 1)


def test_policy_conditions_met_and_not_met(chain_data, park_org):
    demand = chain_data["cobot_demand"]
    robot = IndustryChain.objects.get(name="机器人")
    ok = PolicyItem.objects.create(
        title="济宁机器人补贴", issuer="济宁市", region=factories.region("山东省济宁市"), min_investment_wan=500
    )
    ok.chains.set([robot])
    no = PolicyItem.objects.create(
        title="青岛芯片政策",
        issuer="青岛市",
        region=factories.region("山东省青岛市"),
        org_kinds=["enterprise"],
        min_investment_wan=Decimal("1000"),
    )
    demand.refresh_from_db()
    rows = {r["policy"].title: r for r in chain_maps.policies_for(demand)}
    assert rows["济宁机器人补贴"]["qualifies"]
    unmet = {label for label, _, _ in rows["青岛芯片政策"]["unmet"]}
    assert unmet == {"适用地区", "单位类型", "投资额"}
    detail = dict((label, text) for label, _, text in rows["青岛芯片政策"]["checks"])
    assert detail["投资额"] == "不低于 1000 万元，项目为 800 万元"
    assert list(chain_maps.policies_for(demand))[0]["policy"] == ok
    assert no.pk


def _candidates_for_invite(chain_data, supplier_org, other_org):
    seg = chain_data["seg"]["协作机器人"]
    TalentItem.objects.create(name="力控团队", organization=supplier_org, research="协作机器人力控", chain=seg)
    second = factories.SupplierOrganizationFactory(name="北京新锐机器视觉科技有限公司")
    AchievementItem.objects.create(
        title="视觉引导装配", organization=second, chain=seg, description="协作机器人", trl=7
    )
    return seg, second


def test_covering_liaison_invites_two_candidates(client, chain_data, liaison, supplier_org, other_org):
    seg, second = _candidates_for_invite(chain_data, supplier_org, other_org)
    event = EventFactory(created_by=liaison)  # a liaison invites into events they manage
    client.force_login(liaison)  # covers 济宁市, where the 协作机器人 demand is
    page = client.get(reverse("reports:segment_detail", args=[seg.pk]))
    assert "发出精准邀约" in page.text and "力控团队" in page.text
    response = client.post(
        reverse("reports:segment_invite", args=[seg.pk]),
        {"event": event.pk, "organization": [supplier_org.pk, second.pk]},
        follow=True,
    )
    assert "已邀请" in response.text
    assert set(Invitation.objects.filter(event=event).values_list("organization__name", flat=True)) == {
        "北京智元协作机器人有限公司",
        "北京新锐机器视觉科技有限公司",
    }
    assert Invitation.objects.filter(event=event, organization=supplier_org).get().reasons
    page = client.get(reverse("reports:segment_detail", args=[seg.pk])).text
    assert "已邀请" in page and event.name in page
    again = client.post(
        reverse("reports:segment_invite", args=[seg.pk]), {"event": event.pk, "organization": [second.pk]}, follow=True
    )
    assert "已被邀请参加本次对接会" in again.text
    assert Invitation.objects.filter(event=event).count() == 2


@pytest.mark.parametrize("persona,status", [(None, 302), ("supplier_user", 404), ("owner", 404)])
def test_non_staff_cannot_invite(client, request, chain_data, persona, status, supplier_org, other_org):
    seg, _second = _candidates_for_invite(chain_data, supplier_org, other_org)
    event = EventFactory()
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.post(
        reverse("reports:segment_invite", args=[seg.pk]), {"event": event.pk, "organization": [supplier_org.pk]}
    )
    assert response.status_code == status
    assert not Invitation.objects.exists()


def test_liaison_of_another_region_reads_but_cannot_act(client, chain_data, supplier_org, other_org):
    seg, second = _candidates_for_invite(chain_data, supplier_org, other_org)
    coast = factories.LiaisonFactory(username="coast")
    coast.responsible_regions.add(factories.region("山东省烟台市"))
    event = EventFactory(created_by=coast)  # coast manages the event, but not the 环节's region
    client.force_login(coast)
    page = client.get(reverse("reports:segment_detail", args=[seg.pk]))
    assert page.status_code == 200 and "不能代为邀约" in page.text and "发出精准邀约" not in page.text
    response = client.post(
        reverse("reports:segment_invite", args=[seg.pk]),
        {"event": event.pk, "organization": [second.pk]},
        follow=True,
    )
    assert "不能代为邀请" in response.text
    assert not Invitation.objects.exists()
    case = client.post(
        reverse("reports:segment_case", args=[seg.pk]),
        {"demand": chain_data["cobot_demand"].pk, "organization": second.pk},
        follow=True,
    )
    assert "您不负责该需求所在地区" in case.text and not Case.objects.exists()


def test_covering_liaison_opens_a_case(client, chain_data, liaison, supplier_org, other_org):
    seg, second = _candidates_for_invite(chain_data, supplier_org, other_org)
    client.force_login(liaison)
    response = client.post(
        reverse("reports:segment_case", args=[seg.pk]),
        {"demand": chain_data["cobot_demand"].pk, "organization": second.pk},
        follow=True,
    )
    assert "已建立对接项目" in response.text
    case = Case.objects.get()
    assert case.supply_org == second and case.origin == Case.Origin.MANUAL


def _bulk(n, park_org, supplier_org):
    seg = IndustryChain.objects.get(name="碳化硅")
    lst = factories.DemandListFactory(organization=park_org)
    menu = factories.SupplyMenuFactory(organization=supplier_org)
    for i in range(n):
        factories.DemandFactory(demand_list=lst, chain=seg)
        factories.SupplyFactory(menu=menu, chain=seg)
        TalentItem.objects.create(name=f"团队{i}", organization=supplier_org, research="x", chain=seg)
        AchievementItem.objects.create(title=f"成果{i}", organization=supplier_org, chain=seg, description="x", trl=5)
        InvestorItem.objects.create(name=f"基金{i}", organization=supplier_org).chains.set([seg])
        PolicyItem.objects.create(title=f"政策{i}", issuer="省").chains.set([seg])
        PlatformItem.objects.create(name=f"平台{i}-{n}", kind="lab").chains.set([seg])
    return seg


MAP_URLS = [
    ("reports:chain_overview", None),
    ("reports:chain_detail", "root"),
    ("reports:segment_detail", "segment"),
    ("reports:resource_map", "talent"),
    ("reports:resource_map", "technology"),
    ("reports:resource_map", "capital"),
    ("reports:resource_map", "policy"),
    ("reports:resource_map", "platform"),
]


@pytest.mark.parametrize("name,arg", MAP_URLS)
def test_map_query_count_constant(client, liaison, park_org, supplier_org, name, arg, django_assert_max_num_queries):
    def url():
        if arg is None:
            return reverse(name)
        if arg == "root":
            return reverse(name, args=[IndustryChain.objects.get(name="第三代半导体").pk])
        if arg == "segment":
            return reverse(name, args=[IndustryChain.objects.get(name="碳化硅").pk])
        return reverse(name, args=[arg])

    EventFactory(created_by=liaison)
    client.force_login(liaison)  # the staff view of a 环节 adds the events and the action forms
    _bulk(5, park_org, supplier_org)
    with django_assert_max_num_queries(40) as small:
        assert client.get(url()).status_code == 200
    _bulk(45, park_org, supplier_org)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url()).status_code == 200


def test_resource_maps_count_records(supplier_org, park_org):
    seg = IndustryChain.objects.get(name="碳化硅")
    TalentItem.objects.create(name="团队", organization=supplier_org, research="x", chain=seg)
    AchievementItem.objects.create(title="a", organization=supplier_org, chain=seg, description="x", trl=2)
    AchievementItem.objects.create(title="b", organization=supplier_org, chain=seg, description="x", trl=9)
    inv = InvestorItem.objects.create(name="基金", organization=supplier_org, ticket_max_wan=5000)
    inv.chains.set([seg])
    factories.DemandFactory(
        demand_list=factories.DemandListFactory(organization=park_org), chain=seg, demand_type="投融资", budget_wan=3000
    )
    assert selectors.talent_map()["rows"][0]["chain_name"] == "第三代半导体"
    tech = selectors.technology_map()
    assert tech["levels"][0].startswith("原理与概念") and tech["rows"][0]["counts"] == [1, 0, 1]
    cap = selectors.capital_map()["rows"][0]
    assert (cap["supplies"], cap["supply_amount"], cap["demands"], cap["demand_amount"]) == (
        1,
        Decimal("5000"),
        1,
        Decimal("3000"),
    )


def test_the_invite_form_offers_only_events_the_liaison_manages(client, chain_data, liaison, supplier_org, other_org):
    seg, _second = _candidates_for_invite(chain_data, supplier_org, other_org)
    mine = EventFactory(name="济宁专员自己的对接会", created_by=liaison)
    theirs = EventFactory(name="别的专员的对接会")
    client.force_login(liaison)
    page = client.get(reverse("reports:segment_detail", args=[seg.pk])).text
    assert mine.name in page and theirs.name not in page
    response = client.post(
        reverse("reports:segment_invite", args=[seg.pk]), {"event": theirs.pk, "organization": [supplier_org.pk]}
    )
    assert response.status_code == 404 and not Invitation.objects.exists()
