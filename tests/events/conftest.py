"""Fixtures for 对接会 tests: an event whose demand side is park_org and an invited supplier_org."""

import datetime

import pytest
from django.utils import timezone

from events.models import Invitation
from tests.events.factories import EventFactory, InvitationFactory


@pytest.fixture
def event(demand, liaison):
    return EventFactory(demand_lists=[demand.demand_list], created_by=liaison)


@pytest.fixture
def past_event(demand, liaison):
    """An event held yesterday: meetings have taken place, outcomes can be recorded."""
    return EventFactory(
        demand_lists=[demand.demand_list], created_by=liaison, date=timezone.localdate() - datetime.timedelta(days=1)
    )


@pytest.fixture
def invitation(event, supplier_org, liaison):
    return InvitationFactory(event=event, organization=supplier_org, invited_by=liaison)


@pytest.fixture
def accepted(event, supplier_org, liaison):
    return InvitationFactory(
        event=event, organization=supplier_org, invited_by=liaison, status=Invitation.Status.ACCEPTED
    )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The personas' passwords are hashed at creation; PBKDF2 would dominate these tests' run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
