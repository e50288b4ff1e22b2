"""The liaison queue as a CRM (issue #12): sorted by score then newest, 20 a page, filters
(产业链, 城市/地区 within one's regions, score band, 只看未处理), 转为对接项目 and 指派 per row,
plain reasons, links to the demand, the supply and the case; other regions are refused."""

import pytest
from django.urls import reverse

from followups.models import Case
from matching import services
from matching.models import Match
from tests import factories
from tests.matching.factories import make_demand, make_supply

pytestmark = pytest.mark.django_db

QUEUE = "matching:liaison_queue"
SCORES = [99, 94, 82, 80, 74, 71, 88, 91, 77, 86]


@pytest.fixture
def queue(settings, park_org, other_org, supplier_org):
    settings.MATCHING_RECOMMEND_THRESHOLD = 70
    settings.MATCHING_RECOMMEND_TOP_N = 50
    settings.MATCHING_TOP_K = 10
    robot = [
        make_demand(
            park_org, title=f"济宁机器人需求{i}", description="拟采购巡检机器人，要求红外测温。", budget_wan=100
        )
        for i in range(2)
    ]
    pharma = make_demand(
        park_org, title="济宁中药浓缩需求", description="希望改造浓缩环节，降低蒸汽消耗。", chain="生物医药"
    )
    qingdao = make_demand(other_org, title="青岛机器人需求", description="拟采购巡检机器人。")
    for i in range(10):
        make_supply(supplier_org, title=f"巡检机器人{i}号", description="变电站巡检机器人，红外测温。", price_wan=50)
    services.match_rematch_all(recommend=False)
    # Known scores (the order the page must show), all above the threshold.
    for n, match in enumerate(Match.objects.order_by("demand_id", "rank")):
        Match.objects.filter(pk=match.pk).update(score=SCORES[n % len(SCORES)] - n * 0.01)
    return {"robot": robot, "pharma": pharma, "qingdao": qingdao}


def _rows(body):
    return body.count('class="list-group-item match-row queue-row')


def _scores(response):
    return [m.score for m in response.context["matches"]]


def test_sorted_by_score_and_paged_by_20(client, queue, liaison):
    client.force_login(liaison)
    first = client.get(reverse(QUEUE))
    assert first.status_code == 200
    assert _rows(first.content.decode()) == 20  # 3 demands of 济宁 × 10 supplies = 30 rows
    scores = _scores(first)
    assert scores == sorted(scores, reverse=True)
    second = client.get(reverse(QUEUE), {"page": 2})
    assert _rows(second.content.decode()) == 10
    assert max(_scores(second)) <= min(scores)
    body = first.content.decode()
    assert "第 1 / 2 页" in body and "下一页" in body
    assert "<table" not in body  # rows are cards: nothing to scroll sideways on a phone
    assert "青岛机器人需求" not in body + second.content.decode()


def test_rows_show_plain_reasons_and_links(client, queue, liaison):
    client.force_login(liaison)
    response = client.get(reverse(QUEUE))
    body = response.content.decode()
    first = response.context["matches"][0]
    assert reverse("catalog:demand_detail", args=[first.demand_id]) in body
    assert reverse("matching:demand_matches", args=[first.demand_id]) in body
    assert reverse("catalog:supply_detail", args=[first.supply_id]) in body
    assert "双方都提到" in body and "<mark>" in body
    assert "标准差" not in body and "≈" not in body and "得分构成" not in body
    assert "转为对接项目" in body and "指派" in body


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"chain": "生物医药"}, {"济宁中药浓缩需求"}),
        ({"band": "高度相关"}, None),
        ({"band": "较相关"}, None),
    ],
)
def test_filters(client, queue, liaison, params, expected):
    client.force_login(liaison)
    if "chain" in params:
        params = {"chain": factories.chain(params["chain"]).pk}
    response = client.get(reverse(QUEUE), params)
    rows = response.context["page"].paginator.object_list
    titles = {m.demand.title for m in rows}
    if expected is not None:
        assert titles == expected
    if params.get("band") == "高度相关":
        assert rows and all(m.score >= 85 for m in rows)
    if params.get("band") == "较相关":
        assert rows and all(70 <= m.score < 85 for m in rows)


def test_region_filter_stays_within_covered_regions(client, queue):
    province = factories.LiaisonFactory(username="province_liaison")
    province.responsible_regions.add(factories.region("山东省"))
    client.force_login(province)
    everything = client.get(reverse(QUEUE)).context["page"].paginator.count
    assert everything == 40
    jining = factories.region("山东省济宁市")
    only = client.get(reverse(QUEUE), {"region": jining.pk}).context["page"].paginator.object_list
    assert {m.demand.region_id for m in only} == {jining.pk}
    # A region outside one's cover is ignored, not a way to see more.
    far = factories.LiaisonFactory(username="qingdao_liaison")
    far.responsible_regions.add(factories.region("山东省青岛市"))
    client.force_login(far)
    response = client.get(reverse(QUEUE), {"region": jining.pk})
    assert {m.demand.title for m in response.context["page"].paginator.object_list} == {"青岛机器人需求"}


def _post_case(client, demand, supply, **data):
    return client.post(reverse("matching:queue_case", args=[demand.pk, supply.pk]), {"action": "open", **data})


def test_open_case_once_then_link_to_it_and_only_unhandled_filter(client, queue, liaison):
    demand = queue["robot"][0]
    supply = Match.objects.filter(demand=demand).first().supply
    client.force_login(liaison)
    response = _post_case(client, demand, supply, next=reverse(QUEUE))
    assert response.status_code == 302 and response["Location"] == reverse(QUEUE)
    case = Case.objects.get()
    assert (case.demand, case.supply, case.origin) == (demand, supply, Case.Origin.MATCH)
    page = client.get(reverse(QUEUE)).content.decode()
    assert "已转为对接项目" in page
    assert reverse("followups:case_detail", args=[case.pk]) in page
    again = _post_case(client, demand, supply)
    assert again.status_code == 302 and again["Location"] == reverse("followups:case_detail", args=[case.pk])
    assert Case.objects.count() == 1
    unhandled = client.get(reverse(QUEUE), {"unhandled": "1"}).context["page"].paginator.object_list
    assert unhandled and all(m.demand_id != demand.pk for m in unhandled)


def test_other_region_pair_is_refused_with_a_chinese_message(client, queue):
    demand = queue["robot"][0]
    supply = Match.objects.filter(demand=demand).first().supply
    far = factories.LiaisonFactory(username="qingdao_liaison")
    far.responsible_regions.add(factories.region("山东省青岛市"))
    client.force_login(far)
    response = client.post(reverse("matching:queue_case", args=[demand.pk, supply.pk]), {"action": "open"}, follow=True)
    assert "该需求不在您负责的地区" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize("persona", ["owner", "supplier_user"])
def test_queue_actions_are_for_liaison_staff(client, request, queue, persona):
    demand = queue["robot"][0]
    supply = Match.objects.filter(demand=demand).first().supply
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(QUEUE)).status_code == 403
    assert _post_case(client, demand, supply).status_code == 403
    client.logout()
    assert _post_case(client, demand, supply).status_code == 302  # to login
    assert not Case.objects.exists()


def test_assign_to_a_colleague_of_the_region(client, queue, liaison):
    demand = queue["robot"][0]
    supply = Match.objects.filter(demand=demand).first().supply
    colleague = factories.LiaisonFactory(username="jining_colleague", first_name="王专员")
    colleague.responsible_regions.add(factories.region("山东省济宁市"))
    outsider = factories.LiaisonFactory(username="qingdao_liaison")
    outsider.responsible_regions.add(factories.region("山东省青岛市"))
    client.force_login(liaison)
    page = client.get(reverse(QUEUE)).content.decode()
    assert "王专员" in page and "qingdao_liaison" not in page
    refused = client.post(
        reverse("matching:queue_case", args=[demand.pk, supply.pk]),
        {"action": "assign", "owner": outsider.pk},
        follow=True,
    )
    assert "不负责该需求所在地区" in refused.content.decode() and not Case.objects.exists()
    client.post(
        reverse("matching:queue_case", args=[demand.pk, supply.pk]), {"action": "assign", "owner": colleague.pk}
    )
    case = Case.objects.get()
    assert case.owner == colleague
    # On an existing case 指派 hands it over (followups.case_assign), still one case.
    client.post(reverse("matching:queue_case", args=[demand.pk, supply.pk]), {"action": "assign", "owner": liaison.pk})
    case.refresh_from_db()
    assert case.owner == liaison and Case.objects.count() == 1
    missing = client.post(
        reverse("matching:queue_case", args=[demand.pk, supply.pk]), {"action": "assign", "owner": ""}, follow=True
    )
    assert "请选择要指派的对接专员" in missing.content.decode()


def test_queue_query_count_does_not_grow_with_rows(client, queue, liaison, django_assert_max_num_queries):
    client.force_login(liaison)
    Case.objects.all().delete()
    for demand in queue["robot"]:
        supply = Match.objects.filter(demand=demand).first().supply
        services.match_case_open(demand=demand, supply=supply, user=liaison)
    with django_assert_max_num_queries(16):
        response = client.get(reverse(QUEUE))
    assert _rows(response.content.decode()) == 20
