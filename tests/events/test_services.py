"""Event services: creation rules, invitations, registration, 1:1 pairs, scheduling, outcomes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from events import services
from events.models import Attendee, Availability, Event, Invitation, Meeting, MeetingOutcome, MeetingRequest
from followups.models import Case
from notifications.models import Notification
from tests import factories
from tests.events.factories import InvitationFactory, MeetingRequestFactory, meeting_for

pytestmark = pytest.mark.django_db


def event_data(**overrides):
    data = {
        "name": "京鲁集成电路产业对接会",
        "description": "",
        "date": datetime.date(2027, 5, 20),
        "venue": "山东大厦",
        "online_url": "",
        "status": Event.Status.PUBLISHED,
        "slot_minutes": 20,
        "table_count": 6,
        "meeting_start": datetime.time(14, 0),
        "meeting_end": datetime.time(16, 0),
        "chains": [factories.chain("机器人")],
        "demand_lists": [],
    }
    data.update(overrides)
    return data


AGENDA = [
    {
        "kind": "需求发布",
        "title": "济宁市机器人产业需求发布",
        "starts_at": datetime.time(9, 0),
        "ends_at": datetime.time(9, 30),
        "speaker": "济宁高新区",
    },
    {
        "kind": "一对一洽谈",
        "title": "供需双方一对一洽谈",
        "starts_at": datetime.time(14, 0),
        "ends_at": datetime.time(16, 0),
        "speaker": "",
    },
]


# --- events ---------------------------------------------------------------------------------------


def test_liaison_creates_event_with_agenda_and_demand_lists(liaison, demand):
    event = services.event_create(actor=liaison, data=event_data(demand_lists=[demand.demand_list]), agenda=AGENDA)
    assert list(event.agenda_items.values_list("kind", flat=True)) == ["需求发布", "一对一洽谈"]
    assert list(event.demand_lists.all()) == [demand.demand_list]
    assert len(event.slot_starts()) == 6


def test_member_cannot_create_event(owner):
    with pytest.raises(PermissionDenied):
        services.event_create(actor=owner, data=event_data())
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"venue": "", "online_url": ""}, "venue", "请填写会议地点或线上会议链接"),
        ({"meeting_end": datetime.time(13, 0)}, "meeting_end", "结束时间必须晚于开始时间"),
        ({"slot_minutes": 180}, "slot_minutes", "放不下一场洽谈"),
    ],
)
def test_bad_event_input_names_the_problem_and_writes_nothing(liaison, overrides, field, message):
    with pytest.raises(ValidationError) as exc:
        services.event_create(actor=liaison, data=event_data(**overrides), agenda=AGENDA)
    assert message in " ".join(exc.value.message_dict[field])
    assert not Event.objects.exists()


def test_bad_agenda_row_rolls_back_the_event(liaison):
    agenda = [
        {
            "kind": "项目推介",
            "title": "推介",
            "starts_at": datetime.time(10, 0),
            "ends_at": datetime.time(9, 0),
            "speaker": "",
        }
    ]
    with pytest.raises(ValidationError) as exc:
        services.event_create(actor=liaison, data=event_data(), agenda=agenda)
    assert "议程结束时间必须晚于开始时间" in str(exc.value)
    assert not Event.objects.exists()


# --- invitations ----------------------------------------------------------------------------------


def test_invitation_notifies_members_and_is_one_per_org(event, liaison, supplier_org, supplier_user):
    invitation = services.invitation_send(event=event, organization=supplier_org, actor=liaison)
    assert invitation.status == Invitation.Status.PENDING
    note = Notification.objects.get(recipient=supplier_user)
    assert note.kind == "event" and event.name in note.title
    with pytest.raises(ValidationError, match="已被邀请"):
        services.invitation_send(event=event, organization=supplier_org, actor=liaison)
    assert Invitation.objects.count() == 1


def test_demand_side_org_need_not_be_invited(event, liaison, park_org):
    with pytest.raises(ValidationError, match="需求方"):
        services.invitation_send(event=event, organization=park_org, actor=liaison)


def test_only_staff_invite(event, owner, supplier_org):
    with pytest.raises(PermissionDenied):
        services.invitation_send(event=event, organization=supplier_org, actor=owner)


def test_invitee_accepts_and_staff_hear_about_it(invitation, supplier_user, liaison):
    services.invitation_respond(invitation=invitation, user=supplier_user, accept=True)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED and invitation.responded_by == supplier_user
    assert Notification.objects.filter(recipient=liaison, title__contains="已接受").exists()
    with pytest.raises(ValidationError, match="不能重复回复"):
        services.invitation_respond(invitation=invitation, user=supplier_user, accept=False)


def test_invitee_declines(invitation, supplier_user):
    services.invitation_respond(invitation=invitation, user=supplier_user, accept=False)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED


def test_outsider_cannot_answer_an_invitation(invitation, other_member):
    with pytest.raises(PermissionDenied):
        services.invitation_respond(invitation=invitation, user=other_member, accept=True)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


# --- registration ---------------------------------------------------------------------------------


def test_registration_requires_accepted_invitation(invitation, event, supplier_org, supplier_user):
    with pytest.raises(ValidationError, match="尚未接受邀请"):
        services.attendee_add(event=event, organization=supplier_org, user=supplier_user, name="张工")
    services.invitation_respond(invitation=invitation, user=supplier_user, accept=True)
    services.attendee_add(
        event=event, organization=supplier_org, user=supplier_user, name="张工", phone="138 0000 1111"
    )
    assert Attendee.objects.get().name == "张工"


def test_attendee_bad_input(accepted, event, supplier_org, supplier_user):
    with pytest.raises(ValidationError) as exc:
        services.attendee_add(event=event, organization=supplier_org, user=supplier_user, name="李工", phone="abc")
    assert "手机号格式不正确" in exc.value.message_dict["phone"][0]
    services.attendee_add(event=event, organization=supplier_org, user=supplier_user, name="李工")
    with pytest.raises(ValidationError, match="已登记"):
        services.attendee_add(event=event, organization=supplier_org, user=supplier_user, name="李工")
    assert Attendee.objects.count() == 1


def test_availability_must_lie_in_the_window(event, park_org, owner):
    with pytest.raises(ValidationError) as exc:
        services.availability_set(
            event=event,
            organization=park_org,
            user=owner,
            available_from=datetime.time(13, 0),
            available_to=datetime.time(15, 0),
        )
    assert "14:00–16:00" in exc.value.message_dict["available_from"][0]
    with pytest.raises(ValidationError):
        services.availability_set(
            event=event,
            organization=park_org,
            user=owner,
            available_from=datetime.time(15, 0),
            available_to=datetime.time(14, 30),
        )
    assert not Availability.objects.exists()
    services.availability_set(
        event=event,
        organization=park_org,
        user=owner,
        available_from=datetime.time(14, 0),
        available_to=datetime.time(15, 0),
    )
    assert Availability.objects.get().available_to == datetime.time(15, 0)


# --- 1:1 pairs ------------------------------------------------------------------------------------


def test_request_accept_flow(accepted, event, park_org, supplier_org, owner, supplier_user):
    pair = services.meeting_request_create(
        event=event, requester_org=park_org, target_org=supplier_org, user=owner, note="想了解视觉方案"
    )
    assert pair.status == MeetingRequest.Status.PENDING
    assert Notification.objects.filter(recipient=supplier_user, title__contains="一对一洽谈").exists()
    with pytest.raises(ValidationError, match="已存在"):
        services.meeting_request_create(
            event=event, requester_org=supplier_org, target_org=park_org, user=supplier_user
        )
    with pytest.raises(PermissionDenied):  # the requester cannot accept its own request
        services.meeting_request_respond(pair=pair, user=owner, accept=True)
    services.meeting_request_respond(pair=pair, user=supplier_user, accept=True)
    pair.refresh_from_db()
    assert pair.status == MeetingRequest.Status.ACCEPTED
    assert Notification.objects.filter(recipient=owner, title__contains="已接受").exists()


def test_request_to_non_participant_is_refused(invitation, event, park_org, supplier_org, owner):
    # supplier_org has only a pending invitation: not a participant yet.
    with pytest.raises(ValidationError, match="不是本次对接会的参会单位"):
        services.meeting_request_create(event=event, requester_org=park_org, target_org=supplier_org, user=owner)
    assert not MeetingRequest.objects.exists()


def test_staff_pair_is_accepted_at_once(accepted, event, park_org, supplier_org, liaison, owner, supplier_user):
    pair = services.meeting_pair_add(event=event, org_a=park_org, org_b=supplier_org, actor=liaison)
    assert pair.status == MeetingRequest.Status.ACCEPTED and pair.source == MeetingRequest.Source.STAFF
    assert Notification.objects.filter(recipient=owner, title__contains="安排").exists()
    assert Notification.objects.filter(recipient=supplier_user, title__contains="安排").exists()


# --- scheduling -----------------------------------------------------------------------------------


def _participants(event, n, liaison):
    orgs = []
    for _ in range(n):
        org = factories.SupplierOrganizationFactory()
        InvitationFactory(event=event, organization=org, invited_by=liaison, status=Invitation.Status.ACCEPTED)
        orgs.append(org)
    return orgs


def test_schedule_run_stores_a_valid_plan(event, park_org, liaison):
    event.table_count = 2
    event.save()
    suppliers = _participants(event, 7, liaison)
    other_park = factories.OrganizationFactory()
    event.demand_lists.add(factories.DemandListFactory(organization=other_park))
    pairs = [
        MeetingRequestFactory(event=event, requester_org=park_org, target_org=s, score=10 * i)
        for i, s in enumerate(suppliers)
    ]
    pairs += [
        MeetingRequestFactory(event=event, requester_org=other_park, target_org=s, score=5) for s in suppliers[:4]
    ]
    declined = MeetingRequestFactory(
        event=event, requester_org=other_park, target_org=suppliers[5], status=MeetingRequest.Status.DECLINED
    )
    pending = MeetingRequestFactory(
        event=event, requester_org=other_park, target_org=suppliers[6], status=MeetingRequest.Status.PENDING
    )
    Availability.objects.create(
        event=event, organization=suppliers[6], available_from=datetime.time(15, 20), available_to=datetime.time(16, 0)
    )
    # One person attends for suppliers 0 and 1: they cannot be in two meetings at once.
    Attendee.objects.create(event=event, organization=suppliers[0], name="王博士", phone="13900001111")
    Attendee.objects.create(event=event, organization=suppliers[1], name="王博士", phone="139-0000-1111")

    summary = services.schedule_run(event=event, actor=liaison)

    meetings = list(Meeting.objects.filter(event=event).select_related("pair"))
    # 6 slots: park_org can have at most 6 of its 7 pairs, other_park all 4 → 10 is the optimum.
    assert summary["scheduled"] == len(meetings) == 10
    assert {m.pair.status for m in meetings} == {MeetingRequest.Status.ACCEPTED}
    assert declined.pk not in {m.pair_id for m in meetings} and pending.pk not in {m.pair_id for m in meetings}
    by_slot = {}
    for m in meetings:
        by_slot.setdefault(m.starts_at, []).append(m)
        assert 1 <= m.table_no <= 2
        if suppliers[6].pk in m.pair.org_ids:
            assert timezone.localtime(m.starts_at).time() >= datetime.time(15, 20)
    for slot_meetings in by_slot.values():
        assert len(slot_meetings) <= 2
        orgs = [o for m in slot_meetings for o in m.pair.org_ids]
        assert len(orgs) == len(set(orgs))
        assert not ({suppliers[0].pk, suppliers[1].pk} <= set(orgs))  # the shared person
    # park_org has 7 accepted pairs but only 6 slots: its lowest-score pair is the one left out.
    assert pairs[0].pk in summary["unscheduled"]
    assert summary["status"] == "OPTIMAL"


def test_schedule_notifies_and_can_be_rerun(accepted, event, park_org, supplier_org, liaison, supplier_user):
    MeetingRequestFactory(event=event, requester_org=park_org, target_org=supplier_org)
    services.schedule_run(event=event, actor=liaison)
    services.schedule_run(event=event, actor=liaison)
    assert Meeting.objects.count() == 1
    assert Notification.objects.filter(recipient=supplier_user, title__contains="日程已排定").exists()


def test_schedule_refused_once_outcomes_exist(past_event, park_org, supplier_org, liaison, owner):
    InvitationFactory(event=past_event, organization=supplier_org, status=Invitation.Status.ACCEPTED)
    meeting = meeting_for(MeetingRequestFactory(event=past_event, requester_org=park_org, target_org=supplier_org))
    MeetingOutcome.objects.create(meeting=meeting, organization=park_org, rating=4, intent="无意向")
    with pytest.raises(ValidationError, match="不能重新排程"):
        services.schedule_run(event=past_event, actor=liaison)
    assert Meeting.objects.filter(pk=meeting.pk).exists()


# --- outcomes → pipeline --------------------------------------------------------------------------


@pytest.fixture
def held_meeting(past_event, park_org, supplier_org, demand, supply):
    InvitationFactory(event=past_event, organization=supplier_org, status=Invitation.Status.ACCEPTED)
    pair = MeetingRequestFactory(
        event=past_event, requester_org=park_org, target_org=supplier_org, demand=demand, supply=supply, score=88
    )
    return meeting_for(pair)


def test_intent_outcome_opens_case_and_moves_it_to_intent(held_meeting, supplier_org, supplier_user, demand, supply):
    outcome = services.outcome_record(
        meeting=held_meeting,
        organization=supplier_org,
        user=supplier_user,
        rating=5,
        intent="有意向",
        next_step="两周内赴济宁考察",
    )
    case = Case.objects.get()
    assert (case.demand, case.supply_org, case.supply) == (demand, supplier_org, supply)
    assert case.origin == Case.Origin.EVENT and case.origin_ref == str(held_meeting.pk)
    assert case.stage == Case.Stage.INTENT
    assert outcome.case == case
    assert case.met_at == held_meeting.starts_at  # met at the meeting, not when the outcome was typed


def test_both_sides_intent_open_one_case(held_meeting, park_org, supplier_org, owner, supplier_user):
    services.outcome_record(meeting=held_meeting, organization=park_org, user=owner, rating=4, intent="有意向")
    services.outcome_record(
        meeting=held_meeting, organization=supplier_org, user=supplier_user, rating=5, intent="有意向"
    )
    assert Case.objects.count() == 1
    assert MeetingOutcome.objects.count() == 2


def test_no_intent_opens_no_case(held_meeting, park_org, owner):
    services.outcome_record(meeting=held_meeting, organization=park_org, user=owner, rating=2, intent="无意向")
    assert not Case.objects.exists()


def test_outcome_bad_input_and_access(held_meeting, park_org, supplier_org, owner, other_member, other_org):
    with pytest.raises(ValidationError) as exc:
        services.outcome_record(meeting=held_meeting, organization=park_org, user=owner, rating=7, intent="有意向")
    assert "1 到 5" in exc.value.message_dict["rating"][0]
    with pytest.raises(ValidationError):
        services.outcome_record(meeting=held_meeting, organization=park_org, user=owner, rating=3, intent="也许")
    with pytest.raises(PermissionDenied):
        services.outcome_record(meeting=held_meeting, organization=supplier_org, user=owner, rating=3, intent="有意向")
    with pytest.raises(PermissionDenied):
        services.outcome_record(
            meeting=held_meeting, organization=other_org, user=other_member, rating=3, intent="有意向"
        )
    assert not MeetingOutcome.objects.exists() and not Case.objects.exists()


def test_outcome_not_before_the_meeting(accepted, event, park_org, supplier_org, owner):
    meeting = meeting_for(MeetingRequestFactory(event=event, requester_org=park_org, target_org=supplier_org))
    with pytest.raises(ValidationError, match="尚未开始"):
        services.outcome_record(meeting=meeting, organization=park_org, user=owner, rating=3, intent="有意向")
    assert not MeetingOutcome.objects.exists()


def test_changing_the_window_voids_the_schedule(accepted, event, park_org, supplier_org, liaison):
    MeetingRequestFactory(event=event, requester_org=park_org, target_org=supplier_org)
    summary = services.schedule_run(event=event, actor=liaison)
    assert summary["greedy_scheduled"] == summary["scheduled"] == 1
    services.event_update(event=event, actor=liaison, data={"name": "改名不影响排程"})
    assert Meeting.objects.count() == 1
    services.event_update(event=event, actor=liaison, data={"meeting_start": datetime.time(15, 0)})
    event.refresh_from_db()
    assert not Meeting.objects.exists() and event.scheduled_at is None and event.schedule_report == {}


def test_window_cannot_change_after_outcomes(past_event, park_org, supplier_org, liaison):
    InvitationFactory(event=past_event, organization=supplier_org, status=Invitation.Status.ACCEPTED)
    meeting = meeting_for(MeetingRequestFactory(event=past_event, requester_org=park_org, target_org=supplier_org))
    MeetingOutcome.objects.create(meeting=meeting, organization=park_org, rating=4, intent="无意向")
    with pytest.raises(ValidationError, match="不能再修改"):
        services.event_update(event=past_event, actor=liaison, data={"table_count": 9})
    past_event.refresh_from_db()
    assert past_event.table_count == 4 and Meeting.objects.filter(pk=meeting.pk).exists()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_schedule_run_on_random_events_keeps_every_rule(seed, event, park_org, liaison):
    import random

    rng = random.Random(seed)
    event.table_count = rng.randint(1, 3)
    event.save()
    demand_side = [park_org] + [factories.OrganizationFactory() for _ in range(2)]
    for org in demand_side[1:]:
        event.demand_lists.add(factories.DemandListFactory(organization=org))
    suppliers = _participants(event, 6, liaison)
    windows = {}
    for org in demand_side + suppliers:
        if rng.random() < 0.4:
            start = rng.choice([datetime.time(14, 0), datetime.time(14, 20), datetime.time(15, 0)])
            end = rng.choice([datetime.time(15, 0), datetime.time(15, 40), datetime.time(16, 0)])
            if end > start:
                windows[org.pk] = Availability.objects.create(
                    event=event, organization=org, available_from=start, available_to=end
                )
    phone_owner = {}
    for org in suppliers:
        phone = rng.choice(["13900000001", "13900000002", f"1380000{org.pk:04d}"])
        Attendee.objects.create(event=event, organization=org, name=f"代表{org.pk}", phone=phone)
        phone_owner.setdefault(phone, set()).add(org.pk)
    statuses = [MeetingRequest.Status.ACCEPTED] * 4 + [MeetingRequest.Status.PENDING, MeetingRequest.Status.DECLINED]
    for d in demand_side:
        for s in rng.sample(suppliers, 4):
            MeetingRequestFactory(
                event=event, requester_org=d, target_org=s, score=rng.uniform(20, 100), status=rng.choice(statuses)
            )

    summary = services.schedule_run(event=event, actor=liaison)

    meetings = list(Meeting.objects.filter(event=event).select_related("pair"))
    assert summary["scheduled"] == len(meetings) >= summary["greedy_scheduled"]
    by_slot = {}
    for m in meetings:
        assert m.pair.status == MeetingRequest.Status.ACCEPTED
        assert 1 <= m.table_no <= event.table_count
        start, end = timezone.localtime(m.starts_at).time(), timezone.localtime(m.ends_at).time()
        for org_id in m.pair.org_ids:
            if org_id in windows:
                assert windows[org_id].available_from <= start and end <= windows[org_id].available_to
        by_slot.setdefault(m.starts_at, []).append(m)
    for slot_meetings in by_slot.values():
        assert len(slot_meetings) <= event.table_count
        assert len({m.table_no for m in slot_meetings}) == len(slot_meetings)
        orgs = [o for m in slot_meetings for o in m.pair.org_ids]
        assert len(orgs) == len(set(orgs)), "an organisation is in two meetings at once"
        for owners in phone_owner.values():
            assert sum(1 for m in slot_meetings if m.pair.org_ids & owners) <= 1, "a person is in two meetings at once"


def test_a_person_attending_for_two_orgs_is_never_double_booked(event, park_org, liaison):
    # One slot, two tables: without the person rule both meetings would share the slot.
    event.meeting_end = datetime.time(14, 20)
    event.table_count = 2
    event.save()
    s0, s1 = _participants(event, 2, liaison)
    other_park = factories.OrganizationFactory()
    event.demand_lists.add(factories.DemandListFactory(organization=other_park))
    MeetingRequestFactory(event=event, requester_org=park_org, target_org=s0, score=90)
    MeetingRequestFactory(event=event, requester_org=other_park, target_org=s1, score=80)
    Attendee.objects.create(event=event, organization=s0, name="陈教授", phone="+86 139 0000 2222")
    Attendee.objects.create(event=event, organization=s1, name="陈教授", phone="13900002222")
    summary = services.schedule_run(event=event, actor=liaison)
    assert summary["scheduled"] == 1
    assert Meeting.objects.get().pair.target_org == s0  # the higher-score pair keeps the slot
