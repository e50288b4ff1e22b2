"""Pages and API per role: who sees which matches, who may give feedback."""

import pytest
from django.urls import reverse

from catalog.models import DemandList, SupplyMenu
from matching import services
from matching.models import Match, MatchFeedback
from tests import factories
from tests.matching.factories import make_catalog, make_demand, make_supply

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(park_org, supplier_org):
    demands, supplies = make_catalog(park_org, supplier_org)
    services.match_rematch_all(recommend=False)
    return demands, supplies


def _login(client, user):
    if user is not None:
        client.force_login(user)
    return client


# --- 推荐供给 tab ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, can_feedback",
    [
        ("owner", True),
        ("owner_admin", True),
        ("liaison", True),
    ],
)
def test_demand_matches_page_per_role(client, request, catalog, persona, can_feedback):
    user = request.getfixturevalue(persona) if persona else None
    demand = catalog[0][0]
    response = _login(client, user).get(reverse("matching:demand_matches", args=[demand.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "户外轮式变电站智能巡检机器人" in body and "推荐供给" in body and "双方都提到" in body
    assert ('name="verdict"' in body) is can_feedback


def test_draft_demand_matches_are_404_for_outsiders(client, catalog, owner, other_member, liaison):
    demand = catalog[0][0]
    DemandList.objects.filter(pk=demand.demand_list_id).update(status=DemandList.Status.DRAFT)
    url = reverse("matching:demand_matches", args=[demand.pk])
    assert client.get(url).status_code == 404
    assert _login(client, other_member).get(url).status_code == 404
    assert _login(client, owner).get(url).status_code == 200
    assert _login(client, liaison).get(url).status_code == 200


def test_unpublished_supplies_are_not_shown_to_the_public(client, catalog, owner, platform_admin):
    demand, supplies = catalog[0][0], catalog[1]
    SupplyMenu.objects.filter(pk=supplies[0].menu_id).update(status=SupplyMenu.Status.DRAFT)
    url = reverse("matching:demand_matches", args=[demand.pk])
    assert supplies[0].title not in _login(client, owner).get(url).content.decode()
    assert supplies[0].title in _login(client, platform_admin).get(url).content.decode()


def test_demand_matches_page_query_count_does_not_grow(
    client, catalog, owner, supplier_org, django_assert_max_num_queries
):
    demand = catalog[0][0]
    for i in range(8):
        make_supply(supplier_org, title=f"巡检机器人型号{i}", description="变电站巡视机器人，红外测温。")
    services.match_rematch_all(recommend=False)
    _login(client, owner)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("matching:demand_matches", args=[demand.pk]))
    assert response.content.decode().count("match-row") >= 10


def test_empty_list_says_so(client, park_org, owner):
    demand = factories.DemandFactory(demand_list=factories.DemandListFactory(organization=park_org))
    response = _login(client, owner).get(reverse("matching:demand_matches", args=[demand.pk]))
    assert "暂无推荐供给" in response.content.decode()


# --- 可对接需求 tab --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["supplier_user", "liaison"])
def test_supply_matches_page_lists_demands(client, request, catalog, persona):
    user = request.getfixturevalue(persona) if persona else None
    supply = catalog[1][0]
    response = _login(client, user).get(reverse("matching:supply_matches", args=[supply.pk]))
    assert response.status_code == 200
    assert "变电站巡视机器人采购" in response.content.decode()


def test_supply_matches_of_a_draft_menu_are_404_for_outsiders(client, catalog, supplier_user, other_member):
    supply = catalog[1][0]
    SupplyMenu.objects.filter(pk=supply.menu_id).update(status=SupplyMenu.Status.DRAFT)
    url = reverse("matching:supply_matches", args=[supply.pk])
    assert _login(client, other_member).get(url).status_code == 404
    assert _login(client, supplier_user).get(url).status_code == 200
    assert client.get(reverse("matching:supply_matches", args=[999999])).status_code == 404


# --- liaison queue -----------------------------------------------------------------------------------


def test_liaison_queue_shows_high_score_matches_of_their_region(client, settings, catalog, liaison):
    settings.MATCHING_RECOMMEND_THRESHOLD = 0
    response = _login(client, liaison).get(reverse("matching:liaison_queue"))
    assert response.status_code == 200
    assert "变电站巡视机器人采购" in response.content.decode()


def test_liaison_queue_excludes_other_regions(client, settings, catalog):
    settings.MATCHING_RECOMMEND_THRESHOLD = 0
    far = factories.LiaisonFactory(username="qingdao_liaison")
    far.responsible_regions.add(factories.region("山东省青岛市"))
    response = _login(client, far).get(reverse("matching:liaison_queue"))
    assert "变电站巡视机器人采购" not in response.content.decode()
    assert "暂无新的高分匹配" in response.content.decode()


@pytest.mark.parametrize("persona, status", [("owner", 403), ("supplier_user", 403)])
def test_liaison_queue_is_for_liaison_staff_only(client, request, catalog, persona, status):
    assert _login(client, request.getfixturevalue(persona)).get(reverse("matching:liaison_queue")).status_code == status
    client.logout()
    assert client.get(reverse("matching:liaison_queue")).status_code == 302


# --- feedback ------------------------------------------------------------------------------------


def _feedback_url(demand, supply):
    return reverse("matching:match_feedback", args=[demand.pk, supply.pk])


@pytest.mark.parametrize(
    "persona, status", [("owner", 302), ("liaison", 302), ("other_member", 403), ("supplier_user", 403)]
)
def test_feedback_permissions(client, request, catalog, persona, status):
    demand, supply = catalog[0][0], catalog[1][0]
    response = _login(client, request.getfixturevalue(persona)).post(
        _feedback_url(demand, supply), {"verdict": "useful"}
    )
    assert response.status_code == status
    assert MatchFeedback.objects.filter(demand=demand, supply=supply).exists() is (status == 302)


def test_anonymous_feedback_goes_to_login(client, catalog):
    response = client.post(_feedback_url(catalog[0][0], catalog[1][0]), {"verdict": "useful"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not MatchFeedback.objects.exists()


def test_irrelevant_via_htmx_hides_the_row_and_it_never_comes_back(client, catalog, owner):
    demand = catalog[0][0]
    top = Match.objects.get(demand=demand, rank=1).supply
    response = _login(client, owner).post(_feedback_url(demand, top), {"verdict": "irrelevant"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "不会再出现" in response.content.decode() and "data-hide-row" in response.content.decode()
    page = client.get(reverse("matching:demand_matches", args=[demand.pk])).content.decode()
    assert f'id="match-{top.pk}"' not in page


def test_bad_verdict_gets_a_chinese_message_and_writes_nothing(client, catalog, owner):
    response = _login(client, owner).post(
        _feedback_url(catalog[0][0], catalog[1][0]), {"verdict": "whatever"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400 and "反馈类型无效" in response.content.decode()
    assert not MatchFeedback.objects.exists()


def test_feedback_on_an_invisible_demand_is_404(client, catalog, other_member):
    demand = catalog[0][0]
    DemandList.objects.filter(pk=demand.demand_list_id).update(status=DemandList.Status.DRAFT)
    response = _login(client, other_member).post(_feedback_url(demand, catalog[1][0]), {"verdict": "useful"})
    assert response.status_code == 404


# --- API -------------------------------------------------------------------------------------------


def test_api_lists_matches_of_a_demand_in_rank_order(client, catalog, owner, django_assert_max_num_queries):
    demand = catalog[0][0]
    _login(client, owner)
    with django_assert_max_num_queries(6):
        data = client.get("/api/matches/", {"demand": demand.pk}).json()
    ranks = [row["rank"] for row in data["results"]]
    assert ranks == sorted(ranks) and data["count"] == 5
    first = data["results"][0]
    assert first["supply_title"] == "户外轮式变电站智能巡检机器人"
    assert {"terms", "type", "chain", "budget", "semantic"} <= set(first["explanation"])


def test_api_filters_by_supply_and_hides_invisible_rows(client, catalog, other_member, liaison):
    demands, supplies = catalog
    DemandList.objects.filter(pk=demands[0].demand_list_id).update(status=DemandList.Status.DRAFT)
    supply = supplies[0]
    anon = client.get("/api/matches/", {"supply": supply.pk}).json()
    assert all(row["demand"] != demands[0].pk for row in anon["results"])
    staff = _login(client, liaison).get("/api/matches/", {"supply": supply.pk}).json()
    assert any(row["demand"] == demands[0].pk for row in staff["results"])


def test_api_feedback_endpoint(client, catalog, owner, other_member):
    demand, supply = catalog[0][0], catalog[1][0]
    assert client.post(
        "/api/matches/feedback/",
        {"demand": demand.pk, "supply": supply.pk, "verdict": "useful"},
        content_type="application/json",
    ).status_code in (401, 403)
    bad = _login(client, owner).post(
        "/api/matches/feedback/",
        {"demand": demand.pk, "supply": supply.pk, "verdict": "nope"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "反馈类型无效" in bad.json()["error"]["message"]
    ok = client.post(
        "/api/matches/feedback/",
        {"demand": demand.pk, "supply": supply.pk, "verdict": "irrelevant"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["verdict"] == "irrelevant"
    assert all(r["supply"] != supply.pk for r in client.get("/api/matches/", {"demand": demand.pk}).json()["results"])
    client.logout()
    denied = _login(client, other_member).post(
        "/api/matches/feedback/",
        {"demand": demand.pk, "supply": supply.pk, "verdict": "useful"},
        content_type="application/json",
    )
    assert denied.status_code == 403
    missing = client.post(
        "/api/matches/feedback/",
        {"demand": 999999, "supply": supply.pk, "verdict": "useful"},
        content_type="application/json",
    )
    assert missing.status_code == 404


# --- 显示更多 (10 rows at a time) -----------------------------------------------------------------


def _match_rows(body):
    return body.count('class="list-group-item match-row')


def test_demand_tab_shows_10_rows_and_more_works_with_and_without_js(client, settings, park_org, supplier_org, owner):
    settings.MATCHING_TOP_K = 30
    demand = make_demand(park_org, title="变电站巡检机器人", description="拟采购变电站巡检机器人，要求红外测温。")
    for i in range(25):
        make_supply(supplier_org, title=f"巡检机器人型号{i}", description="变电站巡视机器人，红外测温。")
    services.match_rematch_all(recommend=False)
    url = reverse("matching:demand_matches", args=[demand.pk])
    _login(client, owner)
    first = client.get(url).content.decode()
    assert _match_rows(first) == 10 and "显示更多" in first and f"{url}?page=2" in first
    # Without JS the link reloads the page with the first 20 rows.
    plain = client.get(url, {"page": 2}).content.decode()
    assert _match_rows(plain) == 20 and f"{url}?page=3" in plain
    # With htmx it fetches only the next 10 (and the next link).
    more = client.get(url, {"page": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert _match_rows(more) == 10 and "<html" not in more and f"{url}?page=3" in more
    last = client.get(url, {"page": 3}, HTTP_HX_REQUEST="true").content.decode()
    assert _match_rows(last) == 5 and "显示更多" not in last
    assert client.get(url, {"page": "abc"}).status_code == 200


def test_supply_tab_shows_10_rows_and_more(client, settings, park_org, supplier_org, supplier_user):
    supply = make_supply(supplier_org, title="巡检机器人", description="变电站巡视机器人，红外测温。")
    for i in range(12):
        make_demand(park_org, title=f"巡检机器人需求{i}", description="拟采购变电站巡检机器人。")
    services.match_rematch_all(recommend=False)
    url = reverse("matching:supply_matches", args=[supply.pk])
    _login(client, supplier_user)
    first = client.get(url).content.decode()
    assert _match_rows(first) == 10 and "显示更多" in first
    more = client.get(url, {"page": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert _match_rows(more) == 2 and "显示更多" not in more
