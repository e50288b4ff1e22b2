"""Rebuild the jieba search tokens of every demand and supply (after a dictionary change)."""

from django.core.management.base import BaseCommand

from catalog import search
from catalog.models import Demand, Supply


class Command(BaseCommand):
    help = "重建需求与供给的中文分词索引（search_tokens）"

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size=500, **options):
        for model, label in ((Demand, "需求"), (Supply, "供给")):
            changed = total = 0
            batch = []
            for obj in model.objects.only("pk", "title", "description", "search_tokens").iterator(
                chunk_size=batch_size
            ):
                total += 1
                before = obj.search_tokens
                if search.index_object(obj) != before:
                    batch.append(obj)
                if len(batch) >= batch_size:
                    model.objects.bulk_update(batch, ["search_tokens"])
                    changed += len(batch)
                    batch = []
            if batch:
                model.objects.bulk_update(batch, ["search_tokens"])
                changed += len(batch)
            self.stdout.write(f"{label}：共 {total} 条，更新 {changed} 条")
