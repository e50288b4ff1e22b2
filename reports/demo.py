"""Demo records of the resource directories (fixtures/resources_demo.json), the extra 环节 the demo
chains need, and demo demands placed on their 环节 — loaded by `manage.py load_demo`. Idempotent."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from accounts.models import Organization
from catalog.models import Demand, IndustryChain, Region, Supply
from matching.lexical import tokenize
from reports.models import AchievementItem, InvestorItem, PlatformItem, PolicyItem, SegmentPosition, TalentItem
from reports.seeding import DEMO_SEGMENTS, records_from_supplies, seed_positions

RESOURCES_FILE = "resources_demo.json"


def _dec(value):
    return None if value is None else Decimal(str(value))


def ensure_demo_segments():
    for parent_name, segments in DEMO_SEGMENTS.items():
        parent = IndustryChain.objects.filter(name=parent_name, parent__isnull=True).first()
        if parent is None:
            continue
        for offset, (name, position, description, keywords) in enumerate(segments, start=5):
            segment, _ = IndustryChain.objects.get_or_create(
                name=name, defaults={"parent": parent, "sort_order": parent.sort_order + offset, "keywords": keywords}
            )
            SegmentPosition.objects.update_or_create(
                segment=segment, defaults={"position": position, "description": description}
            )
    seed_positions(IndustryChain, SegmentPosition)


def place_demands_on_segments():
    """Demo demand sheets name only the chain: put a demand on the 环节 whose words it shares most when
    that is clear (at least two shared words and more than any other 环节); the rest stay on the chain
    (shown as 未细分到环节)."""
    moved = 0
    positions = {p.segment_id: p.description for p in SegmentPosition.objects.all()}
    for root in IndustryChain.objects.filter(parent__isnull=True).prefetch_related("segments"):
        segments = list(root.segments.all())
        if not segments:
            continue
        vocab = {s.pk: set(tokenize(f"{s.name} {s.keywords} {positions.get(s.pk, '')}")) for s in segments}
        for demand in Demand.objects.filter(chain=root):
            words = set(tokenize(f"{demand.title} {demand.description}"))
            ranked = sorted(segments, key=lambda s: (-len(words & vocab[s.pk]), s.sort_order))
            best = ranked[0]
            shared = len(words & vocab[best.pk])
            runner_up = len(words & vocab[ranked[1].pk]) if len(ranked) > 1 else 0
            if shared >= 2 and shared > runner_up:
                Demand.objects.filter(pk=demand.pk).update(chain=best)
                moved += 1
    return moved


@transaction.atomic
def load_resources(fixtures_dir):
    """Returns {kind: created count}."""
    ensure_demo_segments()
    data = json.loads((Path(fixtures_dir) / RESOURCES_FILE).read_text(encoding="utf-8"))
    orgs = {o.name: o for o in Organization.objects.all()}
    chains = {c.name: c for c in IndustryChain.objects.all()}
    regions = {r.full_name: r for r in Region.objects.all()}
    created = {"talent": 0, "achievement": 0, "investor": 0, "policy": 0, "platform": 0}
    for row in data["talents"]:
        if row["organization"] not in orgs or row["chain"] not in chains:
            continue
        _, new = TalentItem.objects.get_or_create(
            name=row["name"],
            organization=orgs[row["organization"]],
            defaults={**row, "organization": orgs[row["organization"]], "chain": chains[row["chain"]]},
        )
        created["talent"] += new
    for row in data["achievements"]:
        if row["organization"] not in orgs or row["chain"] not in chains:
            continue
        _, new = AchievementItem.objects.get_or_create(
            title=row["title"],
            organization=orgs[row["organization"]],
            defaults={
                **row,
                "organization": orgs[row["organization"]],
                "chain": chains[row["chain"]],
                "price_wan": _dec(row["price_wan"]),
            },
        )
        created["achievement"] += new
    for row in data["investors"]:
        if row["organization"] not in orgs:
            continue
        values = {k: v for k, v in row.items() if k != "chains"}
        values.update(
            organization=orgs[row["organization"]],
            fund_size_yi=_dec(row["fund_size_yi"]),
            ticket_min_wan=_dec(row["ticket_min_wan"]),
            ticket_max_wan=_dec(row["ticket_max_wan"]),
        )
        item, new = InvestorItem.objects.get_or_create(name=row["name"], defaults=values)
        if new:
            item.chains.set([chains[c] for c in row["chains"] if c in chains])
        created["investor"] += new
    for row in data["policies"]:
        values = {k: v for k, v in row.items() if k != "chains"}
        values.update(
            region=regions.get(row["region"]),
            min_investment_wan=_dec(row["min_investment_wan"]),
            max_support_wan=_dec(row["max_support_wan"]),
        )
        item, new = PolicyItem.objects.get_or_create(title=row["title"], defaults=values)
        if new:
            item.chains.set([chains[c] for c in row["chains"] if c in chains])
        created["policy"] += new
    for row in data["platforms"]:
        values = {k: v for k, v in row.items() if k != "chains"}
        values.update(organization=orgs.get(row["organization"]), region=regions.get(row["region"]))
        item, new = PlatformItem.objects.get_or_create(name=row["name"], defaults=values)
        if new:
            item.chains.set([chains[c] for c in row["chains"] if c in chains])
        created["platform"] += new
    records_from_supplies(Supply, TalentItem, AchievementItem, InvestorItem)
    place_demands_on_segments()
    return created
