"""`manage.py export_matches OUT.csv --top K`: each demand's best K supplies as UTF-8 CSV."""
import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matching.engine import summary_text
from matching.selectors import export_rows

HEADER = ["需求名称", "供给名称", "得分", "排名", "匹配理由", "需求清单", "供给单位"]


class Command(BaseCommand):
    help = "导出匹配结果：每个需求前 K 个供给（UTF-8 CSV，表头 需求名称,供给名称,得分,排名,匹配理由…）。"

    def add_arguments(self, parser):
        parser.add_argument("out", help="输出 CSV 文件路径")
        parser.add_argument("--top", type=int, default=10, help="每个需求导出的条数（默认 10）")

    def handle(self, *args, out, top, **options):
        if top < 1:
            raise CommandError("--top 必须是正整数。")
        path = Path(out)
        if path.parent and not path.parent.exists():
            raise CommandError(f"输出目录不存在：{path.parent}")
        count, demands = 0, set()
        tmp = path.with_name(path.name + ".part")
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            for match in export_rows(top):
                writer.writerow([match.demand.title, match.supply.title, f"{match.score:.2f}", match.rank,
                                 summary_text(match.explanation), match.demand.demand_list.name, match.supply.organization.name])
                count += 1
                demands.add(match.demand_id)
        tmp.replace(path)  # a reader never sees a half-written file
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 行（{len(demands)} 个需求，每个最多 {top} 条）到 {path}"))
        if not count:
            self.stdout.write(self.style.WARNING("没有匹配结果：请先运行 python manage.py rematch。"))
