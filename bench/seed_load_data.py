"""Seed a database with a load-test catalogue: 100k demands and 100k supplies by default.

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_load \\
        .venv/bin/python bench/seed_load_data.py --demands 100000 --supplies 100000

Rows go in with bulk_create in batches (no services, no outbox, no matching): the point is a
realistic volume for bench/locustfile.py, not realistic workflows. Search tokens are real
(jieba, via catalog.search), built phrase by phrase with a cache so seeding stays fast.
Creates `--bidders` supplier organisations, each with a user `loadbidder<N>` whose password
is LOAD_PASSWORD, for the locust users that submit bids. `--reset` deletes earlier load data
(everything whose organisation name starts with the load prefix) first.
"""

import argparse
import datetime
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "true")  # no SECRET_KEY needed for a seeding script

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Organization, User  # noqa: E402
from catalog.models import (  # noqa: E402
    Demand,
    DemandList,
    DemandType,
    IndustryChain,
    Maturity,
    Supply,
    SupplyMenu,
    SupplyType,
)
from catalog.regions import region_resolve  # noqa: E402
from catalog.search import tokens_for  # noqa: E402
from catalog.taxonomy import SHANDONG_CITIES  # noqa: E402

PREFIX = "压测"  # every organisation this script creates starts with it
LOAD_PASSWORD = "Load#Bench2026"
BATCH = 5000
BEIJING_DISTRICTS = ["海淀区", "朝阳区", "昌平区", "大兴区", "顺义区", "亦庄经济开发区", "丰台区", "通州区"]
SHANDONG_DISTRICTS = ["高新区", "经济开发区", "市中区", "新区"]
NEEDS = [
    "提升良品率",
    "降低能耗",
    "替代进口",
    "实现自动化",
    "缩短交付周期",
    "建设数字化车间",
    "开展联合攻关",
    "引进高层次人才团队",
    "扩大产能",
    "完善检测能力",
    "打通上下游协同",
    "降低运维成本",
]
SCENES = ["产线", "车间", "园区", "研发中心", "中试基地", "仓储物流", "质检环节", "示范工程"]
OFFERS = ["成熟产品", "核心技术", "整体解决方案", "工程化服务", "联合实验室", "专家团队", "产业基金", "中试平台"]
QUALIFIERS = ["国内领先", "已在多家企业落地", "具备自主知识产权", "支持定制开发", "可提供现场调试", "有成功案例"]


class Phrases:
    """Token cache: texts are built from phrases joined by punctuation, so their jieba tokens are
    the concatenation of the phrases' tokens (jieba never joins across punctuation)."""

    def __init__(self):
        self.cache = {}

    def tokens(self, phrase):
        found = self.cache.get(phrase)
        if found is None:
            found = self.cache[phrase] = tokens_for(phrase)
        return found

    def field(self, *phrases):
        tokens = [t for p in phrases for t in self.tokens(p)]
        return f" {' '.join(tokens)} " if tokens else ""


def chains_with_words():
    """[(chain row, [words])] for every 环节 and chain: the words texts are made of."""
    result = []
    for chain in IndustryChain.objects.select_related("parent"):
        root = chain.parent or chain
        words = [w for w in (root.keywords or "").split() if len(w) > 1] + [chain.name]
        result.append((chain, words))
    return result


def reset():
    started = time.perf_counter()
    orgs = Organization.objects.filter(name__startswith=PREFIX)
    with connection.cursor() as cursor:
        ids = list(orgs.values_list("pk", flat=True))
        if ids:
            # Raw deletes: the ORM's cascade collector would load 200k rows into memory.
            for table, column in (
                ("bidding_bidattachment", None),
                ("bidding_bid", "organization_id"),
                ("matching_match", None),
                ("catalog_demand", "organization_id"),
                ("catalog_supply", "organization_id"),
                ("catalog_demandlist", "organization_id"),
                ("catalog_supplymenu", "organization_id"),
            ):
                if table == "bidding_bidattachment":
                    cursor.execute(
                        "DELETE FROM bidding_bidattachment WHERE bid_id IN "
                        "(SELECT id FROM bidding_bid WHERE organization_id = ANY(%s) OR demand_id IN "
                        "(SELECT id FROM catalog_demand WHERE organization_id = ANY(%s)))",
                        [ids, ids],
                    )
                    cursor.execute(
                        "DELETE FROM bidding_bid WHERE demand_id IN "
                        "(SELECT id FROM catalog_demand WHERE organization_id = ANY(%s))",
                        [ids],
                    )
                elif table == "matching_match":
                    cursor.execute(
                        "DELETE FROM matching_match WHERE demand_id IN "
                        "(SELECT id FROM catalog_demand WHERE organization_id = ANY(%s)) OR supply_id IN "
                        "(SELECT id FROM catalog_supply WHERE organization_id = ANY(%s))",
                        [ids, ids],
                    )
                else:
                    cursor.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", [ids])
    users = User.objects.filter(username__startswith="loadbidder")
    Membership.objects.filter(user__in=users).delete()
    users.delete()
    orgs.delete()
    print(f"reset: removed earlier load data in {time.perf_counter() - started:.1f}s")


def make_orgs(kind, count, regions, label, rng, now):
    orgs = [
        Organization(
            name=f"{PREFIX}{label}{i:04d}", kind=kind, region=rng.choice(regions), is_verified=True, verified_at=now
        )
        for i in range(count)
    ]
    return Organization.objects.bulk_create(orgs, batch_size=BATCH)


def seed(*, demands, supplies, bidders, per_list, seed_value):
    rng = random.Random(seed_value)
    phrases = Phrases()
    now = timezone.now()
    today = timezone.localdate()
    started = time.perf_counter()
    chains = chains_with_words()
    sd_regions = [
        region_resolve(f"{city}{district}") for city in SHANDONG_CITIES for district in SHANDONG_DISTRICTS[:2]
    ]
    bj_regions = [region_resolve(f"北京市{district}") for district in BEIJING_DISTRICTS]

    with transaction.atomic():
        n_demand_orgs = max(1, demands // 500)
        n_supply_orgs = max(1, supplies // 200)
        parks = make_orgs(Organization.Kind.PARK, n_demand_orgs, sd_regions, "园区管委会", rng, now)
        firms = make_orgs(Organization.Kind.ENTERPRISE, n_supply_orgs, bj_regions, "科技有限公司", rng, now)
        bidder_orgs = make_orgs(Organization.Kind.ENTERPRISE, bidders, bj_regions, "投标单位", rng, now)
        password = make_password(LOAD_PASSWORD)
        users = User.objects.bulk_create(
            [
                User(
                    username=f"loadbidder{i + 1:02d}",
                    display_name=f"压测用户{i + 1}",
                    password=password,
                    email=f"loadbidder{i + 1:02d}@example.cn",
                )
                for i in range(bidders)
            ]
        )
        Membership.objects.bulk_create(
            [
                Membership(user=u, organization=o, role=Membership.Role.ADMIN)
                for u, o in zip(users, bidder_orgs, strict=True)
            ]
        )

        n_lists = -(-demands // per_list)
        lists = DemandList.objects.bulk_create(
            [
                DemandList(
                    name=f"{PREFIX}需求清单{i:05d}",
                    organization=parks[i % len(parks)],
                    year=today.year,
                    status=DemandList.Status.COLLECTING,
                )
                for i in range(n_lists)
            ],
            batch_size=BATCH,
        )
        n_menus = -(-supplies // per_list)
        menus = SupplyMenu.objects.bulk_create(
            [
                SupplyMenu(
                    name=f"{PREFIX}供给菜单{i:05d}",
                    organization=firms[i % len(firms)],
                    year=today.year,
                    status=SupplyMenu.Status.PUBLISHED,
                )
                for i in range(n_menus)
            ],
            batch_size=BATCH,
        )
        print(
            f"organisations, {bidders} bidder users, {n_lists} lists, {n_menus} menus: {time.perf_counter() - started:.1f}s"
        )

        demand_types = list(DemandType.values)
        batch = []
        for i in range(demands):
            chain, words = rng.choice(chains)
            demand_list = lists[i // per_list]
            word_a, word_b = rng.choice(words), rng.choice(words)
            title = f"{word_a}{rng.choice(SCENES)}{rng.choice(NEEDS)}"
            serial = f"编号{i:06d}"
            desc_parts = [
                f"我单位{rng.choice(SCENES)}急需{word_b}相关能力",
                rng.choice(NEEDS),
                f"希望与北京高校院所和企业合作{rng.choice(NEEDS)}",
                f"重点关注{word_a}和{word_b}",
            ]
            batch.append(
                Demand(
                    demand_list=demand_list,
                    organization_id=demand_list.organization_id,
                    region_id=parks[(i // per_list) % len(parks)].region_id,
                    title=f"{title}（{serial}）",
                    description="，".join(desc_parts) + "。",
                    chain=chain,
                    demand_type=rng.choice(demand_types),
                    budget_wan=Decimal(rng.randrange(10, 5000)),
                    deadline=today + datetime.timedelta(days=rng.randrange(30, 400)),
                    contact_name="王工",
                    contact_phone=f"0537-{rng.randrange(1000000, 9999999)}",
                    status=Demand.Status.COLLECTING,
                    search_tokens=phrases.field(title, serial, *desc_parts),
                )
            )
            if len(batch) == BATCH:
                Demand.objects.bulk_create(batch)
                batch = []
                if (i + 1) % 20000 == 0:
                    print(f"  demands {i + 1}/{demands}: {time.perf_counter() - started:.1f}s")
        Demand.objects.bulk_create(batch)

        supply_types, maturities = list(SupplyType.values), list(Maturity.values)
        batch = []
        for i in range(supplies):
            chain, words = rng.choice(chains)
            menu = menus[i // per_list]
            word_a, word_b = rng.choice(words), rng.choice(words)
            title = f"{word_a}{rng.choice(OFFERS)}"
            serial = f"编号{i:06d}"
            desc_parts = [
                f"面向{word_b}{rng.choice(SCENES)}提供{rng.choice(OFFERS)}",
                rng.choice(QUALIFIERS),
                f"可帮助客户{rng.choice(NEEDS)}",
                f"覆盖{word_a}全流程",
            ]
            batch.append(
                Supply(
                    menu=menu,
                    organization_id=menu.organization_id,
                    region_id=firms[(i // per_list) % len(firms)].region_id,
                    title=f"{title}（{serial}）",
                    description="，".join(desc_parts) + "。",
                    chain=chain,
                    supply_type=rng.choice(supply_types),
                    maturity=rng.choice(maturities),
                    price_wan=Decimal(rng.randrange(5, 3000)),
                    contact_name="李经理",
                    contact_phone=f"010-{rng.randrange(10000000, 99999999)}",
                    status=Supply.Status.ACTIVE,
                    search_tokens=phrases.field(title, serial, *desc_parts),
                )
            )
            if len(batch) == BATCH:
                Supply.objects.bulk_create(batch)
                batch = []
                if (i + 1) % 20000 == 0:
                    print(f"  supplies {i + 1}/{supplies}: {time.perf_counter() - started:.1f}s")
        Supply.objects.bulk_create(batch)

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"seeded {demands} demands and {supplies} supplies ({len(phrases.cache)} distinct phrases tokenised) "
        f"in {time.perf_counter() - started:.1f}s; bidders loadbidder01..{bidders:02d} / {LOAD_PASSWORD}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demands", type=int, default=100_000)
    parser.add_argument("--supplies", type=int, default=100_000)
    parser.add_argument("--bidders", type=int, default=20, help="supplier organisations with one login each")
    parser.add_argument("--per-list", type=int, default=100, help="items per demand list / supply menu")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reset", action="store_true", help="delete earlier load data first")
    args = parser.parse_args()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if args.reset:
        reset()
    elif Organization.objects.filter(name__startswith=PREFIX).exists():
        sys.exit("load data already present: run with --reset to replace it")
    seed(
        demands=args.demands, supplies=args.supplies, bidders=args.bidders, per_list=args.per_list, seed_value=args.seed
    )


if __name__ == "__main__":
    main()
