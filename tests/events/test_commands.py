"""manage.py demo_event builds a whole event through the services, once."""

import pytest
from django.core.management import call_command

from events.models import Event, Invitation, Meeting, MeetingRequest
from tests.events.factories import make_match

pytestmark = pytest.mark.django_db


def test_demo_event_invites_pairs_and_schedules(liaison, demand, supply, supplier_user, capsys):
    make_match(demand, supply, 88)
    call_command("demo_event")
    event = Event.objects.get()
    assert event.agenda_items.count() == 4 and list(event.demand_lists.all()) == [demand.demand_list]
    assert Invitation.objects.get().status == Invitation.Status.ACCEPTED
    pair = MeetingRequest.objects.get()
    assert (pair.demand, pair.supply, pair.source) == (demand, supply, MeetingRequest.Source.STAFF)
    assert Meeting.objects.get().pair == pair
    assert "排定 1 场（OPTIMAL）" in capsys.readouterr().out
    call_command("demo_event")
    assert Event.objects.count() == 1 and "已存在" in capsys.readouterr().out
