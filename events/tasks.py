"""Celery tasks of the events app (thin: call the service; safe to run twice)."""

from celery import shared_task
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def send_event_reminders():
    """Beat (daily): agenda reminders for tomorrow's events, outcome reminders for yesterday's."""
    from events.services import event_reminders_send

    return event_reminders_send()
