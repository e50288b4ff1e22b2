"""REST API of 对接会: public events, own org's invitations and meetings, per role."""

import pytest

from events.models import Event, Invitation
from tests import factories
from tests.events.factories import EventFactory, InvitationFactory, MeetingRequestFactory, meeting_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, request):
    def as_(name):
        if name != "anonymous":
            client.force_login(request.getfixturevalue(name))
        return client

    return as_


@pytest.fixture
def meeting(event, park_org, supplier_org, demand):
    InvitationFactory(event=event, organization=supplier_org, status=Invitation.Status.ACCEPTED)
    return meeting_for(
        MeetingRequestFactory(event=event, requester_org=park_org, target_org=supplier_org, demand=demand, score=77)
    )


@pytest.mark.parametrize("persona", ["anonymous", "supplier_user", "other_member", "liaison", "platform_admin"])
def test_events_are_public_drafts_staff_only(api, persona, event):
    draft = EventFactory(status=Event.Status.DRAFT)
    client = api(persona)
    staff = persona in {"liaison", "platform_admin"}
    ids = [row["id"] for row in client.get("/api/events/").json()["results"]]
    assert event.pk in ids and (draft.pk in ids) is staff
    detail = client.get(f"/api/events/{event.pk}/")
    assert detail.status_code == 200 and detail.json()["chains"] == []
    response = client.get(f"/api/events/{draft.pk}/")
    assert response.status_code == (200 if staff else 404)
    if not staff:
        assert response.json()["error"]["message"] == "未找到该对象或您无权访问。"


def test_event_detail_has_agenda_and_demand_lists(client, event, demand):
    event.agenda_items.create(kind="项目推介", title="北京高校成果推介", starts_at="09:00", ends_at="10:00")
    body = client.get(f"/api/events/{event.pk}/").json()
    assert body["agenda_items"][0]["kind"] == "项目推介"
    assert body["demand_list_ids"] == [demand.demand_list_id]


def test_event_list_query_count(client, django_assert_max_num_queries):
    for _ in range(15):
        EventFactory().chains.set([factories.chain("机器人")])
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/events/").json()["results"]) == 15


@pytest.mark.parametrize(
    "persona,expected",
    [
        ("anonymous", None),
        ("supplier_user", 1),
        ("other_member", 0),
        ("liaison", 1),
        ("platform_admin", 1),
    ],
)
def test_invitations_list_own_org_only(api, persona, expected, invitation):
    response = api(persona).get("/api/event-invitations/")
    if expected is None:  # anonymous: token authentication comes first, so 401
        assert response.status_code == 401
        return
    assert response.status_code == 200 and response.json()["count"] == expected
    detail = api(persona).get(f"/api/event-invitations/{invitation.pk}/")
    assert detail.status_code == (200 if expected else 404)


def test_invitation_respond_via_api(client, invitation, supplier_user, other_member):
    client.force_login(other_member)
    assert (
        client.post(
            f"/api/event-invitations/{invitation.pk}/respond/", {"accept": True}, content_type="application/json"
        ).status_code
        == 404
    )
    client.force_login(supplier_user)
    response = client.post(
        f"/api/event-invitations/{invitation.pk}/respond/", {"accept": True}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    again = client.post(
        f"/api/event-invitations/{invitation.pk}/respond/", {"accept": False}, content_type="application/json"
    )
    assert again.status_code == 400 and "不能重复回复" in again.json()["error"]["message"]
    bad = client.post(f"/api/event-invitations/{invitation.pk}/respond/", {}, content_type="application/json")
    assert bad.status_code == 400 and "accept" in bad.json()["error"]["fields"]


@pytest.mark.parametrize(
    "persona,expected",
    [
        ("anonymous", None),
        ("supplier_user", 1),
        ("owner", 1),
        ("other_member", 0),
        ("liaison", 1),
        ("platform_admin", 1),
    ],
)
def test_meetings_own_org_only(api, persona, expected, meeting, supplier_org):
    response = api(persona).get("/api/event-meetings/")
    if expected is None:  # anonymous: token authentication comes first, so 401
        assert response.status_code == 401
        return
    body = response.json()
    assert body["count"] == expected
    if expected:
        row = body["results"][0]
        assert row["target_org_name"] == supplier_org.name and row["table_no"] == 1 and row["score"] == 77


def test_meetings_query_count(client, liaison, event, park_org, django_assert_max_num_queries):
    slots = event.slot_starts()
    for i in range(6):
        org = factories.SupplierOrganizationFactory()
        meeting_for(MeetingRequestFactory(event=event, requester_org=park_org, target_org=org), starts_at=slots[i])
    client.force_login(liaison)
    with django_assert_max_num_queries(5):
        assert client.get("/api/event-meetings/").json()["count"] == 6


def test_schema_has_chinese_descriptions(client):
    schema = client.get("/api/schema/?format=json").json()
    assert schema["paths"]["/api/events/"]["get"]["summary"] == "对接会列表"
    assert "本单位" in schema["paths"]["/api/event-meetings/"]["get"]["description"]
