"""`manage.py export_catalog demands|supplies PATH`: everything (with contacts) to .xlsx in the import layout."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.exporting import export_xlsx
from catalog.models import Demand, Supply
from catalog.selectors import DEMAND_RELATED, SUPPLY_RELATED


class Command(BaseCommand):
    help = "把全部需求或供给导出为 .xlsx（表头与导入模板相同，可直接再导入）。"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["demands", "supplies"], help="demands（需求）或 supplies（供给）")
        parser.add_argument("path", help="输出文件路径（.xlsx）")

    def handle(self, *args, kind, path, **options):
        target = Path(path)
        if target.suffix.lower() != ".xlsx":
            raise CommandError("输出文件必须以 .xlsx 结尾。")
        if kind == "demands":
            items = Demand.objects.select_related(*DEMAND_RELATED).order_by(
                "organization__name", "demand_list__name", "id"
            )
        else:
            items = Supply.objects.select_related(*SUPPLY_RELATED).order_by("organization__name", "menu__name", "id")
        count = items.count()
        target.write_bytes(export_xlsx(kind, items.iterator(chunk_size=2000), contacts_allowed=lambda obj: True))
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 条到 {target}"))
