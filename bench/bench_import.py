"""Import benchmark: generate 5,000- and 20,000-row demand/supply files and time import_catalog_file.

Runs against a throwaway SQLite database (or DATABASE_URL if set), never the dev database:

    .venv/bin/python bench/bench_import.py            # 5,000 and 20,000 rows, csv and xlsx
    .venv/bin/python bench/bench_import.py 5000       # one size

Prints seconds for: the dry run (preview), the first import (all rows created) and the
re-import of the same file (all rows unchanged, no duplicates).
"""

import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DATABASE_URL"):
    os.environ["PORTAL_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-import-")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

import csv  # noqa: E402

import openpyxl  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from catalog.importing import DEMAND_HEADERS, SUPPLY_HEADERS, import_catalog_file  # noqa: E402
from catalog.models import Demand, Supply  # noqa: E402

CITIES = [
    "济宁市任城区",
    "青岛市黄岛区",
    "烟台市芝罘区",
    "潍坊市奎文区",
    "泰安市岱岳区",
    "德州市齐河县",
    "临沂市兰山区",
    "淄博市张店区",
]
CHAINS = [
    "机器人",
    "集成电路",
    "第三代半导体",
    "数字文旅",
    "工业互联网/智能制造",
    "节能环保",
    "新能源汽车",
    "能源装备",
    "协作机器人",
    "碳化硅",
]
DEMAND_TYPES = ["技术攻关", "设备采购", "解决方案", "人才引进", "投融资", "合作研发", "服务外包"]
SUPPLY_TYPES = ["产品", "技术成果", "解决方案", "服务", "人才团队", "资本"]
DESCRIPTION = (
    "园区内{n}号企业的装配线需要引入协作机器人，实现视觉引导的柔性装配与在线检测，节拍不低于每分钟6件，"
    "并与现有MES系统对接，希望与北京的机器人企业、高校院所联合开展工艺验证和产线改造，分两期实施。"
)


def demand_rows(count):
    for n in range(count):
        city = CITIES[n % len(CITIES)]
        yield [
            f"{city[:3]}产业链需求清单（2027）第{n % 25}批",
            f"{city[:3]}第{n % 40}产业园区管委会",
            city,
            f"协作机器人柔性装配与在线检测需求{n}",
            DESCRIPTION.format(n=n),
            CHAINS[n % len(CHAINS)],
            DEMAND_TYPES[n % len(DEMAND_TYPES)],
            str(50 + n % 500),
            "2027-08-07",
            "王主任",
            "0537-2345678",
        ]


def supply_rows(count):
    for n in range(count):
        yield [
            f"北京企业供给菜单（2027）第{n % 25}批",
            f"北京第{n % 60}智能科技有限公司",
            "北京市海淀区",
            f"视觉引导协作机器人装配工作站{n}",
            DESCRIPTION.format(n=n),
            CHAINS[n % len(CHAINS)],
            SUPPLY_TYPES[n % len(SUPPLY_TYPES)],
            str(30 + n % 300),
            "李经理",
            "010-62345678",
        ]


def as_csv(headers, rows):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(headers, rows):
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def timed(label, data, filename, **kwargs):
    started, cpu_started = time.perf_counter(), time.process_time()
    report = import_catalog_file(io.BytesIO(data), filename=filename, **kwargs)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert report.ok, report.errors[:5]
    # CPU seconds are what the import costs on an idle machine; wall time includes waiting for a core.
    print(
        f"  {label:<24} {seconds:7.2f} s wall {cpu:7.2f} s cpu   created={report.counts['created']} "
        f"updated={report.counts['updated']} unchanged={report.counts['unchanged']}"
    )
    return seconds


def segmentation_seconds(rows):
    """Time of the jieba search tokens alone (catalog.search), the dominant cost of a first import."""
    from catalog.search import tokens_field

    tokens_field("预热", "加载词典")
    started = time.process_time()
    for row in rows:
        tokens_field(row[3], row[4])
    return time.process_time() - started


def main(sizes):
    call_command("migrate", verbosity=0)
    print(f"database: {settings.DATABASES['default']['ENGINE']}, load average: {os.getloadavg()[0]:.1f}")
    for size in sizes:
        for kind, headers, rows, model in (
            ("demands", DEMAND_HEADERS, demand_rows, Demand),
            ("supplies", SUPPLY_HEADERS, supply_rows, Supply),
        ):
            for fmt, build in (("csv", as_csv), ("xlsx", as_xlsx)):
                model.objects.all().delete()
                data = build(headers, rows(size))
                print(f"{size} {kind} rows, .{fmt} ({len(data) / 1024 / 1024:.1f} MB)")
                timed("preview (dry run)", data, f"{kind}.{fmt}", dry_run=True)
                timed("import (create)", data, f"{kind}.{fmt}")
                timed("re-import (unchanged)", data, f"{kind}.{fmt}")
                assert model.objects.count() == size, "re-import must not duplicate rows"
            print(f"  (of which jieba search tokens for {size} rows: {segmentation_seconds(rows(size)):.2f} s cpu)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [5000, 20000])
