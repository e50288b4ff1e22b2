"""Indexes for the list pages at 100k rows: newest-first order, and (PostgreSQL only) trigram
GIN indexes so the word search's `search_tokens LIKE '% 词 %'` stops scanning every row.
SQLite keeps its scan: the trigram operator class does not exist there."""

from django.conf import settings
from django.db import migrations, models


TRIGRAM_TABLES = ("catalog_demand", "catalog_supply")


def add_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in TRIGRAM_TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_search_trgm ON {table} USING gin (search_tokens gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TRIGRAM_TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_organization_rejection"),
        ("catalog", "0003_search_tokens_importjob"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="demand",
            index=models.Index(fields=["-created_at", "-id"], name="demand_recent_idx"),
        ),
        migrations.AddIndex(
            model_name="supply",
            index=models.Index(fields=["-created_at", "-id"], name="supply_recent_idx"),
        ),
        migrations.RunPython(add_trigram_indexes, drop_trigram_indexes),
    ]
