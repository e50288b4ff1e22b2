"""四评价 as indicator systems: for 项目、成果、人才、平台 an indicator tree with weights staff can
adjust (versioned WeightSet rows, audited), inputs from data where the platform has it and from a
reviewer's form where it does not (ReviewScore), and score = Σ wᵢ·xᵢ ÷ Σ wᵢ (0–100).
"""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from accounts.selectors import is_liaison
from followups.models import Case
from reports import chains as chain_maps
from reports.models import AchievementItem, PlatformItem, ReviewScore, TalentItem, WeightSet, Willingness
from reports.selectors import (
    PROGRESS_POINTS,
    SIGNED_STAGES,
    _project_cases,
    amount_points,
    capped,
    chain_ids_under,
    timeliness_points,
)

DATA, REVIEW, REVIEW_OR_DATA = "data", "review", "review_or_data"


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    rule: str  # how the value is obtained, shown on the page
    source: str
    weight: float  # default weight


INDICATORS = {
    "project": [
        Indicator("gap_fit", "补链契合", "需求所在环节为断链 100、弱链 70、已覆盖 40；需求未细分到环节 20", DATA, 30),
        Indicator(
            "investment",
            "投资规模",
            "min(100, 25 × log10(1 + 金额万元))：落地项目取投资额，签约项目取签约金额，其余取需求预算",
            DATA,
            25,
        ),
        Indicator("progress", "推进进展", "推荐 0、意向 25、洽谈 50、签约 75、落地 100、终止 0", DATA, 30),
        Indicator(
            "risk",
            "风险可控",
            "评审打分；未评审时按及时性：落地 100、终止 0、30 天无进展 0，否则 100 − 5 × 下一步逾期天数",
            REVIEW_OR_DATA,
            15,
        ),
    ],
    "achievement": [
        Indicator("trl", "技术成熟度", "技术就绪水平（GB/T 22900）÷ 9 × 100", DATA, 30),
        Indicator("ip", "知识产权", "min(100, 25 × 专利数)", DATA, 20),
        Indicator("team", "团队实力", "评审打分", REVIEW, 15),
        Indicator("market", "市场契合", "min(100, 20 × 所在环节已发布的山东需求数)", DATA, 20),
        Indicator("transfer", "转化就绪", "已定转化方式 50 + 有参考价格 30 + 联系方式公开 20", DATA, 15),
    ],
    "talent": [
        Indicator("level", "人才层次", "评审打分", REVIEW, 30),
        Indicator("fit", "需求契合", "min(100, 20 × 所在环节已发布的山东需求数)", DATA, 30),
        Indicator("record", "合作记录", "min(100, 25 × 已洽谈项目数 + 50 × 已签约或落地项目数)", DATA, 25),
        Indicator("willing", "合作意愿", "全职引进 100、项目合作 70、兼职 50", DATA, 15),
    ],
    "platform": [
        Indicator("services", "服务能力", "评审打分（服务内容、设备与服务量）", REVIEW, 25),
        Indicator("cases", "支撑案例", "min(100, 50 × 依托单位作为供给方已签约或落地的项目数)", DATA, 30),
        Indicator("utilisation", "设施利用率", "评审打分", REVIEW, 25),
        Indicator("coverage", "产业覆盖", "min(100, 25 × 服务的产业链数)", DATA, 20),
    ],
}
LABELS = {"project": "项目评价", "achievement": "成果评价", "talent": "人才评价", "platform": "平台评价"}
GAP_FIT_POINTS = {"gap": 100, "weak": 70, "covered": 40, "idle": 40}
WILLINGNESS_POINTS = {Willingness.FULL_TIME: 100, Willingness.COOPERATION: 70, Willingness.PART_TIME: 50}


def can_manage(user):
    return is_liaison(user)


def indicator_keys(kind):
    return [i.key for i in INDICATORS[kind]]


def review_indicator_keys(kind):
    return [i.key for i in INDICATORS[kind] if i.source in (REVIEW, REVIEW_OR_DATA)]


def current_weight_set(kind):
    return WeightSet.objects.filter(kind=kind).select_related("created_by").order_by("-created_at", "-id").first()


def current_weights(kind, weight_set=None):
    stored = (weight_set.weights if weight_set else None) or {}
    return {i.key: float(stored.get(i.key, i.weight)) for i in INDICATORS[kind]}


def combine(values, weights):
    """score = Σ wᵢ·xᵢ ÷ Σ wᵢ, rounded to 0.1."""
    total = sum(weights.values())
    if not total:
        return 0.0
    return round(sum(weights[k] * values.get(k, 0.0) for k in weights) / total, 1)


def latest_reviews(kind, object_ids=None):
    """{(object_id, indicator): ReviewScore} — the newest score of each indicator."""
    qs = ReviewScore.objects.filter(kind=kind).select_related("reviewer").order_by("-created_at", "-id")
    if object_ids is not None:
        qs = qs.filter(object_id__in=object_ids)
    out = {}
    for r in qs:
        out.setdefault((r.object_id, r.indicator), r)
    return out


def _inputs(kind, objects):
    """{object pk: {indicator: value}} for the data-sourced indicators."""
    values = {}
    if kind == "achievement":
        counts = chain_maps.chain_counts()
        for a in objects:
            transfer = (50 if a.transfer_mode else 0) + (30 if a.price_wan is not None else 0)
            transfer += 20 if a.is_contact_public else 0
            values[a.pk] = {
                "trl": round(a.trl / 9 * 100, 1),
                "ip": capped(len(a.patent_numbers), 25),
                "market": capped(counts[a.chain_id]["demands"], 20) if a.chain_id in counts else 0.0,
                "transfer": float(transfer),
            }
    elif kind == "talent":
        counts = chain_maps.chain_counts()
        supply_ids = [t.supply_id for t in objects if t.supply_id]
        record = {
            row["supply_id"]: row
            for row in Case.objects.filter(supply_id__in=supply_ids)
            .values("supply_id")
            .order_by()
            .annotate(
                met=Count("id", filter=Q(met_at__isnull=False)), signed=Count("id", filter=Q(stage__in=SIGNED_STAGES))
            )
        }
        for t in objects:
            r = record.get(t.supply_id, {"met": 0, "signed": 0})
            values[t.pk] = {
                "fit": capped(counts[t.chain_id]["demands"], 20) if t.chain_id in counts else 0.0,
                "record": float(min(100, 25 * r["met"] + 50 * r["signed"])),
                "willing": float(WILLINGNESS_POINTS.get(t.willingness, 0)),
            }
    elif kind == "platform":
        org_ids = [p.organization_id for p in objects if p.organization_id]
        signed = dict(
            Case.objects.filter(supply_org_id__in=org_ids, stage__in=SIGNED_STAGES)
            .values("supply_org_id")
            .order_by()
            .annotate(n=Count("id"))
            .values_list("supply_org_id", "n")
        )
        for p in objects:
            values[p.pk] = {
                "cases": capped(signed.get(p.organization_id, 0), 50),
                "coverage": capped(p.n_chains, 25),
            }
    else:  # project
        counts = chain_maps.chain_counts()
        today = timezone.localdate()
        for c in objects:
            demand = c.demand
            if demand.chain.parent_id is None:
                gap_fit = 20.0
            else:
                gap_fit = float(GAP_FIT_POINTS[chain_maps.segment_status(counts[demand.chain_id])])
            if c.stage == Case.Stage.LANDED:
                amount = c.investment_amount_wan
            elif c.stage in SIGNED_STAGES:
                amount = c.contract_amount_wan
            else:
                amount = demand.budget_wan
            values[c.pk] = {
                "gap_fit": gap_fit,
                "investment": amount_points(amount),
                "progress": float(PROGRESS_POINTS[Case.Stage(c.stage)]),
                "risk": timeliness_points(c, today),
            }
    return values


def objects_for(kind, *, chain_id=None, pk=None):
    if kind == "achievement":
        qs = AchievementItem.objects.select_related("organization", "chain")
    elif kind == "talent":
        qs = TalentItem.objects.select_related("organization", "chain")
    elif kind == "platform":
        qs = PlatformItem.objects.select_related("organization").annotate(n_chains=Count("chains", distinct=True))
    else:
        qs = _project_cases().select_related("demand", "demand__chain", "demand__organization", "supply_org")
    if pk is not None:
        qs = qs.filter(pk=pk)
    if chain_id:
        ids = chain_ids_under(chain_id)
        if kind == "platform":
            qs = qs.filter(chains__in=ids)
        elif kind == "project":
            qs = qs.filter(demand__chain_id__in=ids)
        else:
            qs = qs.filter(chain_id__in=ids)
    return list(qs)


def evaluate(kind, objects, weights, reviews):
    """Rows {item, score, values, sources} for `objects`, best first."""
    data = _inputs(kind, objects)
    rows = []
    for obj in objects:
        values, sources = {}, {}
        for ind in INDICATORS[kind]:
            review = reviews.get((obj.pk, ind.key))
            if review is not None and ind.source in (REVIEW, REVIEW_OR_DATA):
                values[ind.key] = float(review.score)
                who = str(review.reviewer) if review.reviewer else "—"
                sources[ind.key] = f"评审：{who}，{timezone.localtime(review.created_at):%Y年%m月%d日}"
            elif ind.source == REVIEW:
                values[ind.key] = 0.0
                sources[ind.key] = "待评审"
            else:
                values[ind.key] = data[obj.pk][ind.key]
                sources[ind.key] = "平台数据"
        rows.append({"item": obj, "score": combine(values, weights), "values": values, "sources": sources})
    rows.sort(key=lambda r: (-r["score"], r["item"].pk))
    return rows


def ranked(kind, *, chain_id=None):
    weight_set = current_weight_set(kind)
    weights = current_weights(kind, weight_set)
    objects = objects_for(kind, chain_id=chain_id)
    rows = evaluate(kind, objects, weights, latest_reviews(kind))
    return {"rows": rows, "weights": weights, "weight_set": weight_set, "indicators": INDICATORS[kind]}
