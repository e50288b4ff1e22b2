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

from accounts.selectors import is_liaison, is_platform_admin, user_active_membership, user_org_ids
from catalog.models import DemandType, IndustryChain, Region
from catalog.selectors import published_demands
from followups.models import Case
from reports.models import AchievementItem, InvestorItem, PlatformItem, PolicyItem, TalentItem

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


def _by_chain(qs, amount_field=None):
    annotations = {"n": Count("id")}
    if amount_field:
        annotations["amount"] = Coalesce(Sum(amount_field), ZERO)
    return {
        row["chain_key"]: row
        for row in qs.annotate(chain_key=chain_expr()).values("chain_key").order_by().annotate(**annotations)
    }


def talent_map():
    """人才图谱: per chain, #人才 records (on the chain or its 环节) and #published 人才引进 demands."""
    supplies = _by_chain(TalentItem.objects.all())
    demands = _by_chain(published_demands().filter(demand_type=DemandType.TALENT))
    rows = []
    for chain in _chains():
        s, d = supplies.get(chain.pk, {}).get("n", 0), demands.get(chain.pk, {}).get("n", 0)
        if s or d:
            rows.append({"chain": chain.pk, "chain_name": chain.name, "supplies": s, "demands": d})
    return {"rows": rows}


TRL_BANDS = [("原理与概念（1–3 级）", 1, 3), ("实验室与中试（4–6 级）", 4, 6), ("工程化与产业化（7–9 级）", 7, 9)]


def technology_map():
    """技术图谱: per chain, #科技成果 records by 技术就绪水平 band (1–3, 4–6, 7–9)."""
    rows_qs = (
        AchievementItem.objects.annotate(chain_key=chain_expr())
        .values("chain_key", "trl")
        .order_by()
        .annotate(n=Count("id"))
    )
    cells = defaultdict(int)
    for row in rows_qs:
        band = next(i for i, (_, lo, hi) in enumerate(TRL_BANDS) if lo <= row["trl"] <= hi)
        cells[(row["chain_key"], band)] += row["n"]
    rows = []
    for chain in _chains():
        counts = [cells.get((chain.pk, i), 0) for i in range(len(TRL_BANDS))]
        if any(counts):
            rows.append({"chain": chain.pk, "chain_name": chain.name, "counts": counts, "total": sum(counts)})
    return {"levels": [label for label, _, _ in TRL_BANDS], "rows": rows}


def capital_map():
    """资本图谱: per chain, #资本 records focusing on it (or its 环节) with Σ 单笔投资上限 (万元), and
    #published 投融资 demands with Σ budget_wan."""
    through = InvestorItem.chains.through
    supply_rows = (
        through.objects.annotate(chain_key=Coalesce(F("industrychain__parent_id"), F("industrychain_id")))
        .values("chain_key")
        .order_by()
        .annotate(n=Count("investoritem_id", distinct=True), amount=Coalesce(Sum("investoritem__ticket_max_wan"), ZERO))
    )
    supplies = {row["chain_key"]: row for row in supply_rows}
    demands = _by_chain(published_demands().filter(demand_type=DemandType.FINANCE), "budget_wan")
    rows = []
    for chain in _chains():
        s, d = supplies.get(chain.pk, {}), demands.get(chain.pk, {})
        if s or d:
            rows.append(
                {
                    "chain": chain.pk,
                    "chain_name": chain.name,
                    "supplies": s.get("n", 0),
                    "supply_amount": s.get("amount", Decimal("0")),
                    "demands": d.get("n", 0),
                    "demand_amount": d.get("amount", Decimal("0")),
                }
            )
    return {"rows": rows}


MAP_LIST_LIMIT = 100


def policy_map():
    """政策图谱: #policies per related chain (a 环节 counts for its chain; 未分类 if none) and the
    newest MAP_LIST_LIMIT policies (the directory lists them all)."""
    through = PolicyItem.chains.through
    per_chain = (
        through.objects.annotate(chain_key=Coalesce(F("industrychain__parent_id"), F("industrychain_id")))
        .values("chain_key")
        .order_by()
        .annotate(n=Count("policyitem_id", distinct=True))
    )
    names = _names(IndustryChain, [row["chain_key"] for row in per_chain])
    counts = {names.get(row["chain_key"], "未分类"): row["n"] for row in per_chain}
    unclassified = PolicyItem.objects.filter(chains__isnull=True).count()
    if unclassified:
        counts["未分类"] = counts.get("未分类", 0) + unclassified
    items = list(
        PolicyItem.objects.select_related("region")
        .prefetch_related("chains")
        .order_by("-published_on", "-id")[:MAP_LIST_LIMIT]
    )
    return {
        "items": items,
        "total": PolicyItem.objects.count(),
        "rows": [{"name": k, "count": v} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))],
    }


def platform_map():
    """平台图谱: #platforms per type and the first MAP_LIST_LIMIT platforms by name."""
    labels = dict(PlatformItem.Kind.choices)
    per_kind = PlatformItem.objects.values("kind").order_by().annotate(n=Count("id"))
    counts = {labels.get(row["kind"], row["kind"]): row["n"] for row in per_kind}
    items = list(
        PlatformItem.objects.select_related("region", "organization").prefetch_related("chains")[:MAP_LIST_LIMIT]
    )
    return {
        "items": items,
        "total": sum(counts.values()),
        "rows": [{"name": k, "count": v} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))],
    }


# --- 四评价 -----------------------------------------------------------------------------------

PROGRESS_POINTS = {
    Case.Stage.RECOMMENDED: 0,
    Case.Stage.INTENT: 25,
    Case.Stage.NEGOTIATING: 50,
    Case.Stage.SIGNED: 75,
    Case.Stage.LANDED: 100,
    Case.Stage.TERMINATED: 0,
}


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


def capped(count, per_item):
    """min(100, per_item × count): a count turned into 0–100 points."""
    return float(min(100, per_item * count))


# --- resource directories (人才、科技成果、资本、政策、平台) ---------------------------------


def acting_org(user):
    membership = user_active_membership(user)
    return membership.organization if membership else None


def can_create(user, directory):
    """Org-owned kinds: a member of an organisation (for it) or a platform admin; staff kinds: staff."""
    if not getattr(user, "is_authenticated", False):
        return False
    if directory.org_owned:
        return is_platform_admin(user) or acting_org(user) is not None
    return is_liaison(user)


def can_edit(user, directory, item):
    """Org-owned records: members of the owning organisation and platform admins (liaison staff
    never edit an organisation's content). 政策/平台: staff, and members of a platform's 依托单位."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_platform_admin(user):
        return True
    org_id = getattr(item, "organization_id", None)
    if org_id and org_id in user_org_ids(user):
        return True
    return not directory.org_owned and is_liaison(user)


def can_view_contacts(user, directory, item):
    if not directory.has_contacts:
        return False
    return item.is_contact_public or is_liaison(user) or can_edit(user, directory, item)


def chain_ids_under(chain_id):
    """The chain itself and, for a top-level 产业链, all its 环节."""
    ids = [chain_id]
    ids += list(IndustryChain.objects.filter(parent_id=chain_id).values_list("id", flat=True))
    return ids


def directory_items(directory, *, chain_id=None, q=""):
    """The records of a directory a list page and its export show (reads are public)."""
    qs = directory.model.objects.all()
    rel = ["organization"] if directory.key != "policy" else []
    if directory.key in ("talent", "achievement"):
        rel += ["chain", "chain__parent"]
    if directory.key in ("policy", "platform"):
        rel.append("region")
    qs = qs.select_related(*rel)
    if "chains" in directory.m2m:
        qs = qs.prefetch_related("chains")
    if chain_id:
        ids = chain_ids_under(chain_id)
        if "chains" in directory.m2m:
            qs = qs.filter(chains__in=ids).distinct()
        else:
            qs = qs.filter(chain_id__in=ids)
    if q:
        cond = Q()
        for name in directory.search_fields:
            cond |= Q(**{f"{name}__icontains": q})
        qs = qs.filter(cond)
    return qs
