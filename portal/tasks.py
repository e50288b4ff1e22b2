"""Site-level periodic tasks."""

from celery import shared_task

from portal.outbox import redeliver_pending


@shared_task
def redeliver_outbox():
    return redeliver_pending()
