"""Bidding background work: close demands at their deadline, flag bids after material changes."""

from celery import shared_task

from bidding import services


@shared_task
def close_due_demands():
    """Beat (every 5 minutes): demands past their 截止日期 leave 征集中; owners are told bids are open."""
    return services.demands_close_due()


@shared_task
def flag_material_change(demand_id):
    """Queued by catalog.services.demand_update: bids on old terms become 待确认."""
    from catalog.models import Demand

    if not Demand.objects.filter(pk=demand_id).exists():
        return 0
    return services.bids_flag_material_change(demand_id=demand_id)
