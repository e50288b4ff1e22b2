"""Beat reminders: tomorrow's agenda, yesterday's missing outcomes; idempotent."""

import datetime

import pytest
from django.utils import timezone

from events.models import Invitation, MeetingOutcome
from events.tasks import send_event_reminders
from notifications.models import Notification
from tests.events.factories import EventFactory, InvitationFactory, MeetingRequestFactory, meeting_for

pytestmark = pytest.mark.django_db


def _event_with_meeting(days, demand, park_org, supplier_org):
    event = EventFactory(demand_lists=[demand.demand_list], date=timezone.localdate() + datetime.timedelta(days=days))
    InvitationFactory(event=event, organization=supplier_org, status=Invitation.Status.ACCEPTED)
    return meeting_for(MeetingRequestFactory(event=event, requester_org=park_org, target_org=supplier_org))


def test_agenda_reminder_for_tomorrows_event_once(demand, park_org, supplier_org, owner, supplier_user, other_member):
    meeting = _event_with_meeting(1, demand, park_org, supplier_org)
    _event_with_meeting(3, demand, park_org, supplier_org)  # not tomorrow: no reminder
    assert send_event_reminders.apply().get() == {"agenda": 2, "outcome": 0}
    assert send_event_reminders.apply().get() == {"agenda": 0, "outcome": 0}  # safe to run twice
    for user in (owner, supplier_user):
        note = Notification.objects.get(recipient=user)
        assert note.title.startswith("明日对接会") and "1 场一对一洽谈" in note.title
        assert f"/events/{meeting.event_id}/agenda/" in note.url
    assert not Notification.objects.filter(recipient=other_member).exists()


def test_outcome_reminder_only_for_sides_that_have_not_recorded(demand, park_org, supplier_org, owner, supplier_user):
    meeting = _event_with_meeting(-1, demand, park_org, supplier_org)
    MeetingOutcome.objects.create(meeting=meeting, organization=park_org, rating=4, intent="无意向")
    assert send_event_reminders.apply().get() == {"agenda": 0, "outcome": 1}
    assert Notification.objects.get(recipient=supplier_user).title.startswith("请填写洽谈结果")
    assert not Notification.objects.filter(recipient=owner).exists()
