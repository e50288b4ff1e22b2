"""Beat tasks with time frozen: overdue reminders, stale flags, weekly digests — all idempotent."""

import datetime
import zoneinfo

import pytest
import time_machine

from audit.models import AuditEntry
from followups import tasks
from followups.models import Case
from followups.services import case_log_activity, case_open
from notifications.models import Notification

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY0 = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=TZ)


@pytest.fixture
def case(demand, supplier_org, liaison):
    with time_machine.travel(DAY0, tick=False):
        case, _ = case_open(demand=demand, supply_org=supplier_org, origin=Case.Origin.MATCH)
    return case


def _followups(user):
    return Notification.objects.filter(recipient=user, kind=Notification.Kind.FOLLOWUP)


def test_no_reminder_before_due(case, liaison):
    with time_machine.travel(DAY0 + datetime.timedelta(days=7), tick=False):  # due today, not overdue
        assert tasks.send_overdue_reminders.apply().get() == 0
    assert not _followups(liaison).exists()


def test_overdue_reminder_once_per_day(case, liaison):
    with time_machine.travel(DAY0 + datetime.timedelta(days=9), tick=False):
        assert tasks.send_overdue_reminders.apply().get() == 1
        assert tasks.send_overdue_reminders.apply().get() == 0  # beat or outbox redelivery: no duplicate
    note = _followups(liaison).get()
    assert note.title.startswith("跟进逾期 2 天")
    assert note.url == f"/cases/{case.pk}/"
    with time_machine.travel(DAY0 + datetime.timedelta(days=10), tick=False):
        assert tasks.send_overdue_reminders.apply().get() == 1  # next day: a new reminder
    assert _followups(liaison).count() == 2


def test_closed_cases_get_no_reminders(case, liaison):
    Case.objects.filter(pk=case.pk).update(stage=Case.Stage.TERMINATED, termination_reason="x")
    with time_machine.travel(DAY0 + datetime.timedelta(days=20), tick=False):
        assert tasks.send_overdue_reminders.apply().get() == 0


def test_stale_flag_at_30_days(case, liaison):
    with time_machine.travel(DAY0 + datetime.timedelta(days=29, hours=23), tick=False):
        assert tasks.flag_stale_cases.apply().get() == 0
    case.refresh_from_db()
    assert not case.is_stale
    with time_machine.travel(DAY0 + datetime.timedelta(days=30), tick=False):
        assert tasks.flag_stale_cases.apply().get() == 1
        assert tasks.flag_stale_cases.apply().get() == 0
    case.refresh_from_db()
    assert case.is_stale
    assert _followups(liaison).filter(title__contains="30 天无进展").count() == 1
    assert AuditEntry.objects.filter(object_id=str(case.pk), changes__is_stale__after=True).count() == 1


def test_activity_resets_stale_clock(case, owner, liaison):
    with time_machine.travel(DAY0 + datetime.timedelta(days=20), tick=False):
        case_log_activity(case=case, actor=owner, kind="note", text="园区已提供场地图纸")
    with time_machine.travel(DAY0 + datetime.timedelta(days=31), tick=False):
        assert tasks.flag_stale_cases.apply().get() == 0
    with time_machine.travel(DAY0 + datetime.timedelta(days=50), tick=False):
        assert tasks.flag_stale_cases.apply().get() == 1


def test_weekly_digest_once_per_week_per_officer(case, liaison, platform_admin):
    with time_machine.travel(DAY0 + datetime.timedelta(days=14), tick=False):  # a Monday, case overdue
        assert tasks.send_weekly_digests.apply().get() == 1
        assert tasks.send_weekly_digests.apply().get() == 0
    digest = _followups(liaison).get()
    assert "进行中项目 1 个，其中逾期 1 个" in digest.body
    assert case.demand.title in digest.body
    assert not _followups(platform_admin).exists()  # owns no case
    with time_machine.travel(DAY0 + datetime.timedelta(days=21), tick=False):
        assert tasks.send_weekly_digests.apply().get() == 1


def test_beat_schedule_names_exist():
    from django.conf import settings

    from portal.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        if entry["task"].startswith("followups."):
            assert entry["task"] in app.tasks
