"""Sending notifications: in-site rows now, e-mail by a Celery task queued on commit."""
from django.db import IntegrityError, transaction

from notifications.models import Notification
from portal.outbox import enqueue


def notify(*, recipients, kind, title, body="", url="", dedup_key=""):
    """Create one notification per recipient (skipping duplicates of `dedup_key`) and queue e-mail."""
    created = []
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    recipient=user, kind=kind, title=title[:200], body=body, url=url, dedup_key=dedup_key[:200]
                )
        except IntegrityError:
            continue  # already sent for this event
        created.append(note)
        enqueue("notifications.tasks.email_notification", note.pk)
    return created


def notify_organization(*, organization, kind, title, body="", url="", dedup_key=""):
    """Notify every active member of an organisation."""
    from accounts.models import Membership

    users = [m.user for m in Membership.objects.select_related("user").filter(
        organization=organization, status=Membership.Status.ACTIVE)]
    return notify(recipients=users, kind=kind, title=title, body=body, url=url, dedup_key=dedup_key)
