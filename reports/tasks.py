"""Worker tasks of the reports app."""

from celery import shared_task

from catalog.models import Supply
from reports.models import AchievementItem, InvestorItem, TalentItem
from reports.seeding import records_from_supplies


@shared_task(name="reports.tasks.supply_records_create", acks_late=True)
def supply_records_create(supply_ids):
    """Give new 人才团队/技术成果/资本 supplies their directory record. Idempotent (skips existing ones)."""
    return records_from_supplies(Supply, TalentItem, AchievementItem, InvestorItem, supply_ids=list(supply_ids))
