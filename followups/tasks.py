"""Beat tasks of the follow-up pipeline: overdue reminders, stale flags, weekly digests.

Each is idempotent: notifications carry a dedup_key (case + day, officer + ISO week), and the
stale flag is only set once per quiet period, so a task delivered twice sends nothing twice.
"""

import datetime

from celery import shared_task
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from followups.models import Case
from notifications.models import Notification
from notifications.services import notify

STALE_AFTER_DAYS = 30


def _open_cases():
    return Case.objects.exclude(stage__in=Case.CLOSED_STAGES)


@shared_task
def send_overdue_reminders():
    """Remind each case owner of open cases whose next action date has passed (once a day)."""
    today = timezone.localdate()
    sent = 0
    cases = _open_cases().filter(next_action_at__lt=today, owner__isnull=False).select_related("owner", "demand")
    for case in cases.iterator(chunk_size=500):
        days = (today - case.next_action_at).days
        sent += len(
            notify(
                recipients=[case.owner],
                kind=Notification.Kind.FOLLOWUP,
                title=f"跟进逾期 {days} 天：{case.demand.title}",
                body=f"下一步「{case.next_action}」原定 {case.next_action_at:%Y-%m-%d} 完成。请跟进并更新下一步。",
                url=reverse("followups:case_detail", args=[case.pk]),
                dedup_key=f"case-overdue:{case.pk}:{today:%Y-%m-%d}",
            )
        )
    return sent


@shared_task
def flag_stale_cases():
    """Flag open cases without activity for 30 days and tell their owner (once per quiet period)."""
    cutoff = timezone.now() - datetime.timedelta(days=STALE_AFTER_DAYS)
    flagged = 0
    ids = list(_open_cases().filter(is_stale=False, last_activity_at__lte=cutoff).values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(of=("self",))
                .select_related("owner", "demand")
                .filter(pk=pk, is_stale=False, last_activity_at__lte=cutoff)
                .first()
            )
            if case is None:  # activity logged meanwhile, or flagged by a parallel run
                continue
            case.is_stale = True
            case.save(update_fields=["is_stale", "updated_at"])
            audit_record(actor=None, obj=case, action="update", changes={"is_stale": {"before": False, "after": True}})
            flagged += 1
            if case.owner is not None:
                notify(
                    recipients=[case.owner],
                    kind=Notification.Kind.FOLLOWUP,
                    title=f"对接项目已 {STALE_AFTER_DAYS} 天无进展：{case.demand.title}",
                    body=f"最近一次活动在 {timezone.localtime(case.last_activity_at):%Y-%m-%d}。",
                    url=reverse("followups:case_detail", args=[case.pk]),
                    dedup_key=f"case-stale:{case.pk}:{timezone.localtime(case.last_activity_at):%Y-%m-%d}",
                )
    return flagged


@shared_task
def send_weekly_digests():
    """One summary per liaison officer owning open cases: open, overdue, stale, moved this week."""
    today = timezone.localdate()
    year, week, _ = today.isocalendar()
    week_ago = timezone.now() - datetime.timedelta(days=7)
    officers = User.objects.filter(
        is_active=True,
        platform_role__in=[User.PlatformRole.LIAISON, User.PlatformRole.ADMIN],
        owned_cases__isnull=False,
    ).distinct()
    sent = 0
    for officer in officers:
        cases = list(officer.owned_cases.select_related("demand").order_by("next_action_at", "pk"))
        open_cases = [c for c in cases if c.is_open]
        overdue = [c for c in open_cases if c.is_overdue]
        stale = [c for c in open_cases if c.is_stale]
        moved = [c for c in cases if c.updated_at >= week_ago]
        signed = [c for c in cases if c.signed_on and c.signed_on >= today - datetime.timedelta(days=7)]
        if not open_cases and not moved:
            continue
        lines = [
            f"进行中项目 {len(open_cases)} 个，其中逾期 {len(overdue)} 个、超过 {STALE_AFTER_DAYS} 天无进展 {len(stale)} 个；",
            f"本周有更新 {len(moved)} 个，新签约 {len(signed)} 个。",
        ]
        if overdue:
            lines.append("逾期项目：")
            lines += [f"· {c.demand.title}（{c.next_action}，原定 {c.next_action_at:%m-%d}）" for c in overdue[:20]]
        sent += len(
            notify(
                recipients=[officer],
                kind=Notification.Kind.FOLLOWUP,
                title=f"对接项目周报（{year}年第{week}周）",
                body="\n".join(lines),
                url=reverse("followups:case_list") + "?owner=" + str(officer.pk),
                dedup_key=f"case-weekly:{year}-W{week:02d}",
            )
        )
    return sent
