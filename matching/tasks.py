"""Celery tasks of the matching app: ids in, idempotent, retried with backoff on transient errors.

A row deleted while its task waited in the queue is simply dropped from the lists (no error).
"""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from matching import services

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(name="matching.tasks.refresh_demand", **RETRY)
def refresh_demand(demand_id):
    result = services.match_demand_refresh(demand_id=int(demand_id))
    # Subscribers whose supplies now score above their threshold hear about the demand (once).
    from notifications.services import subscriptions_notify_for_demand

    subscriptions_notify_for_demand(int(demand_id))
    return result


@shared_task(name="matching.tasks.refresh_supply", **RETRY)
def refresh_supply(supply_id):
    return services.match_supply_refresh(supply_id=int(supply_id))


@shared_task(name="matching.tasks.refresh_items", **RETRY)
def refresh_items(demand_ids=(), supply_ids=()):
    return services.match_items_refresh(
        demand_ids=[int(i) for i in demand_ids or ()], supply_ids=[int(i) for i in supply_ids or ()]
    )


@shared_task(name="matching.tasks.rematch_all", **RETRY)
def rematch_all():
    result = services.match_rematch_all()
    logger.info("rematch_all: %s", result)
    return result
