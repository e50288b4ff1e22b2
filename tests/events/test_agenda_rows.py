"""The agenda formset as a browser submits it: an untouched extra row still carries the first
<select> option, and editing an event resubmits the existing rows unchanged."""

import datetime

import pytest
from django.urls import reverse

from events import services
from events.models import Event

pytestmark = pytest.mark.django_db

EVENT_FIELDS = {
    "description": "",
    "date": "2027-06-18",
    "online_url": "",
    "status": "published",
    "slot_minutes": "20",
    "table_count": "10",
    "meeting_start": "14:00",
    "meeting_end": "17:00",
}


def agenda(rows, *, initial=0):
    data = {
        "agenda-TOTAL_FORMS": str(len(rows)),
        "agenda-INITIAL_FORMS": str(initial),
        "agenda-MIN_NUM_FORMS": "0",
        "agenda-MAX_NUM_FORMS": "1000",
    }
    for i, (kind, title, start, end) in enumerate(rows):
        data.update(
            {
                f"agenda-{i}-kind": kind,
                f"agenda-{i}-title": title,
                f"agenda-{i}-starts_at": start,
                f"agenda-{i}-ends_at": end,
                f"agenda-{i}-speaker": "",
            }
        )
    return data


UNTOUCHED = ("项目推介", "", "", "")  # what Chromium posts for a blank extra row


def test_blank_extra_rows_from_a_browser_are_skipped(client, liaison):
    client.force_login(liaison)
    data = {
        "name": "京鲁机器人专场对接会",
        "venue": "山东大厦",
        **EVENT_FIELDS,
        **agenda([("需求发布", "济宁高新区需求发布", "09:30", "10:00"), UNTOUCHED]),
    }
    response = client.post(reverse("events:event_create"), data)
    event = Event.objects.get(name="京鲁机器人专场对接会")
    assert response.status_code == 302
    assert list(event.agenda_items.values_list("kind", "title")) == [("需求发布", "济宁高新区需求发布")]


def test_editing_an_event_keeps_its_unchanged_agenda(client, liaison):
    event = services.event_create(
        actor=liaison,
        data={
            "name": "京鲁数字文旅对接会",
            "date": datetime.date(2027, 6, 18),
            "venue": "山东大厦",
            "meeting_start": datetime.time(14),
            "meeting_end": datetime.time(17),
        },
        agenda=[
            {
                "kind": "路演对接",
                "title": "北京企业项目路演",
                "starts_at": datetime.time(9, 30),
                "ends_at": datetime.time(11),
                "speaker": "",
            }
        ],
    )
    client.force_login(liaison)
    data = {
        "name": "京鲁数字文旅对接会",
        "venue": "山东大厦二层宴会厅",
        **EVENT_FIELDS,
        **agenda([("路演对接", "北京企业项目路演", "09:30", "11:00"), UNTOUCHED, UNTOUCHED], initial=1),
    }
    response = client.post(reverse("events:event_update", args=[event.pk]), data)
    event.refresh_from_db()
    assert response.status_code == 302 and event.venue == "山东大厦二层宴会厅"
    assert list(event.agenda_items.values_list("title", flat=True)) == ["北京企业项目路演"]
