"""The figures of the outcome dashboard, the upward report, the 六图谱 and the 四评价.

Every figure is a small function whose docstring states its formula. Counting rules:
- the demand base is the published demands (list not a draft, organisation verified);
- a 对接项目 (Case) is unique per (demand, supplying organisation), so counting cases counts
  each project once however many times its parties met; funnel steps count distinct demands;
- 签约 = stage 签约 or 落地 (a case terminated after signing is not counted);
  落地 = stage 落地; amounts are 万元;
- a demand's city is its region if that is a 市, else the region's parent; its chain is the
  top-level 产业链 (a 环节 counts for its chain).
"""

import datetime
import math
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Case as CaseWhen
from django.db.models import Count, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from catalog.models import DemandType, IndustryChain, Maturity, Region, SupplyType
from catalog.selectors import published_demands, published_supplies
from followups.models import Case
from reports.models import PlatformItem, PolicyItem

SIGNED_STAGES = [Case.Stage.SIGNED, Case.Stage.LANDED]
ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=16, decimal_places=2))


def match_threshold():
    return settings.MATCHING_RECOMMEND_THRESHOLD


def city_expr(prefix=""):
    """Id of the 市 of `<prefix>region` (the region itself or its parent district's city)."""
    return CaseWhen(
        When(**{f"{prefix}region__level": Region.Level.CITY}, then=F(f"{prefix}region_id")),
        When(**{f"{prefix}region__level": Region.Level.DISTRICT}, then=F(f"{prefix}region__parent_id")),
        default=Value(None),
    )


def chain_expr(prefix=""):
    """Id of the top-level 产业链 of `<prefix>chain`."""
    return Coalesce(F(f"{prefix}chain__parent_id"), F(f"{prefix}chain_id"))


def _names(model, ids):
    return dict(model.objects.filter(pk__in=[i for i in ids if i is not None]).values_list("pk", "name"))


def _matched_demand_ids():
    from matching.models import Match

    return Match.objects.filter(score__gte=match_threshold()).values("demand_id")


def _met_demand_ids():
    """Demands with a case that reached 洽谈 / had a meeting, or with a 1:1 meeting that took place."""
    from events.models import Meeting

    by_case = set(Case.objects.filter(met_at__isnull=False).values_list("demand_id", flat=True))
    by_meeting = set(
        Meeting.objects.filter(starts_at__lte=timezone.now(), pair__demand__isnull=False).values_list(
            "pair__demand_id", flat=True
        )
    )
    return by_case | by_meeting


# --- dashboard --------------------------------------------------------------------------------


def funnel():
    """Funnel of distinct published demands.

    需求 = |D|, D = published demands;
    已匹配 = |{d ∈ D : ∃ Match(d, s) with score ≥ MATCHING_RECOMMEND_THRESHOLD}|;
    已洽谈 = |{d ∈ D : ∃ case of d with met_at set (reached 洽谈 or met at a 对接会) or a 1:1 meeting on d took place}|;
    已签约 = |{d ∈ D : ∃ case of d at 签约 or 落地}|;
    已落地 = |{d ∈ D : ∃ case of d at 落地}|.
    Each step counts a demand once, however many suppliers or meetings it had.
    """
    base = published_demands()
    return [
        {"key": "demands", "label": "发布需求", "count": base.count()},
        {"key": "matched", "label": "已匹配", "count": base.filter(id__in=_matched_demand_ids()).count()},
        {"key": "met", "label": "已洽谈", "count": base.filter(id__in=_met_demand_ids()).count()},
        {"key": "signed", "label": "已签约", "count": base.filter(cases__stage__in=SIGNED_STAGES).distinct().count()},
        {"key": "landed", "label": "已落地", "count": base.filter(cases__stage=Case.Stage.LANDED).distinct().count()},
    ]


def _project_cases():
    return Case.objects.filter(demand__in=published_demands())


def project_totals():
    """Project-level totals over cases of published demands (each case = one project).

    met = #cases with met_at; signed = #cases at 签约/落地, signed_amount = Σ contract_amount_wan of those;
    landed = #cases at 落地, landed_amount = Σ investment_amount_wan of those.
    """
    agg = _project_cases().aggregate(
        total=Count("id"),
        met=Count("id", filter=Q(met_at__isnull=False)),
        signed=Count("id", filter=Q(stage__in=SIGNED_STAGES)),
        landed=Count("id", filter=Q(stage=Case.Stage.LANDED)),
        signed_amount=Coalesce(Sum("contract_amount_wan", filter=Q(stage__in=SIGNED_STAGES)), ZERO),
        landed_amount=Coalesce(Sum("investment_amount_wan", filter=Q(stage=Case.Stage.LANDED)), ZERO),
    )
    return agg


def _outcomes_by(dimension, year=None):
    """Per city or chain: signed/landed project counts and amounts (cases of published demands).

    signed_count = #cases at 签约/落地; signed_amount = Σ contract_amount_wan over them;
    landed_count = #cases at 落地; landed_amount = Σ investment_amount_wan over them;
    met_count = #cases with met_at; cases = #cases; demand_count = #published demands in the group.
    With `year`, each figure counts only what happened that calendar year: demands and cases by
    created_at, met by met_at, signed by signed_on, landed by landed_on.
    """
    met_q, signed_q, landed_q = Q(met_at__isnull=False), Q(stage__in=SIGNED_STAGES), Q(stage=Case.Stage.LANDED)
    cases_q, demands = Q(), published_demands()
    if year:
        met_q &= Q(met_at__year=year)
        signed_q &= Q(signed_on__year=year)
        landed_q &= Q(landed_on__year=year)
        cases_q = Q(created_at__year=year)
        demands = demands.filter(created_at__year=year)
    expr = city_expr("demand__") if dimension == "city" else chain_expr("demand__")
    rows = (
        _project_cases()
        .annotate(key=expr)
        .values("key")
        .order_by()
        .annotate(
            cases=Count("id", filter=cases_q),
            met_count=Count("id", filter=met_q),
            signed_count=Count("id", filter=signed_q),
            signed_amount=Coalesce(Sum("contract_amount_wan", filter=signed_q), ZERO),
            landed_count=Count("id", filter=landed_q),
            landed_amount=Coalesce(Sum("investment_amount_wan", filter=landed_q), ZERO),
        )
    )
    demand_expr = city_expr() if dimension == "city" else chain_expr()
    demand_counts = dict(
        demands.annotate(key=demand_expr).values("key").order_by().annotate(n=Count("id")).values_list("key", "n")
    )
    table = {}
    for key, n in demand_counts.items():
        table[key] = {
            "key": key,
            "demand_count": n,
            "cases": 0,
            "met_count": 0,
            "signed_count": 0,
            "signed_amount": Decimal("0"),
            "landed_count": 0,
            "landed_amount": Decimal("0"),
        }
    for row in rows:
        if year and not any(row[k] for k in ("cases", "met_count", "signed_count", "landed_count")):
            continue  # nothing in that year
        entry = table.setdefault(row["key"], {"key": row["key"], "demand_count": 0})
        entry.update({k: v for k, v in row.items() if k != "key"})
    names = _names(Region if dimension == "city" else IndustryChain, table.keys())
    result = []
    for key, entry in table.items():
        entry["name"] = names.get(key, "未知地区" if dimension == "city" else "未知产业链")
        result.append(entry)
    result.sort(key=lambda e: (-e["signed_amount"], -e["signed_count"], -e["demand_count"], e["name"]))
    return result


def outcomes_by_city(year=None):
    """See _outcomes_by: grouped by the demand's 市."""
    return _outcomes_by("city", year)


def outcomes_by_chain(year=None):
    """See _outcomes_by: grouped by the demand's top-level 产业链."""
    return _outcomes_by("chain", year)


def top(rows, n=10):
    """The first n rows of an outcomes table (already ordered by signed amount, count, demands)."""
    return rows[:n]


def _month_list(end, months):
    year, month = end.year, end.month
    out = []
    for _ in range(months):
        out.append(datetime.date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(out))


def monthly_trend(months=12):
    """Per calendar month of the last `months` months (local time):

    new_demands = #published demands created that month; met = #cases whose met_at falls in it;
    signed = #cases at 签约/落地 with signed_on in it, signed_amount = Σ their contract_amount_wan;
    landed = #cases at 落地 with landed_on in it, landed_amount = Σ their investment_amount_wan.
    """
    today = timezone.localdate()
    month_keys = _month_list(today, months)
    start = month_keys[0]
    series = {
        m: {
            "month": m.strftime("%Y-%m"),
            "new_demands": 0,
            "met": 0,
            "signed": 0,
            "signed_amount": Decimal("0"),
            "landed": 0,
            "landed_amount": Decimal("0"),
        }
        for m in month_keys
    }

    def put(qs, date_field, count_key, amount_field=None, amount_key=None):
        annotations = {"n": Count("id")}
        if amount_field:
            annotations["amount"] = Coalesce(Sum(amount_field), ZERO)
        for row in qs.annotate(m=TruncMonth(date_field)).values("m").order_by().annotate(**annotations):
            m = row["m"]
            if isinstance(m, datetime.datetime):
                m = m.date()
            if m in series:
                series[m][count_key] += row["n"]
                if amount_key:
                    series[m][amount_key] += row["amount"]

    tz_start = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    put(published_demands().filter(created_at__gte=tz_start), "created_at", "new_demands")
    cases = _project_cases()
    put(cases.filter(met_at__gte=tz_start), "met_at", "met")
    put(
        cases.filter(stage__in=SIGNED_STAGES, signed_on__gte=start),
        "signed_on",
        "signed",
        "contract_amount_wan",
        "signed_amount",
    )
    put(
        cases.filter(stage=Case.Stage.LANDED, landed_on__gte=start),
        "landed_on",
        "landed",
        "investment_amount_wan",
        "landed_amount",
    )
    return [series[m] for m in month_keys]


def signed_projects(year=None):
    """Case-level list of signed and landed projects (staff only: upward report detail);
    with `year`, those signed or landed in that calendar year."""
    qs = _project_cases().filter(stage__in=SIGNED_STAGES)
    if year:
        qs = qs.filter(Q(signed_on__year=year) | Q(landed_on__year=year))
    return qs.select_related(
        "demand",
        "demand__organization",
        "demand__region",
        "demand__region__parent",
        "demand__chain",
        "demand__chain__parent",
        "supply_org",
        "owner",
        "landed_location",
    ).order_by("signed_on", "pk")


# --- 六图谱 -----------------------------------------------------------------------------------


def _chains():
    return list(IndustryChain.objects.filter(parent__isnull=True).order_by("sort_order", "name"))


def industry_map():
    """产业图谱: published demands per (chain, Shandong city) and published supplies per chain.

    cell(chain, city) = #published demands whose top-level chain is `chain` and whose 市 is `city`.
    """
    demand_rows = (
        published_demands()
        .annotate(chain_key=chain_expr(), city_key=city_expr())
        .values("chain_key", "city_key")
        .order_by()
        .annotate(n=Count("id"))
    )
    supply_counts = dict(
        published_supplies()
        .annotate(chain_key=chain_expr())
        .values("chain_key")
        .order_by()
        .annotate(n=Count("id"))
        .values_list("chain_key", "n")
    )
    cells = defaultdict(int)
    city_ids = set()
    for row in demand_rows:
        cells[(row["chain_key"], row["city_key"])] += row["n"]
        city_ids.add(row["city_key"])
    cities = sorted(Region.objects.filter(pk__in=[c for c in city_ids if c]), key=lambda r: r.full_name)
    chains = [c for c in _chains() if supply_counts.get(c.pk) or any(cells.get((c.pk, city.pk)) for city in cities)]
    rows = []
    for chain in chains:
        counts = [cells.get((chain.pk, city.pk), 0) for city in cities]
        rows.append(
            {"chain": chain.name, "counts": counts, "demands": sum(counts), "supplies": supply_counts.get(chain.pk, 0)}
        )
    return {"cities": [c.name for c in cities], "rows": rows}


def _by_chain(qs, amount_field=None):
    annotations = {"n": Count("id")}
    if amount_field:
        annotations["amount"] = Coalesce(Sum(amount_field), ZERO)
    return {
        row["chain_key"]: row
        for row in qs.annotate(chain_key=chain_expr()).values("chain_key").order_by().annotate(**annotations)
    }


def talent_map():
    """人才图谱: per chain, #published 人才团队 supplies and #published 人才引进 demands."""
    supplies = _by_chain(published_supplies().filter(supply_type=SupplyType.TALENT))
    demands = _by_chain(published_demands().filter(demand_type=DemandType.TALENT))
    rows = []
    for chain in _chains():
        s, d = supplies.get(chain.pk, {}).get("n", 0), demands.get(chain.pk, {}).get("n", 0)
        if s or d:
            rows.append({"chain": chain.name, "supplies": s, "demands": d})
    return {"rows": rows}


def technology_map():
    """技术图谱: per chain, #published 技术成果 supplies by 成熟度 (实验室/中试/小批量/量产/未填)."""
    levels = [m.value for m in Maturity] + [""]
    rows_qs = (
        published_supplies()
        .filter(supply_type=SupplyType.TECHNOLOGY)
        .annotate(chain_key=chain_expr())
        .values("chain_key", "maturity")
        .order_by()
        .annotate(n=Count("id"))
    )
    cells = defaultdict(int)
    for row in rows_qs:
        cells[(row["chain_key"], row["maturity"] or "")] += row["n"]
    rows = []
    for chain in _chains():
        counts = [cells.get((chain.pk, level), 0) for level in levels]
        if any(counts):
            rows.append({"chain": chain.name, "counts": counts, "total": sum(counts)})
    return {"levels": [level or "未填" for level in levels], "rows": rows}


def capital_map():
    """资本图谱: per chain, #published 资本 supplies with Σ price_wan, and #published 投融资 demands with Σ budget_wan."""
    supplies = _by_chain(published_supplies().filter(supply_type=SupplyType.CAPITAL), "price_wan")
    demands = _by_chain(published_demands().filter(demand_type=DemandType.FINANCE), "budget_wan")
    rows = []
    for chain in _chains():
        s, d = supplies.get(chain.pk, {}), demands.get(chain.pk, {})
        if s or d:
            rows.append(
                {
                    "chain": chain.name,
                    "supplies": s.get("n", 0),
                    "supply_amount": s.get("amount", Decimal("0")),
                    "demands": d.get("n", 0),
                    "demand_amount": d.get("amount", Decimal("0")),
                }
            )
    return {"rows": rows}


def policy_map():
    """政策图谱: the staff-maintained directory; chart = #policies per related chain (未分类 if none)."""
    items = list(PolicyItem.objects.select_related("region").prefetch_related("chains"))
    counts = defaultdict(int)
    for item in items:
        names = [c.name for c in item.chains.all()] or ["未分类"]
        for name in names:
            counts[name] += 1
    return {
        "items": items,
        "rows": [{"name": k, "count": v} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))],
    }


def platform_map():
    """平台图谱: the staff-maintained directory; chart = #platforms per type."""
    items = list(PlatformItem.objects.select_related("region", "organization").prefetch_related("chains"))
    counts = defaultdict(int)
    for item in items:
        counts[item.get_kind_display()] += 1
    return {
        "items": items,
        "rows": [{"name": k, "count": v} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))],
    }


# --- 四评价 -----------------------------------------------------------------------------------

FORMULAS = {
    "project": (
        "项目评价 = 0.5 × P + 0.3 × A + 0.2 × T\n"
        "P 进展：推荐 0、意向 25、洽谈 50、签约 75、落地 100、终止 0；\n"
        "A 金额：min(100, 25 × log10(1 + 金额万元))，落地项目取投资额，签约项目取签约金额（10万≈26，100万=50，1000万=75，1亿及以上=100）；\n"
        "T 及时性：落地 100、终止 0；进行中的项目 30 天无进展为 0，否则 100 − 5 × 下一步逾期天数（最低 0）。"
    ),
    "achievement": (
        "成果评价 = M × D ÷ 100（技术成果类供给）\n"
        "M 成熟度：实验室 25、中试 50、小批量 75、量产 100、未填 0；\n"
        "D 需求热度：min(100, 20 × 匹配得分达到推荐阈值的不同需求数)。\n"
        "成熟但无人需要、或有需求但仍在实验室的成果得分都低：衡量成果当前落地山东的可能性。"
    ),
    "talent": (
        "人才评价 = 0.4 × D + 0.3 × E + 0.3 × O（人才团队类供给）\n"
        "D 需求热度：min(100, 20 × 匹配达到推荐阈值的不同需求数)；\n"
        "E 对接活跃：min(100, 25 × 已进入洽谈的对接项目数)；\n"
        "O 成效：min(100, 50 × 已签约或落地的对接项目数)。"
    ),
    "platform": (
        "平台评价 = 0.3 × C + 0.3 × S + 0.4 × O\n"
        "C 产业覆盖：min(100, 25 × 服务的产业链数)；\n"
        "S 供给活跃：min(100, 10 × 依托单位已发布的供给数)；\n"
        "O 成效：min(100, 50 × 依托单位作为供给方已签约或落地的项目数)；未填依托单位时 S、O 为 0。"
    ),
}
# Weights of the additive scores: the chart stacks weight × component so the bars sum to the score.
WEIGHTS = {
    "project": {"进展 P": 0.5, "金额 A": 0.3, "及时性 T": 0.2},
    "talent": {"需求热度 D": 0.4, "对接活跃 E": 0.3, "成效 O": 0.3},
    "platform": {"产业覆盖 C": 0.3, "供给活跃 S": 0.3, "成效 O": 0.4},
}

PROGRESS_POINTS = {
    Case.Stage.RECOMMENDED: 0,
    Case.Stage.INTENT: 25,
    Case.Stage.NEGOTIATING: 50,
    Case.Stage.SIGNED: 75,
    Case.Stage.LANDED: 100,
    Case.Stage.TERMINATED: 0,
}
MATURITY_POINTS = {Maturity.LAB: 25, Maturity.PILOT: 50, Maturity.SMALL_BATCH: 75, Maturity.MASS: 100}


def amount_points(amount_wan):
    """A = min(100, 25 × log10(1 + 金额万元)): 10万→26, 100万→50, 1000万→75, ≥1亿→100."""
    if not amount_wan or amount_wan <= 0:
        return 0.0
    return round(min(100.0, 25 * math.log10(1 + float(amount_wan))), 1)


def timeliness_points(case, today=None):
    """T = 100 for 落地, 0 for 终止; for an open case 0 if flagged stale (30 days without
    activity), else max(0, 100 − 5 × days the next action is overdue)."""
    today = today or timezone.localdate()
    if case.stage == Case.Stage.LANDED:
        return 100.0
    if case.stage == Case.Stage.TERMINATED:
        return 0.0
    if case.is_stale:
        return 0.0
    if case.next_action_at and case.next_action_at < today:
        return float(max(0, 100 - 5 * (today - case.next_action_at).days))
    return 100.0


def evaluate_project(case, today=None):
    """项目评价 = 0.5 × P + 0.3 × A + 0.2 × T.

    P (进展) = 0/25/50/75/100 for 推荐/意向/洽谈/签约/落地, 0 for 终止;
    A (金额) = amount_points(落地投资额 if 落地 else 签约金额);
    T (及时性) = timeliness_points(case).
    """
    progress = float(PROGRESS_POINTS[Case.Stage(case.stage)])
    amount = amount_points(
        case.investment_amount_wan
        if case.stage == Case.Stage.LANDED
        else case.contract_amount_wan
        if case.stage in SIGNED_STAGES
        else None
    )
    timeliness = timeliness_points(case, today)
    score = round(0.5 * progress + 0.3 * amount + 0.2 * timeliness, 1)
    return {"score": score, "components": {"进展 P": progress, "金额 A": amount, "及时性 T": timeliness}}


def project_evaluations():
    """All cases of published demands with evaluate_project, best first (staff only)."""
    today = timezone.localdate()
    cases = _project_cases().select_related("demand", "demand__organization", "supply_org")
    rows = [{"case": c, **evaluate_project(c, today)} for c in cases]
    rows.sort(key=lambda r: (-r["score"], r["case"].pk))
    return rows


def capped(count, per_item):
    """min(100, per_item × count): a count turned into 0–100 points."""
    return float(min(100, per_item * count))


def achievement_evaluations():
    """成果评价 (published 技术成果 supplies) = M × D / 100.

    M (成熟度) = 25/50/75/100 for 实验室/中试/小批量/量产, 0 if not stated;
    D (需求热度) = min(100, 20 × n), n = distinct demands matched to it with score ≥ threshold.
    A lab result nobody needs and a mature product with no demand both score low.
    """
    qs = (
        published_supplies()
        .filter(supply_type=SupplyType.TECHNOLOGY)
        .select_related("organization", "chain")
        .annotate(matched=Count("matches__demand", filter=Q(matches__score__gte=match_threshold()), distinct=True))
    )
    rows = []
    for s in qs:
        m = float(MATURITY_POINTS.get(s.maturity, 0))
        d = capped(s.matched, 20)
        rows.append(
            {
                "item": s,
                "score": round(m * d / 100, 1),
                "components": {"成熟度 M": m, "需求热度 D": d},
                "facts": {"匹配需求数": s.matched},
            }
        )
    rows.sort(key=lambda r: (-r["score"], r["item"].pk))
    return rows


def talent_evaluations():
    """人才评价 (published 人才团队 supplies) = 0.4 × D + 0.3 × E + 0.3 × O.

    D (需求热度) = min(100, 20 × distinct demands matched with score ≥ threshold);
    E (对接活跃) = min(100, 25 × cases on this supply that reached 洽谈 (met_at set));
    O (成效) = min(100, 50 × cases on this supply at 签约/落地).
    """
    qs = (
        published_supplies()
        .filter(supply_type=SupplyType.TALENT)
        .select_related("organization", "chain")
        .annotate(
            matched=Count("matches__demand", filter=Q(matches__score__gte=match_threshold()), distinct=True),
            met=Count("cases", filter=Q(cases__met_at__isnull=False), distinct=True),
            signed=Count("cases", filter=Q(cases__stage__in=SIGNED_STAGES), distinct=True),
        )
    )
    rows = []
    for s in qs:
        d, e, o = capped(s.matched, 20), capped(s.met, 25), capped(s.signed, 50)
        rows.append(
            {
                "item": s,
                "score": round(0.4 * d + 0.3 * e + 0.3 * o, 1),
                "components": {"需求热度 D": d, "对接活跃 E": e, "成效 O": o},
                "facts": {"匹配需求数": s.matched, "洽谈项目数": s.met, "签约项目数": s.signed},
            }
        )
    rows.sort(key=lambda r: (-r["score"], r["item"].pk))
    return rows


def platform_evaluations():
    """平台评价 (PlatformItem) = 0.3 × C + 0.3 × S + 0.4 × O.

    C (产业覆盖) = min(100, 25 × chains it serves);
    S (供给活跃) = min(100, 10 × published supplies of its 依托单位);
    O (成效) = min(100, 50 × cases with its 依托单位 as supplier at 签约/落地).
    Without a 依托单位, S = O = 0.
    """
    items = list(PlatformItem.objects.select_related("organization").annotate(n_chains=Count("chains", distinct=True)))
    org_ids = [p.organization_id for p in items if p.organization_id]
    supplies = dict(
        published_supplies()
        .filter(organization_id__in=org_ids)
        .values("organization_id")
        .order_by()
        .annotate(n=Count("id"))
        .values_list("organization_id", "n")
    )
    signed = dict(
        Case.objects.filter(supply_org_id__in=org_ids, stage__in=SIGNED_STAGES)
        .values("supply_org_id")
        .order_by()
        .annotate(n=Count("id"))
        .values_list("supply_org_id", "n")
    )
    rows = []
    for p in items:
        n_s, n_o = supplies.get(p.organization_id, 0), signed.get(p.organization_id, 0)
        c, s, o = capped(p.n_chains, 25), capped(n_s, 10), capped(n_o, 50)
        rows.append(
            {
                "item": p,
                "score": round(0.3 * c + 0.3 * s + 0.4 * o, 1),
                "components": {"产业覆盖 C": c, "供给活跃 S": s, "成效 O": o},
                "facts": {"服务产业链数": p.n_chains, "发布供给数": n_s, "签约项目数": n_o},
            }
        )
    rows.sort(key=lambda r: (-r["score"], r["item"].pk))
    return rows
