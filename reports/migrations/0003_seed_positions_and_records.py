"""Seed the 上中下游 position of every 环节 and turn existing 人才团队/技术成果/资本 supplies into
directory records (the supplies stay; each record links back to its supply)."""

from django.db import migrations

from reports.seeding import records_from_supplies, seed_positions


def forward(apps, schema_editor):
    seed_positions(apps.get_model("catalog", "IndustryChain"), apps.get_model("reports", "SegmentPosition"))
    records_from_supplies(
        apps.get_model("catalog", "Supply"),
        apps.get_model("reports", "TalentItem"),
        apps.get_model("reports", "AchievementItem"),
        apps.get_model("reports", "InvestorItem"),
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_resource_directories"), ("catalog", "0004_list_order_and_search_indexes")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
