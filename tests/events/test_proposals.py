"""精准邀约 proposals and staff pair suggestions, from Match rows created directly."""

import pytest

from catalog.models import Supply
from events import selectors, services
from events.models import Invitation, MeetingRequest
from tests import factories
from tests.events.factories import InvitationFactory, make_match

pytestmark = pytest.mark.django_db


def supplier_with_supply(name, **org_kwargs):
    org = factories.SupplierOrganizationFactory(name=name, **org_kwargs)
    return org, factories.SupplyFactory(menu=factories.SupplyMenuFactory(organization=org))


@pytest.fixture
def world(event, demand):
    """Two event demands; suppliers A (90 + 60), B (95), C (40), plus ones that must not appear."""
    d2 = factories.DemandFactory(demand_list=demand.demand_list)
    outside = factories.DemandFactory()  # a demand not collected for this event
    a, sa = supplier_with_supply("北京甲科技有限公司")
    b, sb = supplier_with_supply("北京乙科技有限公司")
    c, sc = supplier_with_supply("北京丙科技有限公司")
    u, su = supplier_with_supply("北京未认证公司", is_verified=False)
    x, sx = supplier_with_supply("北京已下架公司")
    sx.status = Supply.Status.CLOSED
    sx.save()
    o, so = supplier_with_supply("北京场外公司")
    make_match(demand, sa, 90)
    make_match(d2, sa, 60, explanation={"terms": ["减速器"], "chain": "同一产业链：机器人"})
    make_match(demand, sb, 95)
    make_match(d2, sc, 40)
    make_match(demand, su, 99)
    make_match(demand, sx, 98)
    make_match(outside, so, 97)
    return {"a": a, "b": b, "c": c, "d2": d2, "sa": sa, "sb": sb}


def test_proposals_ranked_by_best_score_with_counts_and_reasons(event, world):
    proposals = selectors.invitation_proposals(event)
    names = [p["organization"].name for p in proposals]
    assert names == ["北京乙科技有限公司", "北京甲科技有限公司", "北京丙科技有限公司"]
    a = proposals[1]
    assert a["best_score"] == 90 and a["demand_count"] == 2
    # Plain reasons from matching.reasons: the strength word first, then what fits.
    assert a["reasons"][0] == "高度相关" and len(a["reasons"]) > 1
    assert not any("标准差" in r or "≈" in r or "共同关键词" in r for r in a["reasons"])
    assert [m["score"] for m in a["top_matches"]] == [90, 60]


def test_invited_orgs_leave_the_proposals_and_keep_their_evidence(event, world, liaison):
    invitation = services.invitation_send(event=event, organization=world["b"], actor=liaison)
    assert invitation.proposed_score == 95
    assert invitation.reasons and invitation.reasons[0] == "高度相关"
    assert [p["organization"] for p in selectors.invitation_proposals(event)] == [world["a"], world["c"]]


def test_proposal_query_count_does_not_grow(event, world, django_assert_max_num_queries):
    for i in range(15):
        _org, s = supplier_with_supply(f"北京批量公司{i}")
        make_match(world["d2"], s, 10 + i)
    with django_assert_max_num_queries(6):
        proposals = selectors.invitation_proposals(event)
    assert len(proposals) == 18


def test_pair_suggestions_and_requests_use_the_best_match(event, world, park_org, liaison, owner):
    for org in (world["a"], world["b"]):
        InvitationFactory(event=event, organization=org, status=Invitation.Status.ACCEPTED)
    suggestions = selectors.pair_suggestions(event)
    assert [(m.supply.organization, m.score) for m in suggestions] == [(world["b"], 95), (world["a"], 90)]
    pair = services.meeting_pair_add(event=event, org_a=park_org, org_b=world["b"], actor=liaison)
    assert (pair.supply, pair.score) == (world["sb"], 95)
    assert [m.supply.organization for m in selectors.pair_suggestions(event)] == [world["a"]]
    member = factories.UserFactory()
    factories.MembershipFactory(user=member, organization=world["a"])
    request = services.meeting_request_create(event=event, requester_org=world["a"], target_org=park_org, user=member)
    assert (request.demand, request.supply, request.score) == (
        event.demand_lists.get().demands.order_by("id").first(),
        world["sa"],
        90,
    )
    assert request.status == MeetingRequest.Status.PENDING


def test_participation_page_ranks_counterparts_by_match(client, event, world, park_org, owner):
    for org in (world["a"], world["b"], world["c"]):
        InvitationFactory(event=event, organization=org, status=Invitation.Status.ACCEPTED)
    client.force_login(owner)
    page = client.get(f"/events/{event.pk}/participation/").content.decode()
    b, a, c = (
        page.index(f"{name}（匹配度") for name in ("北京乙科技有限公司", "北京甲科技有限公司", "北京丙科技有限公司")
    )
    assert b < a < c
    assert "北京乙科技有限公司（匹配度 95.0" in page
