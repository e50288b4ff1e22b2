"""Reads of match lists, filtered by what the user may see and by the demand side's feedback."""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.selectors import is_liaison, user_org_ids
from catalog.selectors import demands_visible_to, supplies_visible_to
from matching.models import Match, MatchFeedback


def _not_irrelevant():
    return ~Exists(
        MatchFeedback.objects.filter(
            demand_id=OuterRef("demand_id"), supply_id=OuterRef("supply_id"), verdict=MatchFeedback.Verdict.IRRELEVANT
        )
    )


def _with_feedback(qs):
    verdict = MatchFeedback.objects.filter(demand_id=OuterRef("demand_id"), supply_id=OuterRef("supply_id")).values(
        "verdict"
    )[:1]
    return qs.annotate(feedback_verdict=verdict)


def matches_visible_to(user):
    """Match rows whose demand and supply the user may both see, minus pairs marked 不相关."""
    return _with_feedback(
        Match.objects.filter(
            demand__in=demands_visible_to(user).values("pk"), supply__in=supplies_visible_to(user).values("pk")
        )
        .filter(_not_irrelevant())
        .select_related(
            "demand",
            "demand__organization",
            "demand__chain",
            "demand__region",
            "supply",
            "supply__organization",
            "supply__chain",
            "supply__region",
        )
    )


def matches_for_demand(user, demand):
    """推荐供给 of a demand the user can see, best first."""
    return matches_visible_to(user).filter(demand=demand).order_by("rank")


def matches_for_supply(user, supply):
    """可对接需求 of a supply: the demands in whose lists it stands, by score."""
    return matches_visible_to(user).filter(supply=supply).order_by("-score", "rank", "demand_id")


def liaison_queue(user, *, days=30, min_score=None):
    """New high-score matches for demands in the regions this liaison officer is responsible for."""
    from django.conf import settings

    if not is_liaison(user):
        return Match.objects.none()
    min_score = settings.MATCHING_RECOMMEND_THRESHOLD if min_score is None else min_score
    qs = matches_visible_to(user).filter(
        score__gte=min_score,
        computed_at__gte=timezone.now() - timedelta(days=days),
        rank__lte=settings.MATCHING_RECOMMEND_TOP_N,
    )
    if not user.is_platform_admin:
        region_q = Q()
        regions = list(user.responsible_regions.all())
        if not regions:
            return Match.objects.none()
        for region in regions:
            # A city covers its districts; a province its cities and their districts.
            region_q |= (
                Q(demand__region=region) | Q(demand__region__parent=region) | Q(demand__region__parent__parent=region)
            )
        qs = qs.filter(region_q)
    return qs.exclude(feedback_verdict__isnull=False).order_by("-computed_at", "-score")


def export_rows(top):
    """Every demand's first `top` matches (command export; not user-facing)."""
    return (
        Match.objects.filter(rank__lte=top)
        .select_related("demand", "demand__demand_list", "supply", "supply__organization")
        .order_by("demand__demand_list__name", "demand_id", "rank")
        .iterator(chunk_size=2000)
    )


def user_can_give_feedback(user, demand):
    return is_liaison(user) or demand.organization_id in user_org_ids(user)
