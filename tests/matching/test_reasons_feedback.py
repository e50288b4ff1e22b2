"""Feedback is bounded and explainable (issue #11): one 有价值 click lifts the marked supply a few
places (never to 100) and moves unrelated supplies by at most three places; the page says what the
click changed; 不相关 goes to an 已隐藏 list with 撤销 for the people who may give feedback."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from matching import services
from matching.models import AdjustedMatch, Match, MatchFeedback
from tests import factories
from tests.matching.factories import make_demand, make_supply

pytestmark = pytest.mark.django_db

ROBOT_TOPICS = [
    "变电站巡检机器人红外测温",
    "配电室挂轨巡检机器人",
    "管廊巡检机器人",
    "光伏电站清扫机器人",
    "变电站表计识别算法",
    "巡检无人机红外热成像",
    "机器人远程运维平台",
    "电力设备局放检测仪",
    "机器人激光导航模块",
    "变电站智能门禁系统",
]
# Near-duplicates of one another: the old unbounded boost lifted every one of them by up to three
# z-units when one was marked 有价值, pushing unrelated supplies down six places.
TWINS = [f"巡检机器人操作培训第{n}期" for n in "一二三四五六"]


@pytest.fixture
def ranked(settings, park_org, supplier_org):
    settings.MATCHING_TOP_K = 30
    demand = make_demand(
        park_org,
        title="变电站巡检机器人",
        description="变电站人少站多，拟采购变电站巡检机器人，要求红外测温和表计识别。",
        demand_type="设备采购",
        budget_wan=500,
    )
    for title in ROBOT_TOPICS:
        make_supply(supplier_org, title=title, description=f"{title}，适用于变电站巡检机器人场景。")
    for title in TWINS:
        make_supply(
            supplier_org, title=title, description="巡检机器人操作与维护培训课程，面向一线员工。", supply_type="服务"
        )
    services.match_rematch_all(recommend=False)
    return demand


def _ranks(model, demand):
    return dict(model.objects.filter(demand=demand).values_list("supply_id", "rank"))


def test_one_useful_click_is_bounded(ranked, owner):
    demand = ranked
    model = _ranks(Match, demand)
    twin_ids = set(Match.objects.filter(demand=demand, supply__title__in=TWINS).values_list("supply_id", flat=True))
    marked = max(twin_ids, key=lambda s: model[s])  # the last-placed twin
    services.feedback_record(
        demand=demand, supply=factories.Supply.objects.get(pk=marked), user=owner, verdict="useful"
    )
    services.match_demand_refresh(demand_id=demand.pk)
    adjusted = _ranks(AdjustedMatch, demand)
    assert adjusted[marked] < model[marked]  # it did move up
    lifted = set(
        AdjustedMatch.objects.filter(demand=demand, components__feedback__gt=0).values_list("supply_id", flat=True)
    )
    assert marked in lifted and len(lifted) <= 1 + services.FEEDBACK_NEIGHBOURS
    moves = {s: adjusted[s] - model[s] for s in model if s not in lifted}
    assert moves and max(abs(m) for m in moves.values()) <= 3, moves
    assert model == _ranks(Match, demand)  # the model's list (supply side) is untouched


def test_marked_supply_never_reaches_100(ranked, owner, supplier_org):
    demand = ranked
    # A supply that says what the demand says: its model score is already near the top of the scale.
    make_supply(supplier_org, title=demand.title, description=demand.description)
    services.match_rematch_all(recommend=False)
    best = Match.objects.filter(demand=demand).order_by("rank").first()
    services.feedback_record(demand=demand, supply=best.supply, user=owner, verdict="useful")
    services.match_demand_refresh(demand_id=demand.pk)
    assert best.score > 85
    row = AdjustedMatch.objects.get(demand=demand, supply=best.supply)
    assert row.components["feedback"] > 0
    assert round(row.score) < 100 and row.score <= services.FEEDBACK_SCORE_CEILING


def test_the_page_says_what_the_click_changed(client, ranked, owner):
    demand = ranked
    row = Match.objects.filter(demand=demand, rank=7).select_related("supply").first()
    client.force_login(owner)
    response = client.post(
        reverse("matching:match_feedback", args=[demand.pk, row.supply_id]), {"verdict": "useful"}, follow=True
    )
    body = response.content.decode()
    assert "已标记有价值：该供给从第 7 位升至第" in body and "同类供给的排序也会参考这一反馈" in body
    htmx = client.post(
        reverse("matching:match_feedback", args=[demand.pk, row.supply_id]),
        {"verdict": "useful"},
        HTTP_HX_REQUEST="true",
    )
    assert "已标记有价值" in htmx.content.decode()


# --- 已隐藏 + 撤销 -------------------------------------------------------------------------------------


def _hide(client, user, demand, supply):
    client.force_login(user)
    return client.post(reverse("matching:match_feedback", args=[demand.pk, supply.pk]), {"verdict": "irrelevant"})


def _undo(client, user, demand, supply):
    client.force_login(user)
    return client.post(reverse("matching:feedback_undo", args=[demand.pk, supply.pk]), follow=False)


def test_hidden_list_and_undo_by_the_owner(client, ranked, owner):
    demand = ranked
    top = Match.objects.get(demand=demand, rank=1).supply
    _hide(client, owner, demand, top)
    page = client.get(reverse("matching:demand_matches", args=[demand.pk])).content.decode()
    assert "已隐藏" in page and f'id="hidden-{top.pk}"' in page and f'id="match-{top.pk}"' not in page
    response = _undo(client, owner, demand, top)
    assert response.status_code == 302
    assert not MatchFeedback.objects.filter(demand=demand, supply=top).exists()
    assert AuditEntry.objects.filter(action="delete", object_repr__contains="不相关").exists()
    page = client.get(reverse("matching:demand_matches", args=[demand.pk])).content.decode()
    assert f'id="match-{top.pk}"' in page and f'id="hidden-{top.pk}"' not in page
    assert "已撤销「不相关」" in page


def test_undo_is_refused_to_other_region_liaison_and_404_for_a_competitor(client, ranked, owner, other_member):
    demand = ranked
    top = Match.objects.get(demand=demand, rank=1).supply
    _hide(client, owner, demand, top)
    far = factories.LiaisonFactory(username="qingdao_liaison")
    far.responsible_regions.add(factories.region("山东省青岛市"))
    assert _undo(client, far, demand, top).status_code == 403
    assert _undo(client, other_member, demand, top).status_code == 404
    client.logout()
    assert client.post(reverse("matching:feedback_undo", args=[demand.pk, top.pk])).status_code == 302  # login
    assert MatchFeedback.objects.filter(demand=demand, supply=top, verdict="irrelevant").exists()
    for user in (far, other_member):
        client.force_login(user)
        assert (
            f'id="hidden-{top.pk}"'
            not in client.get(reverse("matching:demand_matches", args=[demand.pk])).content.decode()
        )


def test_undo_by_covering_liaison_and_message_when_nothing_to_undo(client, ranked, liaison, owner):
    demand = ranked
    top = Match.objects.get(demand=demand, rank=1).supply
    _hide(client, owner, demand, top)
    assert _undo(client, liaison, demand, top).status_code == 302
    assert not MatchFeedback.objects.filter(demand=demand, supply=top).exists()
    again = client.post(reverse("matching:feedback_undo", args=[demand.pk, top.pk]), follow=True)
    assert "该供给没有反馈，无需撤销" in again.content.decode()
