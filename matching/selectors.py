"""Who may read which match lists, and the lists themselves.

The rule (issue #10, 匹配结果不公开):
- a demand's 推荐供给: the demand's organisation, liaison staff and platform admins;
- a supply's 可对接需求: the supply's organisation, liaison staff and platform admins;
- feedback (有价值/不相关/已联系) and everything it changes (the demand's adjusted list, its scores,
  the 反馈 part of the 得分构成): the demand's organisation, liaison staff covering the demand's
  region and platform admins — the same people who may give it.
Everyone else sees no match of a pair: 404 on the pages, no rows from the API.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Case, CharField, Exists, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from accounts.models import User
from accounts.selectors import is_liaison, is_platform_admin, liaison_region_ids, user_acts_for_region, user_org_ids
from catalog.models import Region
from catalog.selectors import demands_visible_to, supplies_visible_to
from followups.models import Case as FollowupCase
from matching import reasons
from matching.models import AdjustedMatch, Match, MatchFeedback

_NO_VERDICT = Value(None, output_field=CharField())

RELATED = (
    "demand",
    "demand__organization",
    "demand__chain__parent",
    "demand__region",
    "supply",
    "supply__organization",
    "supply__chain__parent",
    "supply__region",
)


# --- the rule ------------------------------------------------------------------------------------


def can_view_demand_matches(user, demand):
    """May `user` read this demand's 推荐供给?"""
    return is_liaison(user) or demand.organization_id in user_org_ids(user)


def can_view_supply_matches(user, supply):
    """May `user` read this supply's 可对接需求?"""
    return is_liaison(user) or supply.organization_id in user_org_ids(user)


def can_give_feedback(user, demand):
    """May `user` give feedback on this demand's matches — and see the feedback and its effects?"""
    return demand.organization_id in user_org_ids(user) or user_acts_for_region(user, demand.region_id)


def _feedback_demand_q(user, prefix="demand__"):
    """Q over rows with a demand: the demands whose feedback `user` may see (None: none at all)."""
    if is_platform_admin(user):
        return Q()
    q = None
    org_ids, region_ids = user_org_ids(user), liaison_region_ids(user)
    if org_ids:
        q = Q(**{f"{prefix}organization_id__in": org_ids})
    if region_ids:
        region_q = Q(**{f"{prefix}region_id__in": region_ids})
        q = region_q if q is None else q | region_q
    return q


def _pair_q(user):
    """Q over Match rows: pairs the user may read from the demand side or from the supply side."""
    if is_liaison(user):
        return Q()
    org_ids = user_org_ids(user)
    if not org_ids:
        return None
    return Q(demand__organization_id__in=org_ids) | Q(supply__organization_id__in=org_ids)


# --- reads -----------------------------------------------------------------------------------------


def _verdict():
    return MatchFeedback.objects.filter(demand_id=OuterRef("demand_id"), supply_id=OuterRef("supply_id")).values(
        "verdict"
    )[:1]


def _irrelevant():
    return Exists(
        MatchFeedback.objects.filter(
            demand_id=OuterRef("demand_id"), supply_id=OuterRef("supply_id"), verdict=MatchFeedback.Verdict.IRRELEVANT
        )
    )


def match_pairs_visible_to(user):
    """Match rows (the model's scores, untouched by feedback) the user may read: a pair is readable
    by its demand's organisation, its supply's organisation and liaison staff, when the user may
    also see both the demand and the supply."""
    pair_q = _pair_q(user)
    if pair_q is None:
        return Match.objects.none()
    return Match.objects.filter(
        pair_q,
        demand__in=demands_visible_to(user).values("pk"),
        supply__in=supplies_visible_to(user).values("pk"),
    )


def matches_visible_to(user):
    """match_pairs_visible_to, related rows loaded, with `feedback_verdict`: the verdict is filled
    in only where the user may see the demand's feedback, and only those users lose the pairs
    marked 不相关 (anyone else would learn of the verdict from the missing row)."""
    qs = match_pairs_visible_to(user).select_related(*RELATED)
    feedback_q = _feedback_demand_q(user)
    if feedback_q is None:
        return qs.annotate(feedback_verdict=_NO_VERDICT)
    if feedback_q == Q():
        return qs.exclude(_irrelevant()).annotate(feedback_verdict=Subquery(_verdict()))
    return qs.exclude(feedback_q & Q(_irrelevant())).annotate(
        feedback_verdict=Case(When(feedback_q, then=Subquery(_verdict())), default=_NO_VERDICT)
    )


def matches_for_demand(user, demand):
    """推荐供给 of a demand, best first, as `user` may read it (caller checked can_view_demand_matches).

    People who may see the demand's feedback get its own list (AdjustedMatch once the re-rank has
    run, else the model's list), without pairs marked 不相关 and with each pair's verdict; other
    liaison staff get the model's list without any trace of feedback.
    """
    visible_supplies = supplies_visible_to(user).values("pk")
    if not can_give_feedback(user, demand):
        return (
            Match.objects.filter(demand=demand, supply__in=visible_supplies)
            .select_related(*RELATED)
            .annotate(feedback_verdict=_NO_VERDICT)
            .order_by("rank")
        )
    model = AdjustedMatch if AdjustedMatch.objects.filter(demand=demand).exists() else Match
    return (
        model.objects.filter(demand=demand, supply__in=visible_supplies)
        .exclude(_irrelevant())
        .select_related(*RELATED)
        .annotate(feedback_verdict=Subquery(_verdict()))
        .order_by("rank")
    )


def matches_for_supply(user, supply):
    """可对接需求 of a supply (caller checked can_view_supply_matches): the demands in whose model
    list it stands, by the model's score. No feedback of any demand shows here."""
    return (
        Match.objects.filter(supply=supply, demand__in=demands_visible_to(user).values("pk"))
        .select_related(*RELATED)
        .order_by("-score", "rank", "demand_id")
    )


def hidden_for_demand(user, demand):
    """Supplies the demand side marked 不相关 (已隐藏), newest first — only for people who may give
    feedback (anyone else learns nothing of the verdicts)."""
    if not can_give_feedback(user, demand):
        return MatchFeedback.objects.none()
    return (
        MatchFeedback.objects.filter(
            demand=demand,
            verdict=MatchFeedback.Verdict.IRRELEVANT,
            supply__in=supplies_visible_to(user).values("pk"),
        )
        .select_related("supply", "supply__organization")
        .order_by("-updated_at", "-pk")
    )


def _region_and_below(region_id):
    return (
        Q(demand__region_id=region_id)
        | Q(demand__region__parent_id=region_id)
        | Q(demand__region__parent__parent_id=region_id)
    )


def queue_regions(user):
    """Cities and districts a liaison may filter the queue by (their covered regions; admins: all)."""
    qs = Region.objects.exclude(level=Region.Level.PROVINCE)
    if not is_platform_admin(user):
        qs = qs.filter(pk__in=liaison_region_ids(user))
    return qs.order_by("full_name")


QUEUE_BANDS = [name for _floor, name in reasons.BANDS]


def liaison_queue(user, *, chain_id=None, region_id=None, band=None, unhandled=False, days=30, min_score=None):
    """High-score matches of the last `days` days of demands in the regions this liaison covers
    (platform admins: everywhere), best score first, then newest. Pairs the demand side marked
    不相关 are left out. Each row has `case_id` (the pair's 对接项目, if any) and `feedback_verdict`.

    Filters: `chain_id` (the demand's 产业链 or one of its 环节), `region_id` (a region and everything
    below it, within the covered regions), `band` (a score band word, see reasons.BANDS),
    `unhandled` (only pairs without a case)."""
    if not is_liaison(user):
        return Match.objects.none()
    min_score = settings.MATCHING_RECOMMEND_THRESHOLD if min_score is None else min_score
    qs = Match.objects.filter(
        demand__in=demands_visible_to(user).values("pk"),
        supply__in=supplies_visible_to(user).values("pk"),
        score__gte=min_score,
        computed_at__gte=timezone.now() - timedelta(days=days),
        rank__lte=settings.MATCHING_RECOMMEND_TOP_N,
    )
    if not is_platform_admin(user):
        region_ids = liaison_region_ids(user)
        if not region_ids:
            return Match.objects.none()
        qs = qs.filter(demand__region_id__in=region_ids)
    if region_id:
        qs = qs.filter(_region_and_below(region_id))
    if chain_id:
        qs = qs.filter(Q(demand__chain_id=chain_id) | Q(demand__chain__parent_id=chain_id))
    if band:
        limits = reasons.band_range(band)
        if limits is not None:
            low, high = limits
            qs = qs.filter(score__gte=low)
            if high is not None:
                qs = qs.filter(score__lt=high)
    case = FollowupCase.objects.filter(
        demand_id=OuterRef("demand_id"), supply_org_id=OuterRef("supply__organization_id")
    )
    qs = qs.exclude(_irrelevant()).annotate(
        case_id=Subquery(case.values("pk")[:1]), feedback_verdict=Subquery(_verdict())
    )
    if unhandled:
        qs = qs.filter(case_id__isnull=True)
    return qs.select_related(*RELATED, "demand__region__parent__parent").order_by("-score", "-computed_at", "pk")


def colleagues_by_region(regions):
    """{region id: [liaison staff covering it (its own, its city's or its province's officers)]}
    for the given regions (parents loaded), in two queries whatever the number of regions."""
    staff = list(
        User.objects.filter(is_active=True, platform_role=User.PlatformRole.LIAISON, responsible_regions__isnull=False)
        .distinct()
        .prefetch_related("responsible_regions")
        .order_by("first_name", "username")
    )
    covers = {u.pk: {r.pk for r in u.responsible_regions.all()} for u in staff}
    out = {}
    for region in regions:
        if region is None or region.pk in out:
            continue
        chain, node = set(), region
        while node is not None:
            chain.add(node.pk)
            node = node.parent
        out[region.pk] = [u for u in staff if covers[u.pk] & chain]
    return out


def feedback_visible_to(user):
    """MatchFeedback rows the user may see (admin list): see `can_give_feedback`."""
    q = _feedback_demand_q(user)
    if q is None:
        return MatchFeedback.objects.none()
    return MatchFeedback.objects.filter(q)


def export_rows(top):
    """Every demand's first `top` matches (command export; not user-facing): the model's lists."""
    return (
        Match.objects.filter(rank__lte=top)
        .select_related("demand", "demand__demand_list", "supply", "supply__organization")
        .order_by("demand__demand_list__name", "demand_id", "rank")
        .iterator(chunk_size=2000)
    )


def case_for_pair(demand, supply):
    """The 对接项目 of a demand and the supply's organisation, if one exists."""
    return FollowupCase.objects.filter(demand=demand, supply_org_id=supply.organization_id).first()
