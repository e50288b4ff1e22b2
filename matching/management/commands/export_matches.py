"""`manage.py export_matches OUT.csv --top K`: each demand's best K supplies as UTF-8 CSV."""

import csv
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Demand, IndustryChain, Supply
from matching import reasons
from matching.selectors import export_rows
from matching.services import match_lists_compute

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
            # 产业链 with their parents once, not per row (the reasons name the top-level chain).
            chains = IndustryChain.objects.select_related("parent").in_bulk()
            for demand, supply, score, rank, components, explanation in self._rows(top):
                demand.chain, supply.chain = chains.get(demand.chain_id), chains.get(supply.chain_id)
                why = reasons.build(demand, supply, score=score, components=components, explanation=explanation)
                writer.writerow(
                    [
                        demand.title,
                        supply.title,
                        f"{score:.2f}",
                        rank,
                        why.line(),  # the same plain words as the pages
                        demand.demand_list.name,
                        supply.organization.name,
                    ]
                )
                count += 1
                demands.add(demand.pk)
        tmp.replace(path)  # a reader never sees a half-written file
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 行（{len(demands)} 个需求，每个最多 {top} 条）到 {path}"))
        if not count:
            self.stdout.write(self.style.WARNING("没有匹配结果：请先运行 python manage.py rematch。"))

    def _rows(self, top):
        if top <= settings.MATCHING_TOP_K:
            for m in export_rows(top):
                yield m.demand, m.supply, m.score, m.rank, m.components, m.explanation
            return
        # Longer than the stored lists: compute with the same engine, without storing.
        self.stderr.write(f"--top {top} 超过已存储的列表长度 MATCHING_TOP_K={settings.MATCHING_TOP_K}，现场计算……")
        demands = Demand.objects.select_related("demand_list").in_bulk()
        supplies = Supply.objects.select_related("organization").in_bulk()
        for demand_id, rows in match_lists_compute(k=top):
            for r in rows:
                yield demands[demand_id], supplies[r.supply_id], r.score, r.rank, r.components, r.explanation
