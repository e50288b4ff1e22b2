"""Notification delivery tasks (thin: look the row up, call the service)."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from notifications.models import Notification, NotificationPreference


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_notification(self, notification_id):
    note = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if note is None or note.emailed_at is not None or not note.recipient.email:
        return False  # deleted, already sent (idempotent), or nowhere to send
    pref = NotificationPreference.objects.filter(user=note.recipient).first()
    if pref is not None and (not pref.email_enabled or note.kind in pref.muted_email_kinds):
        return False
    # Subscription alerts reach digest readers once a day in the digest, not one e-mail each.
    if note.kind == Notification.Kind.SUBSCRIPTION and (pref is None or pref.daily_digest):
        return False
    body = note.body
    if note.url:
        body = f"{body}\n\n查看详情：{settings.SITE_URL.rstrip('/')}{note.url}"
    send_mail(f"[京鲁供需对接平台] {note.title}", body, None, [note.recipient.email])
    Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    return True


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def subscriptions_notify_for_demand(demand_id):
    """Queued when a demand is created/published and after matching scored it."""
    from notifications.services import subscriptions_notify_for_demand as notify_for_demand

    return notify_for_demand(demand_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def send_daily_digests():
    """Beat (08:00): one digest e-mail per subscribed user; idempotent per user and day."""
    from notifications.services import digests_send

    return digests_send()
