"""Map benchmark: render each 图谱 page with N records per kind (default 10,000) and print the time.

Runs against a throwaway SQLite database (or DATABASE_URL if set), never the dev database:

    .venv/bin/python bench/bench_maps.py           # 10,000 records per kind
    .venv/bin/python bench/bench_maps.py 2000      # a smaller N

Records per kind: published demands and supplies on 第三代半导体/机器人 环节, 人才, 科技成果,
资本, 政策, 平台, and one Match per demand (a third of them ≥ threshold). Prints wall and CPU
seconds per page (median of 3 renders after one warm-up) and the load average.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DATABASE_URL"):
    os.environ["PORTAL_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-maps-")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Organization  # noqa: E402
from catalog.models import Demand, DemandList, IndustryChain, Region, Supply, SupplyMenu  # noqa: E402
from matching.models import Match  # noqa: E402
from reports.models import (  # noqa: E402
    AchievementItem,
    InvestorItem,
    PlatformItem,
    PolicyItem,
    TalentItem,
)

BATCH = 1000


def seed(n):
    call_command("migrate", verbosity=0)
    now = timezone.now()
    jining = Region.objects.get(full_name="山东省济宁市")
    haidian = Region.objects.get(full_name="北京市海淀区")
    park = Organization.objects.create(name="基准园区", kind="park", region=jining, is_verified=True, verified_at=now)
    firm = Organization.objects.create(
        name="基准企业", kind="enterprise", region=haidian, is_verified=True, verified_at=now
    )
    segments = list(IndustryChain.objects.filter(parent__name__in=["机器人", "第三代半导体"]))
    dl = DemandList.objects.create(name="基准需求清单", organization=park, year=2027, status="collecting")
    menu = SupplyMenu.objects.create(name="基准供给菜单", organization=firm, year=2027, status="published")

    def seg(i):
        return segments[i % len(segments)]

    def bulk(model, rows):
        for start in range(0, len(rows), BATCH):
            model.objects.bulk_create(rows[start : start + BATCH])

    common = {"contact_name": "王", "contact_phone": "010-1"}
    bulk(
        Demand,
        [
            Demand(
                demand_list=dl,
                organization=park,
                region=jining,
                title=f"需求{i}",
                description="协作机器人 装配",
                chain=seg(i),
                demand_type="技术攻关",
                **common,
            )
            for i in range(n)
        ],
    )
    bulk(
        Supply,
        [
            Supply(
                menu=menu,
                organization=firm,
                region=haidian,
                title=f"供给{i}",
                description="协作机器人",
                chain=seg(i),
                supply_type="产品",
                **common,
            )
            for i in range(n)
        ],
    )
    demand_ids = list(Demand.objects.values_list("id", flat=True))
    supply_ids = list(Supply.objects.values_list("id", flat=True))
    bulk(
        Match,
        [
            Match(demand_id=d, supply_id=s, score=80 if i % 3 == 0 else 40, rank=1, model_name="bench", computed_at=now)
            for i, (d, s) in enumerate(zip(demand_ids, supply_ids, strict=True))
        ],
    )
    bulk(
        TalentItem,
        [TalentItem(name=f"人才{i}", organization=firm, research="力控", chain=seg(i)) for i in range(n)],
    )
    bulk(
        AchievementItem,
        [
            AchievementItem(title=f"成果{i}", organization=firm, chain=seg(i), description="x", trl=1 + i % 9)
            for i in range(n)
        ],
    )
    for model, make in (
        (InvestorItem, lambda i: InvestorItem(name=f"基金{i}", organization=firm)),
        (PolicyItem, lambda i: PolicyItem(title=f"政策{i}", issuer="省政府")),
        (PlatformItem, lambda i: PlatformItem(name=f"平台{i}", kind="lab", organization=firm)),
    ):
        bulk(model, [make(i) for i in range(n)])
        through = model.chains.through
        fk = f"{model._meta.model_name}_id"
        ids = list(model.objects.values_list("id", flat=True))
        bulk(through, [through(**{fk: pk, "industrychain_id": seg(i).pk}) for i, pk in enumerate(ids)])


def measure(client, url, repeat=3):
    client.get(url)  # warm-up
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        response = client.get(url)
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
        assert response.status_code == 200, url
    return sorted(walls)[repeat // 2], sorted(cpus)[repeat // 2]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    t0 = time.perf_counter()
    seed(n)
    print(f"seeded {n} records per kind in {time.perf_counter() - t0:.1f} s")
    client = Client(HTTP_HOST="localhost")
    robot = IndustryChain.objects.get(name="机器人")
    pages = [
        ("产业图谱（全部产业链）", reverse("reports:chain_overview")),
        ("产业链全景（机器人）", reverse("reports:chain_detail", args=[robot.pk])),
        ("人才图谱", reverse("reports:resource_map", args=["talent"])),
        ("技术图谱", reverse("reports:resource_map", args=["technology"])),
        ("资本图谱", reverse("reports:resource_map", args=["capital"])),
        ("政策图谱", reverse("reports:resource_map", args=["policy"])),
        ("平台图谱", reverse("reports:resource_map", args=["platform"])),
    ]
    for label, url in pages:
        wall, cpu = measure(client, url)
        print(f"{label:<16} wall {wall:6.3f} s   cpu {cpu:6.3f} s")
    print("load average (1/5/15 min): " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
