"""Keeps the directories in step with the catalog: a new 人才团队/技术成果/资本 supply gets its
record (connected in ReportsConfig.ready; catalog never imports reports)."""

from reports.models import AchievementItem, InvestorItem, TalentItem
from reports.seeding import LINKED_SUPPLY_TYPES, records_from_supplies


def supply_saved(sender, instance, created, raw=False, **kwargs):
    if raw or not created or instance.supply_type not in LINKED_SUPPLY_TYPES:
        return
    records_from_supplies(sender, TalentItem, AchievementItem, InvestorItem, supply_ids=[instance.pk])
