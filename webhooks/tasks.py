"""Webhook tasks: fan an event out to endpoints, and deliver one message with retries and backoff."""

from celery import shared_task
from django.conf import settings

from webhooks import services
from webhooks.models import WebhookDelivery


def backoff_seconds(retries):
    """30 s, 1 min, 2 min, … capped at one hour."""
    return min(30 * 2**retries, 3600)


@shared_task
def emit(event, organization_id, payload):
    """Queued by other apps through the outbox: enqueue("webhooks.tasks.emit", event, org_id, payload)."""
    return [d.pk for d in services.webhook_emit(event=event, organization_id=organization_id, payload=payload)]


@shared_task(bind=True, max_retries=None)
def deliver(self, delivery_id):
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status in {WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.FAILED}:
        return False  # deleted, or a duplicate message for a finished delivery (outbox: at least once)
    if services.delivery_attempt(delivery):
        return True
    if delivery.attempts >= settings.WEBHOOKS_MAX_ATTEMPTS:
        services.delivery_set_status(delivery, WebhookDelivery.Status.FAILED)
        return False
    services.delivery_set_status(delivery, WebhookDelivery.Status.RETRYING)
    raise self.retry(countdown=backoff_seconds(self.request.retries))
