"""产业链图谱 as a working tool: each chain's 上游/中游/下游 环节 with the demands, supplies and
resources behind them, the 断链/弱链 gaps, the ranked candidates that could fill a gap, and the
policies a demand qualifies for.

Every figure is computed in a fixed number of queries, whatever the number of records.
"""

from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from catalog.models import IndustryChain
from catalog.selectors import published_demands, published_supplies
from matching.lexical import display_terms, tokenize
from matching.models import Match
from reports.models import (
    AchievementItem,
    InvestorItem,
    PlatformItem,
    PolicyItem,
    Position,
    SegmentPosition,
    TalentItem,
)

POSITION_ORDER = {Position.UPSTREAM: 0, Position.MIDSTREAM: 1, Position.DOWNSTREAM: 2}
COUNT_KEYS = ("demands", "covered", "supplies", "talents", "achievements", "investors", "platforms", "policies")
STATUS_LABELS = {
    "gap": "断链（有需求、无合格匹配）",
    "weak": "弱链（匹配覆盖不足一半）",
    "covered": "已覆盖",
    "idle": "暂无需求",
}
WEAK_COVERAGE = 0.5


def threshold():
    return settings.MATCHING_RECOMMEND_THRESHOLD


def _group(qs, key):
    return dict(qs.values(key).order_by().annotate(n=Count("id", distinct=True)).values_list(key, "n"))


def _m2m_counts(model):
    through = model.chains.through
    return dict(
        through.objects.values("industrychain_id")
        .order_by()
        .annotate(n=Count(f"{model._meta.model_name}_id", distinct=True))
        .values_list("industrychain_id", "n")
    )


def chain_counts(chain_ids=None):
    """{chain or 环节 id: {demands, covered, supplies, talents, …}} for every id (direct links only).

    covered = published demands whose best stored Match score ≥ MATCHING_RECOMMEND_THRESHOLD.
    """
    demands = published_demands()
    good = Match.objects.filter(score__gte=threshold()).values("demand_id")
    tables = {
        "demands": _group(demands, "chain_id"),
        "covered": _group(demands.filter(id__in=good), "chain_id"),
        "supplies": _group(published_supplies(), "chain_id"),
        "talents": _group(TalentItem.objects.all(), "chain_id"),
        "achievements": _group(AchievementItem.objects.all(), "chain_id"),
        "investors": _m2m_counts(InvestorItem),
        "platforms": _m2m_counts(PlatformItem),
        "policies": _m2m_counts(PolicyItem),
    }
    counts = defaultdict(lambda: dict.fromkeys(COUNT_KEYS, 0))
    for key, table in tables.items():
        for chain_id, n in table.items():
            if chain_ids is None or chain_id in chain_ids:
                counts[chain_id][key] = n
    return counts


def segment_status(c):
    """断链 = demands and none covered; 弱链 = covered < 50 % of demands; else 已覆盖 / 暂无需求."""
    if not c["demands"]:
        return "idle"
    if not c["covered"]:
        return "gap"
    if c["covered"] / c["demands"] < WEAK_COVERAGE:
        return "weak"
    return "covered"


def _segment_row(segment, counts):
    c = dict(counts.get(segment.pk) or dict.fromkeys(COUNT_KEYS, 0))
    entry = getattr(segment, "position_entry", None) if segment.parent_id else None
    position = entry.position if entry else Position.MIDSTREAM
    status = segment_status(c)
    return {
        "segment": segment,
        "position": position,
        "position_label": Position(position).label,
        "description": entry.description if entry else "",
        "counts": c,
        "coverage": round(100 * c["covered"] / c["demands"]) if c["demands"] else None,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "is_gap": status in ("gap", "weak"),
    }


def _segments_with_positions():
    return IndustryChain.objects.filter(parent__isnull=False).select_related("parent")


def _positions():
    return {p.segment_id: p for p in SegmentPosition.objects.all()}


def overview():
    """All top-level 产业链 with their 环节 rows, and totals (gap counts) per chain."""
    counts = chain_counts()
    positions = _positions()
    roots = list(IndustryChain.objects.filter(parent__isnull=True).order_by("sort_order", "name"))
    by_root = defaultdict(list)
    for segment in _segments_with_positions():
        segment.position_entry = positions.get(segment.pk)
        by_root[segment.parent_id].append(_segment_row(segment, counts))
    chains = []
    for root in roots:
        rows = sorted(by_root[root.pk], key=lambda r: (POSITION_ORDER[r["position"]], r["segment"].sort_order))
        own = counts.get(root.pk) or dict.fromkeys(COUNT_KEYS, 0)
        totals = {k: own[k] + sum(r["counts"][k] for r in rows) for k in COUNT_KEYS}
        chains.append(
            {
                "chain": root,
                "segments": rows,
                "own": own,
                "totals": totals,
                "gaps": sum(1 for r in rows if r["status"] == "gap"),
                "weak": sum(1 for r in rows if r["status"] == "weak"),
            }
        )
    return chains


def panorama(chain):
    """One chain: its 环节 in 上游 → 中游 → 下游 columns, plus what is linked to the chain as a whole."""
    segments = list(chain.segments.all())
    positions = _positions()
    for s in segments:
        s.position_entry = positions.get(s.pk)
    counts = chain_counts({chain.pk, *[s.pk for s in segments]})
    rows = sorted(
        (_segment_row(s, counts) for s in segments),
        key=lambda r: (POSITION_ORDER[r["position"]], r["segment"].sort_order),
    )
    columns = [
        {"key": p.value, "label": p.label, "segments": [r for r in rows if r["position"] == p.value]} for p in Position
    ]
    return {
        "chain": chain,
        "columns": columns,
        "segments": rows,
        "own": counts.get(chain.pk) or dict.fromkeys(COUNT_KEYS, 0),
        "gaps": [r for r in rows if r["is_gap"]],
    }


def tree_data(data, url_for):
    """ECharts tree: chain → 上游/中游/下游 → 环节 (coloured by status; each leaf links to its page)."""
    colors = {"gap": "#b3261e", "weak": "#bf8700", "covered": "#2da44e", "idle": "#8c959f"}
    children = []
    for column in data["columns"]:
        leaves = [
            {
                "name": r["segment"].name,
                "value": r["counts"]["demands"],
                "status": r["status_label"],
                "url": url_for(r["segment"]),
                "itemStyle": {"color": colors[r["status"]], "borderColor": colors[r["status"]]},
                "label": {"color": colors[r["status"]] if r["is_gap"] else "#1f2328"},
            }
            for r in column["segments"]
        ]
        if leaves:
            children.append({"name": column["label"], "children": leaves})
    return {"kind": "tree", "name": data["chain"].name, "children": children}


# --- a gap's candidates ---------------------------------------------------------------------------

KIND_LABELS = {
    "talent": "人才",
    "achievement": "科技成果",
    "investor": "资本",
    "platform": "平台",
    "supply": "供给",
}
FIT_SAME, FIT_CHAIN, FIT_SIBLING = 60, 30, 15
TEXT_POINTS, TEXT_SATURATION = 40, 6


def segment_demands(segment):
    """Published demands of a 环节 with their best stored match score (best first)."""
    return list(
        published_demands()
        .filter(chain=segment)
        .select_related("region", "organization")
        .annotate(best_score=Max("matches__score"))
        .order_by("-best_score", "-created_at")
    )


def _query_tokens(segment, demands):
    parts = [segment.name, segment.parent.keywords if segment.parent_id else segment.keywords]
    entry = SegmentPosition.objects.filter(segment=segment).first()
    if entry:
        parts.append(entry.description)
    parts += [f"{d.title} {d.description[:300]}" for d in demands[:20]]
    return set(display_terms(tokenize(" ".join(parts))))


def _fit(segment, chain_ids, root_id):
    """Chain fit points and its reason for a candidate linked to `chain_ids`."""
    if segment.pk in chain_ids:
        return FIT_SAME, f"同属环节「{segment.name}」"
    if root_id in chain_ids:
        return FIT_CHAIN, f"服务整条产业链「{segment.parent.name}」"
    return FIT_SIBLING, f"同链相邻环节（{segment.parent.name}）"


def candidates(segment, *, demands=None, limit=30):
    """Ranked candidates that could fill a 环节 across kinds.

    score = chain fit (同环节 60 / 整条产业链 30 / 同链其他环节 15)
          + 40 × min(1, shared keywords / 6), keywords by the platform's tokenizer (jieba + 产业词典;
            the words a person can read: no synonym markers or single characters) over the 环节's name,
            description, chain keywords and its demands' texts.
    """
    demands = segment_demands(segment) if demands is None else demands
    root = segment.parent or segment
    family = [root.pk, *root.segments.values_list("id", flat=True)]
    query = _query_tokens(segment, demands)
    pool = []
    for t in TalentItem.objects.filter(chain_id__in=family).select_related("organization"):
        pool.append(("talent", t, {t.chain_id}, f"{t.name} {t.title} {t.research} {t.achievements}", t.organization))
    for a in AchievementItem.objects.filter(chain_id__in=family).select_related("organization"):
        pool.append(("achievement", a, {a.chain_id}, f"{a.title} {a.description}", a.organization))
    for model, kind in ((InvestorItem, "investor"), (PlatformItem, "platform")):
        qs = (
            model.objects.filter(chains__in=family).distinct().select_related("organization").prefetch_related("chains")
        )
        for item in qs:
            text = f"{item.name} {item.description} {getattr(item, 'services', '')}"
            pool.append((kind, item, {c.pk for c in item.chains.all()}, text, item.organization))
    linked = {"人才团队", "技术成果", "资本"}  # these supplies appear through their directory record
    for s in (
        published_supplies().filter(chain_id__in=family).exclude(supply_type__in=linked).select_related("organization")
    ):
        pool.append(("supply", s, {s.chain_id}, f"{s.title} {s.description[:400]}", s.organization))
    rows = []
    for kind, item, chain_ids, text, org in pool:
        fit, fit_reason = _fit(segment, chain_ids, root.pk)
        shared = sorted(query & set(display_terms(tokenize(text))), key=lambda w: (-len(w), w))
        text_points = round(TEXT_POINTS * min(1.0, len(shared) / TEXT_SATURATION), 1)
        reasons = [fit_reason]
        if shared:
            reasons.append("共同关键词：" + "、".join(shared[:6]))
        rows.append(
            {
                "kind": kind,
                "kind_label": KIND_LABELS[kind],
                "item": item,
                "organization": org,
                "score": round(fit + text_points, 1),
                "fit": fit,
                "text_points": text_points,
                "reasons": reasons,
            }
        )
    rows.sort(key=lambda r: (-r["score"], r["kind"], r["item"].pk))
    return rows[:limit]


# --- policies a demand qualifies for --------------------------------------------------------------


def _region_chain(region):
    ids = []
    while region is not None:
        ids.append(region.pk)
        region = region.parent
    return ids


def policy_check(policy, demand, today=None):
    """The structured conditions of `policy` checked against `demand`: [(label, met, detail)]."""
    today = today or timezone.localdate()
    checks = []
    if policy.region_id:
        met = policy.region_id in _region_chain(demand.region)
        checks.append(("适用地区", met, f"限{policy.region}，项目在{demand.region}"))
    chain_ids = {c.pk for c in policy.chains.all()}
    if chain_ids:
        met = demand.chain_id in chain_ids or demand.chain.parent_id in chain_ids
        names = "、".join(c.name for c in policy.chains.all())
        checks.append(("适用产业链", met, f"限{names}，项目属{demand.chain.name}"))
    if policy.org_kinds:
        labels = dict(demand.organization.Kind.choices)
        allowed = "、".join(labels.get(k, k) for k in policy.org_kinds)
        met = demand.organization.kind in policy.org_kinds
        checks.append(("单位类型", met, f"限{allowed}，申报单位为{demand.organization.get_kind_display()}"))
    if policy.project_kinds:
        met = demand.demand_type in policy.project_kinds
        checks.append(("项目类型", met, f"限{'、'.join(policy.project_kinds)}，项目为{demand.demand_type}"))
    if policy.min_investment_wan is not None:
        amount = demand.budget_wan
        met = amount is not None and amount >= policy.min_investment_wan
        have = f"{amount.normalize():f} 万元" if amount is not None else "未填"
        checks.append(("投资额", met, f"不低于 {policy.min_investment_wan.normalize():f} 万元，项目为 {have}"))
    if policy.valid_from or policy.valid_to:
        met = (not policy.valid_from or policy.valid_from <= today) and (
            not policy.valid_to or today <= policy.valid_to
        )
        checks.append(("有效期", met, "在有效期内" if met else "不在有效期内"))
    return checks


def policies_for(demand, today=None):
    """Policies related to the demand's chain (or to any chain), each with its conditions met and not met;
    those the demand fully qualifies for first."""
    root_id = demand.chain.parent_id or demand.chain_id
    qs = PolicyItem.objects.select_related("region", "region__parent", "region__parent__parent").prefetch_related(
        "chains"
    )
    rows = []
    for policy in qs:
        chain_ids = {c.pk for c in policy.chains.all()}
        if chain_ids and not (chain_ids & {root_id, demand.chain_id}):
            continue
        checks = policy_check(policy, demand, today)
        rows.append(
            {
                "policy": policy,
                "checks": checks,
                "met": [c for c in checks if c[1]],
                "unmet": [c for c in checks if not c[1]],
                "qualifies": all(c[1] for c in checks),
            }
        )
    rows.sort(key=lambda r: (not r["qualifies"], len(r["unmet"]), -(r["policy"].max_support_wan or 0)))
    return rows
