"""Who may run a 对接会: every staff action × every persona, as one table, plus the read-only pages.

A liaison manages (edit, 精准邀约 incl. 一键邀请, pair, schedule) an event they created or one whose
会前征集 demand lists belong to organisations in their covered regions; platform admins every
event; other liaison staff read; members of organisations and anonymous users run nothing.
The event here collects the 济宁 park's demand list and was created by the platform admin.
Expected values: an HTTP status, or "login" for a redirect to the login page.
"""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from events import selectors, services
from events.models import Event, Invitation, MeetingRequest
from tests import factories
from tests.events.factories import EventFactory, InvitationFactory, make_match

pytestmark = pytest.mark.django_db

L = "login"
PERSONAS = [
    "anonymous",
    "owner",  # member of the 济宁 park whose list the event collects
    "other_member",  # member of a 青岛 organisation
    "liaison",  # covers 济宁市: the region of the event's demand list
    "liaison_coast",  # covers 青岛/烟台/潍坊 only
    "liaison_coast_creator",  # covers 青岛/烟台/潍坊, created the event
    "platform_admin",
]
ACTIONS = ["edit_form", "edit", "invite", "pair", "schedule"]
MANAGERS = {"liaison", "liaison_coast_creator", "platform_admin"}


def _expected(persona, action):
    if persona == "anonymous":
        return L
    if persona in MANAGERS:
        return 200 if action == "edit_form" else 302
    return 403


@pytest.fixture
def liaison_coast(db):
    user = factories.LiaisonFactory(username="liaison_coast", display_name="对接专员 胶东")
    user.responsible_regions.add(
        factories.region("山东省青岛市"), factories.region("山东省烟台市"), factories.region("山东省潍坊市")
    )
    return user


@pytest.fixture
def jining_event(demand, platform_admin, supplier_org):
    event = EventFactory(name="济宁机器人产业链对接会", demand_lists=[demand.demand_list], created_by=platform_admin)
    InvitationFactory(event=event, organization=supplier_org, status=Invitation.Status.ACCEPTED)
    return event


@pytest.fixture
def invitee(db):
    return factories.SupplierOrganizationFactory(name="北京海克新材料有限公司")


def _persona_user(request, persona, event):
    if persona == "anonymous":
        return None
    if persona == "liaison_coast_creator":
        user = request.getfixturevalue("liaison_coast")
        Event.objects.filter(pk=event.pk).update(created_by=user)
        return user
    return request.getfixturevalue(persona)


def _edit_data(event):
    return {
        "name": "济宁机器人产业链对接会（改期）",
        "description": "",
        "date": f"{event.date:%Y-%m-%d}",
        "venue": event.venue,
        "online_url": "",
        "status": "published",
        "demand_lists": [dl.pk for dl in event.demand_lists.all()],
        "slot_minutes": "20",
        "table_count": "4",
        "meeting_start": "14:00",
        "meeting_end": "16:00",
        "agenda-TOTAL_FORMS": "0",
        "agenda-INITIAL_FORMS": "0",
        "agenda-MIN_NUM_FORMS": "0",
        "agenda-MAX_NUM_FORMS": "1000",
    }


def _request(client, event, action, *, invitee, park_org, supplier_org):
    if action == "edit_form":
        return client.get(reverse("events:event_update", args=[event.pk]))
    if action == "edit":
        return client.post(reverse("events:event_update", args=[event.pk]), _edit_data(event))
    if action == "invite":
        return client.post(reverse("events:invitation_send", args=[event.pk]), {"organization": invitee.pk})
    if action == "pair":
        return client.post(
            reverse("events:meeting_pair_add", args=[event.pk]), {"org_a": park_org.pk, "org_b": supplier_org.pk}
        )
    return client.post(reverse("events:schedule_run", args=[event.pk]))


def _state(event):
    event.refresh_from_db()
    return (
        event.name,
        event.scheduled_at,
        Invitation.objects.filter(event=event).count(),
        MeetingRequest.objects.filter(event=event).count(),
    )


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_event_actions(client, request, jining_event, invitee, park_org, supplier_org, persona, action):
    user = _persona_user(request, persona, jining_event)
    if user is not None:
        client.force_login(user)
    before = _state(jining_event)
    response = _request(client, jining_event, action, invitee=invitee, park_org=park_org, supplier_org=supplier_org)
    expected = _expected(persona, action)
    after = _state(jining_event)
    if expected == L:
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected, (persona, action, response.status_code)
    if expected != 302:
        assert after == before, "a refused action must change nothing"
        if persona == "liaison_coast":
            assert "不是您创建的对接会，会前征集的需求清单也不属于您负责的地区：您只能查看" in response.text
        return
    name, scheduled_at, invitations, pairs = after
    if action == "edit":
        assert name == "济宁机器人产业链对接会（改期）"
    elif action == "invite":
        assert Invitation.objects.filter(event=jining_event, organization=invitee).exists()
    elif action == "pair":
        assert pairs == before[3] + 1
    else:
        assert scheduled_at is not None


@pytest.mark.parametrize("persona", ["liaison", "liaison_coast", "platform_admin"])
def test_staff_pages_show_actions_only_to_managers(client, request, jining_event, invitee, demand, persona):
    make_match(demand, factories.SupplyFactory(menu=factories.SupplyMenuFactory(organization=invitee)), 77)
    client.force_login(request.getfixturevalue(persona))
    manages = persona != "liaison_coast"
    pages = {
        name: client.get(reverse(name, args=[jining_event.pk]))
        for name in ("events:event_detail", "events:invitations", "events:meetings", "events:table_plan")
    }
    assert all(page.status_code == 200 for page in pages.values())  # every liaison reads
    assert invitee.name in pages["events:invitations"].text  # the proposal is listed for everyone
    assert ("一键邀请" in pages["events:invitations"].text) == manages
    assert ("自动排程</button>" in pages["events:meetings"].text) == manages
    edit_url = reverse("events:event_update", args=[jining_event.pk])
    for page in pages.values():
        assert (edit_url in page.text) == manages
        assert ('id="event-read-only"' in page.text) == (not manages)


def test_other_regions_liaison_still_reads_drafts(client, liaison_coast, demand):
    draft = EventFactory(name="筹备中的济宁专场", status=Event.Status.DRAFT, demand_lists=[demand.demand_list])
    client.force_login(liaison_coast)
    assert client.get(reverse("events:event_detail", args=[draft.pk])).status_code == 200
    assert "筹备中的济宁专场" in client.get(reverse("events:event_list")).text


def test_liaison_manages_events_collecting_lists_of_their_regions(liaison, liaison_coast, other_org, platform_admin):
    """A joint event (济宁 + 青岛 lists) is run by both cities' liaisons; a 青岛-only one by the coast liaison."""
    jining_list = factories.DemandListFactory()
    qingdao_list = factories.DemandListFactory(organization=other_org)
    joint = EventFactory(demand_lists=[jining_list, qingdao_list], created_by=platform_admin)
    qingdao = EventFactory(demand_lists=[qingdao_list], created_by=platform_admin)
    bare = EventFactory(created_by=liaison)
    assert selectors.can_manage_event(liaison, joint) and selectors.can_manage_event(liaison_coast, joint)
    assert selectors.can_manage_event(liaison_coast, qingdao) and not selectors.can_manage_event(liaison, qingdao)
    assert selectors.can_manage_event(liaison, bare) and not selectors.can_manage_event(liaison_coast, bare)
    assert all(selectors.can_manage_event(platform_admin, e) for e in (joint, qingdao, bare))


def test_services_refuse_a_liaison_of_other_regions(jining_event, liaison_coast, invitee, park_org, supplier_org):
    """The rule lives in events.services: every caller (一键邀请 anywhere, commands, admin) gets it."""
    before = _state(jining_event)
    calls = [
        lambda: services.invitation_send(event=jining_event, organization=invitee, actor=liaison_coast),
        lambda: services.meeting_pair_add(event=jining_event, org_a=park_org, org_b=supplier_org, actor=liaison_coast),
        lambda: services.schedule_run(event=jining_event, actor=liaison_coast),
        lambda: services.event_update(event=jining_event, actor=liaison_coast, data={"name": "改名"}),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match="您只能查看"):
            call()
    assert _state(jining_event) == before


@pytest.mark.parametrize("persona, status", [("liaison", 200), ("liaison_coast", 403)])
def test_admin_change_follows_the_same_rule(client, request, jining_event, persona, status):
    user = request.getfixturevalue(persona)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_event", "change_event"]))
    client.force_login(user)
    url = reverse("admin:events_event_change", args=[jining_event.pk])
    page = client.get(url)
    assert page.status_code == 200  # viewing is allowed to both
    can_save = 'name="_save"' in page.text
    assert can_save == (status == 200)
    response = client.post(url, {"name": "被改掉的名字"})
    jining_event.refresh_from_db()
    assert jining_event.name == "济宁机器人产业链对接会"
    if status == 403:
        assert response.status_code == 403


def test_admin_never_adds_invitations_and_liaisons_never_change_them(client, jining_event, liaison, supplier_org):
    """Invitations are sent through invitation_send (check + notification); answers belong to the org."""
    invitation = Invitation.objects.get(event=jining_event, organization=supplier_org)
    root = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    assert client.get(reverse("admin:events_invitation_add")).status_code == 403
    liaison.is_staff = True
    liaison.save(update_fields=["is_staff"])
    liaison.user_permissions.add(*Permission.objects.filter(codename__in=["view_invitation", "change_invitation"]))
    client.force_login(liaison)
    url = reverse("admin:events_invitation_change", args=[invitation.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"status": "declined"}).status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
