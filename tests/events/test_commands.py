"""manage.py demo_event builds a whole event through the services, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from events.management.commands.demo_event import DEMO_NAME
from events.models import Event, Invitation, Meeting, MeetingRequest
from events.selectors import can_manage_event
from tests import factories
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
    out = capsys.readouterr().out
    assert "已排 1 场洽谈，均无时间冲突" in out and "OPTIMAL" not in out
    call_command("demo_event")
    assert Event.objects.count() == 1 and "已存在" in capsys.readouterr().out


def test_demo_liaisons_manage_the_demo_event(settings):
    """On the demo data the 对接会 is run by both demo liaisons (its lists span their cities), and a
    liaison whose cities have no list in it only reads it."""
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    call_command("demo_event")
    event = Event.objects.get(name=DEMO_NAME)  # load_demo also leaves a finished 对接会
    jining, coast = User.objects.get(username="liaison_jining"), User.objects.get(username="liaison_coast")
    cities = {dl.organization.region.city.name for dl in event.demand_lists.select_related("organization__region")}
    assert event.created_by == jining
    assert can_manage_event(jining, event)
    assert cities & {"青岛市", "烟台市", "潍坊市"} and can_manage_event(coast, event), cities
    assert can_manage_event(User.objects.get(username="admin"), event)
    outsider = factories.LiaisonFactory(username="liaison_linyi")
    outsider.responsible_regions.add(factories.region("山东省临沂市"))
    assert not can_manage_event(outsider, event)
