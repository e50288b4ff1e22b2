"""The event form (issue #12): a new event starts as 筹备中, multi-selects are explained and enhanced."""

import re

import pytest
from django.urls import reverse

from events.forms import EventForm
from events.models import Event
from tests import factories

pytestmark = pytest.mark.django_db


def _selected_status(page):
    select = re.search(r'<select name="status".*?</select>', page, re.S).group(0)
    return re.search(r'<option value="(\w+)"[^>]*selected', select).group(1)


def test_new_event_defaults_to_draft(client, liaison):
    client.force_login(liaison)
    page = client.get(reverse("events:event_create")).content.decode()
    assert _selected_status(page) == Event.Status.DRAFT
    assert "默认为“筹备中”" in page
    assert EventForm().initial.get("status", EventForm().fields["status"].initial) == Event.Status.DRAFT


def test_editing_keeps_the_events_own_status(client, liaison, event):
    event.status = Event.Status.PUBLISHED
    event.save()
    client.force_login(liaison)
    page = client.get(reverse("events:event_update", args=[event.pk])).content.decode()
    assert _selected_status(page) == Event.Status.PUBLISHED


def test_saving_the_default_creates_a_draft_hidden_from_the_public(client, liaison):
    client.force_login(liaison)
    data = {
        "name": "京鲁人形机器人专场对接会",
        "date": "2027-06-18",
        "venue": "山东大厦",
        "status": EventForm().fields["status"].initial,
        "slot_minutes": "15",
        "table_count": "8",
        "meeting_start": "14:00",
        "meeting_end": "17:00",
        "agenda-TOTAL_FORMS": "0",
        "agenda-INITIAL_FORMS": "0",
        "agenda-MIN_NUM_FORMS": "0",
        "agenda-MAX_NUM_FORMS": "1000",
    }
    assert client.post(reverse("events:event_create"), data).status_code == 302
    event = Event.objects.get()
    assert event.status == Event.Status.DRAFT and event.get_status_display() == "筹备中"
    client.logout()
    assert client.get(reverse("events:event_detail", args=[event.pk])).status_code == 404


def test_multiselects_are_explained_and_enhanced_without_inline_script(client, liaison, demand):
    factories.chain("机器人")
    client.force_login(liaison)
    page = client.get(reverse("events:event_create")).content.decode()
    for name in ("chains", "demand_lists"):
        tag = re.search(rf'<select name="{name}"[^>]*>', page).group(0)
        assert "multiple" in tag and "data-multiselect" in tag and "data-placeholder=" in tag
    assert "本场对接会关注的产业链，可多选" in page
    assert "会前向哪些已发布的需求清单征集对接，可多选" in page
    assert "vendor/tom-select/tom-select.complete" in page and "js/multiselect" in page
    assert "vendor/tom-select/tom-select.bootstrap5" in page
    # CSP: no inline script or style on the page.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert " style=" not in page
    assert '<label class="form-label required" for="id_name">' in page
