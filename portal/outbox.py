"""Queue Celery tasks through the transactional outbox.

`enqueue("matching.tasks.refresh_demand", demand.id)` inside a service writes an
OutboxMessage in the caller's transaction and tries to publish it after commit. If the broker
is unreachable the row stays pending and `portal.tasks.redeliver_outbox` (beat) publishes it
later. Tasks must therefore be idempotent: a message may be delivered twice.
"""

import logging
from datetime import timedelta

from celery import current_app
from django.db import transaction
from django.utils import timezone

from portal.models import OutboxMessage

logger = logging.getLogger(__name__)


def enqueue(task_name, *args, **kwargs):
    """Record a task in the current transaction and publish it once the transaction commits."""
    message = OutboxMessage.objects.create(task_name=task_name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: deliver(message.pk))
    return message


def _registered_task(name):
    # Celery autodiscovers the apps' tasks modules lazily (when a worker starts); in the web
    # process they may not be imported yet, so import them on first need.
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def deliver(message_id):
    """Publish one pending message; leave it pending (with the error) when the broker is down."""
    message = OutboxMessage.objects.filter(pk=message_id, status=OutboxMessage.Status.PENDING).first()
    if message is None:
        return False
    try:
        task = _registered_task(message.task_name)
        task.apply_async(args=message.args, kwargs=message.kwargs)
    except Exception as exc:  # broker down, DNS, timeouts: all are "try later"
        logger.warning("outbox: could not publish %s (%s); will retry", message.task_name, exc)
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=message.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.SENT, sent_at=timezone.now(), attempts=message.attempts + 1, last_error=""
    )
    return True


def redeliver_pending(older_than_seconds=20, limit=500):
    """Publish messages still pending after `older_than_seconds`; returns how many went out."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if deliver(pk))
