"""Issue #10: match lists are private to the two parties and staff; feedback is private to the demand side.

Personas: anonymous, a member of a competing supplier firm, a member of another park, the supply's
owner, the demand's owner, the liaison covering the demand's region, a liaison of another region and
a platform admin — through the pages and the API.
"""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from matching import services
from matching.models import Match, MatchFeedback
from tests import factories
from tests.conftest import _member
from tests.matching.factories import make_catalog, make_supply

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous",
    "competitor",
    "other_park",
    "supply_owner",
    "demand_owner",
    "liaison_here",
    "liaison_elsewhere",
    "platform_admin",
]


@pytest.fixture
def competitor_org(db):
    return factories.SupplierOrganizationFactory(name="北京竞品机器人科技有限公司")


@pytest.fixture
def people(db, owner, supplier_user, other_member, liaison, platform_admin, competitor_org):
    far = factories.LiaisonFactory(username="qingdao_liaison")
    far.responsible_regions.add(factories.region("山东省青岛市"))
    return {
        "anonymous": None,
        "competitor": _member(competitor_org, username="competitor_member"),
        "other_park": other_member,
        "supply_owner": supplier_user,
        "demand_owner": owner,
        "liaison_here": liaison,
        "liaison_elsewhere": far,
        "platform_admin": platform_admin,
    }


@pytest.fixture
def world(park_org, supplier_org, competitor_org):
    """济宁's demands; the supplier's five supplies; the competitor's near twin of the best one."""
    demands, supplies = make_catalog(park_org, supplier_org)
    useful = next(s for s in supplies if s.title.startswith("户外轮式"))
    twin = make_supply(competitor_org, title="户外轮式变电站智能巡检机器人（防爆型）", description=useful.description)
    services.match_rematch_all(recommend=False)
    return {"demand": demands[0], "useful": useful, "twin": twin, "supplies": supplies}


def _as(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


def _page(client, url):
    """A page's text without the per-session CSRF token (the only part that differs between two reads)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", client.get(url).content.decode())


def _refresh(demand):
    """What the queued matching.tasks.refresh_demand does after feedback."""
    services.match_demand_refresh(demand_id=demand.pk)


def _api_rows(client, **params):
    response = client.get("/api/matches/", params)
    assert response.status_code == 200
    # Row ids and computed_at change whenever a list is recomputed; what a person reads is the rest.
    return {
        (r["demand"], r["supply"]): {k: v for k, v in r.items() if k not in ("id", "computed_at")}
        for r in response.json()["results"]
    }


# --- who may open the tabs -----------------------------------------------------------------------


DEMAND_TAB = {
    "anonymous": 404,
    "competitor": 404,
    "other_park": 404,
    "supply_owner": 404,
    "demand_owner": 200,
    "liaison_here": 200,
    "liaison_elsewhere": 200,
    "platform_admin": 200,
}
SUPPLY_TAB = {
    "anonymous": 404,
    "competitor": 404,
    "other_park": 404,
    "supply_owner": 200,
    "demand_owner": 404,
    "liaison_here": 200,
    "liaison_elsewhere": 200,
    "platform_admin": 200,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_demand_tab_only_for_the_demand_side_and_staff(client, people, world, persona):
    response = _as(client, people[persona]).get(reverse("matching:demand_matches", args=[world["demand"].pk]))
    assert response.status_code == DEMAND_TAB[persona]
    body = response.content.decode()
    # Nobody turned away reads a supplier's name or price in the 404 page.
    assert (world["useful"].title in body) is (DEMAND_TAB[persona] == 200)


@pytest.mark.parametrize("persona", PERSONAS)
def test_supply_tab_only_for_the_supply_side_and_staff(client, people, world, persona):
    response = _as(client, people[persona]).get(reverse("matching:supply_matches", args=[world["useful"].pk]))
    assert response.status_code == SUPPLY_TAB[persona]
    assert (world["demand"].title in response.content.decode()) is (SUPPLY_TAB[persona] == 200)


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_lists_only_the_pairs_of_ones_own_side(client, people, world, persona):
    rows = _api_rows(_as(client, people[persona]))
    all_pairs = set(Match.objects.values_list("demand_id", "supply_id"))
    user = people[persona]
    if persona in ("liaison_here", "liaison_elsewhere", "platform_admin"):
        assert set(rows) == all_pairs
    elif persona == "demand_owner":
        assert rows and set(rows) == set(
            Match.objects.filter(demand__organization__memberships__user=user).values_list("demand_id", "supply_id")
        )
    elif persona in ("supply_owner", "competitor"):
        # A supplier reads the pairs of its own supplies only (the competitor owns the near twin).
        assert rows and set(rows) == set(
            Match.objects.filter(supply__organization__memberships__user=user).values_list("demand_id", "supply_id")
        )
    else:
        assert rows == {}


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_detail_is_404_for_outsiders(client, people, world, persona):
    match = Match.objects.get(demand=world["demand"], supply=world["useful"])
    status = _as(client, people[persona]).get(f"/api/matches/{match.pk}/").status_code
    assert status == (404 if persona in ("anonymous", "competitor", "other_park") else 200)
    filtered = _api_rows(client, demand=world["demand"].pk)
    if persona == "competitor":
        assert set(filtered) == {(world["demand"].pk, world["twin"].pk)}  # its own supply's pair only
    else:
        assert bool(filtered) is (persona not in ("anonymous", "other_park"))


# --- feedback: who may give it ------------------------------------------------------------------------


FEEDBACK_HTML = {
    "competitor": 403,
    "other_park": 403,
    "supply_owner": 403,
    "demand_owner": 302,
    "liaison_here": 302,
    "liaison_elsewhere": 403,
    "platform_admin": 302,
}


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_feedback_only_by_the_demand_side_covering_liaison_and_admin(client, people, world, persona):
    demand, supply = world["demand"], world["useful"]
    url = reverse("matching:match_feedback", args=[demand.pk, supply.pk])
    response = _as(client, people[persona]).post(url, {"verdict": "useful"})
    assert response.status_code == FEEDBACK_HTML[persona]
    assert MatchFeedback.objects.filter(demand=demand).exists() is (FEEDBACK_HTML[persona] == 302)


def test_liaison_of_other_regions_cannot_give_feedback(client, people, world):
    demand, supply = world["demand"], world["useful"]
    far = _as(client, people["liaison_elsewhere"])
    page = far.get(reverse("matching:demand_matches", args=[demand.pk])).content.decode()
    assert 'name="verdict"' not in page  # they read the list but get no buttons
    response = far.post(reverse("matching:match_feedback", args=[demand.pk, supply.pk]), {"verdict": "irrelevant"})
    assert response.status_code == 403
    api = far.post(
        "/api/matches/feedback/",
        {"demand": demand.pk, "supply": supply.pk, "verdict": "irrelevant"},
        content_type="application/json",
    )
    assert api.status_code == 403 and "负责该地区的对接专员" in api.json()["error"]["message"]
    assert not MatchFeedback.objects.exists()
    assert Match.objects.filter(demand=demand, supply=supply).exists()


# --- feedback: private to the demand side ------------------------------------------------------------


def _supply_side_view(client, user, supply):
    page = _page(_as(client, user), reverse("matching:supply_matches", args=[supply.pk]))
    rows = _api_rows(client, supply=supply.pk)
    return page, rows


def test_owner_marks_useful_competitor_and_supply_owner_see_no_change(client, people, world):
    demand, useful, twin = world["demand"], world["useful"], world["twin"]
    competitor, supply_owner = people["competitor"], people["supply_owner"]
    # The competitor reads its own supply's 可对接需求 (that page is theirs); the supply owner theirs.
    competitor_page_url = reverse("matching:supply_matches", args=[twin.pk])
    before_competitor = _page(_as(client, competitor), competitor_page_url)
    before_competitor_api = _api_rows(client)
    before_owner_page, before_owner_api = _supply_side_view(client, supply_owner, useful)
    before_own = _as(client, people["demand_owner"]).get(reverse("matching:demand_matches", args=[demand.pk]))
    assert "反馈" not in before_own.content.decode()

    response = client.post(reverse("matching:match_feedback", args=[demand.pk, useful.pk]), {"verdict": "useful"})
    assert response.status_code == 302
    _refresh(demand)

    # The demand side sees its list re-ranked, with the 反馈 part in the breakdown.
    own = client.get(reverse("matching:demand_matches", args=[demand.pk])).content.decode()
    assert "反馈" in own and "已反馈" in own
    # The competitor whose near twin got the boost, and the supply owner, see exactly what they saw.
    assert _page(_as(client, competitor), competitor_page_url) == before_competitor
    assert _api_rows(client) == before_competitor_api
    assert "反馈" not in before_competitor
    after_owner_page, after_owner_api = _supply_side_view(client, supply_owner, useful)
    assert after_owner_page == before_owner_page and after_owner_api == before_owner_api
    assert all(row["feedback"] is None for row in after_owner_api.values())
    assert all("反馈" not in row["explanation"].get("parts", {}) for row in after_owner_api.values())


def test_irrelevant_does_not_make_the_demand_vanish_from_the_suppliers_tab(client, people, world):
    demand, supply = world["demand"], world["useful"]
    before_page, before_api = _supply_side_view(client, people["supply_owner"], supply)
    assert demand.title in before_page and (demand.pk, supply.pk) in before_api
    _as(client, people["demand_owner"]).post(
        reverse("matching:match_feedback", args=[demand.pk, supply.pk]), {"verdict": "irrelevant"}
    )
    own_page = client.get(reverse("matching:demand_matches", args=[demand.pk])).content.decode()
    assert f'id="match-{supply.pk}"' not in own_page
    _refresh(demand)
    own_page = client.get(reverse("matching:demand_matches", args=[demand.pk])).content.decode()
    assert f'id="match-{supply.pk}"' not in own_page
    assert (demand.pk, supply.pk) not in _api_rows(client, demand=demand.pk)
    after_page, after_api = _supply_side_view(client, people["supply_owner"], supply)
    assert after_page == before_page and after_api == before_api


def test_feedback_is_hidden_from_liaison_of_other_regions_and_shown_to_covering_staff(client, people, world):
    demand, useful = world["demand"], world["useful"]
    _as(client, people["demand_owner"]).post(
        reverse("matching:match_feedback", args=[demand.pk, useful.pk]), {"verdict": "useful"}
    )
    _refresh(demand)
    url = reverse("matching:demand_matches", args=[demand.pk])
    far_page = _as(client, people["liaison_elsewhere"]).get(url).content.decode()
    assert "反馈" not in far_page
    assert _api_rows(client, demand=demand.pk)[(demand.pk, useful.pk)]["feedback"] is None
    for persona in ("liaison_here", "platform_admin"):
        page = _as(client, people[persona]).get(url).content.decode()
        assert "反馈" in page and "已反馈" in page
        assert _api_rows(client, demand=demand.pk)[(demand.pk, useful.pk)]["feedback"] == "useful"


# --- next= -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/steal", "///evil.example", "\\\\evil.example", "javascript:x"]
)
def test_feedback_next_off_site_stays_on_site(client, people, world, target):
    demand, supply = world["demand"], world["useful"]
    response = _as(client, people["demand_owner"]).post(
        reverse("matching:match_feedback", args=[demand.pk, supply.pk]), {"verdict": "useful", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:demand_matches", args=[demand.pk])


def test_feedback_next_off_site_after_a_bad_verdict_stays_on_site(client, people, world):
    demand, supply = world["demand"], world["useful"]
    response = _as(client, people["demand_owner"]).post(
        reverse("matching:match_feedback", args=[demand.pk, supply.pk]), {"verdict": "bad", "next": "//evil.example/"}
    )
    assert response["Location"] == reverse("matching:demand_matches", args=[demand.pk])


def test_feedback_next_on_site_is_followed(client, people, world):
    demand, supply = world["demand"], world["useful"]
    response = _as(client, people["liaison_here"]).post(
        reverse("matching:match_feedback", args=[demand.pk, supply.pk]),
        {"verdict": "contacted", "next": reverse("matching:liaison_queue")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("matching:liaison_queue")


# --- liaison queue and links ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_liaison_queue_only_for_staff_and_their_regions(client, settings, people, world, persona):
    settings.MATCHING_RECOMMEND_THRESHOLD = 0
    response = _as(client, people[persona]).get(reverse("matching:liaison_queue"))
    if persona == "anonymous":
        assert response.status_code == 302
        return
    shown = world["demand"].title in response.content.decode()
    if persona in ("liaison_here", "platform_admin"):
        assert response.status_code == 200 and shown
    elif persona == "liaison_elsewhere":
        assert response.status_code == 200 and not shown
    else:
        assert response.status_code == 403 and not shown


@pytest.mark.parametrize("persona", PERSONAS)
def test_link_filters_show_a_tab_only_to_who_may_open_it(people, world, persona):
    html = Template(
        "{% load matching_access %}"
        "{% if user|can_view_demand_matches:demand %}D{% endif %}{% if user|can_view_supply_matches:supply %}S{% endif %}"
    ).render(Context({"user": people[persona] or _anonymous(), "demand": world["demand"], "supply": world["useful"]}))
    assert ("D" in html) is (DEMAND_TAB[persona] == 200)
    assert ("S" in html) is (SUPPLY_TAB[persona] == 200)


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


# --- admin ---------------------------------------------------------------------------------------------


def _staff(user):
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="matching"))
    return user


def test_admin_shows_feedback_only_to_who_may_give_it_and_never_edits_it(client, people, world):
    demand, useful = world["demand"], world["useful"]
    services.feedback_record(demand=demand, supply=useful, user=people["demand_owner"], verdict="useful")
    url = reverse("admin:matching_matchfeedback_changelist")
    far = _as(client, _staff(people["liaison_elsewhere"])).get(url)
    assert far.status_code == 200 and useful.title not in far.content.decode()
    here = _as(client, _staff(people["liaison_here"])).get(url)
    assert here.status_code == 200 and useful.title in here.content.decode()
    feedback = MatchFeedback.objects.get()
    change = reverse("admin:matching_matchfeedback_change", args=[feedback.pk])
    client.post(change, {"verdict": "irrelevant"})
    assert MatchFeedback.objects.get().verdict == "useful"  # one write path: feedback_record
