"""Reads for 对接会 that encode who may see and who may run what, and the match-based proposals.

Access matrix:

| who                                  | event list/detail | invitations            | pairs/meetings/agenda | manage (edit, 精准邀约, pair, schedule) |
|--------------------------------------|-------------------|------------------------|-----------------------|------------------------------------------|
| anonymous                            | published only    | no                     | no                    | no                                       |
| member of an invited/participant org | published only    | its own org's (answer) | its own org's         | no (its own registration and outcomes)   |
| member of an uninvited org           | published only    | no                     | no                    | no                                       |
| liaison staff managing the event     | all (drafts too)  | all, and send them     | all                   | yes                                      |
| other liaison staff                  | all (drafts too)  | all (read only)        | all (read only)       | no                                       |
| platform admin                       | all (drafts too)  | all, and send them     | all                   | yes, every event                         |

A liaison manages an event they created, or one whose 会前征集 demand lists include a list of an
organisation in a region they cover (`accounts.selectors.liaison_region_ids`); a joint event of
several cities is managed by each city's liaison. Any liaison may create an event (and so manage it).
Outcomes are recorded by the two organisations of a meeting, not by staff.

Participants of an event = owners of its attached demand lists (需求方) + organisations that
accepted their invitation (受邀供给方).
"""

from collections import defaultdict

from django.db.models import Count, Max, Q

from accounts.models import Organization
from accounts.selectors import is_liaison, is_platform_admin, liaison_region_ids, user_org_ids
from catalog.models import Demand
from events.models import Event, Invitation, Meeting, MeetingRequest
from matching import reasons

PROPOSAL_REASONS = 3


def is_event_staff(user):
    """Liaison staff and platform admins: read every event's staff pages and create events."""
    return is_liaison(user)


def can_manage_event(user, event):
    """May `user` edit the event, invite (精准邀约), pair participants and run the schedule?"""
    if is_platform_admin(user):
        return True
    if not is_liaison(user):
        return False
    if event.created_by_id is not None and event.created_by_id == user.pk:
        return True
    cache = event.__dict__.setdefault("_managed_by_cache", {})
    if user.pk not in cache:
        cache[user.pk] = event.demand_lists.filter(organization__region_id__in=liaison_region_ids(user)).exists()
    return cache[user.pk]


def events_managed_by(user):
    """The events `user` may manage (the queryset form of can_manage_event), e.g. to invite into."""
    qs = Event.objects.all()
    if is_platform_admin(user):
        return qs
    if not is_liaison(user):
        return qs.none()
    return qs.filter(
        Q(created_by=user) | Q(demand_lists__organization__region_id__in=liaison_region_ids(user))
    ).distinct()


def events_visible_to(user):
    qs = Event.objects.all()
    if is_event_staff(user):
        return qs
    return qs.exclude(status=Event.Status.DRAFT)


def event_list_for(user):
    return (
        events_visible_to(user)
        .prefetch_related("chains")
        .annotate(
            invitation_count=Count(
                "invitations", filter=Q(invitations__status=Invitation.Status.ACCEPTED), distinct=True
            ),
        )
    )


def event_demands(event):
    """The event's demands (会前征集), closed ones left out."""
    return (
        Demand.objects.filter(demand_list__events=event)
        .exclude(status=Demand.Status.CLOSED)
        .select_related("organization", "chain", "region")
    )


def event_demand_org_ids(event):
    return set(event.demand_lists.values_list("organization_id", flat=True))


def event_participant_org_ids(event):
    accepted = Invitation.objects.filter(event=event, status=Invitation.Status.ACCEPTED).values_list(
        "organization_id", flat=True
    )
    return event_demand_org_ids(event) | set(accepted)


def event_participants(event):
    return (
        Organization.objects.filter(pk__in=event_participant_org_ids(event)).select_related("region").order_by("name")
    )


def user_event_org_ids(user, event):
    """The user's organisations that take part in the event or were invited to it."""
    mine = user_org_ids(user)
    if not mine:
        return set()
    invited = set(
        Invitation.objects.filter(event=event, organization_id__in=mine).values_list("organization_id", flat=True)
    )
    return (event_demand_org_ids(event) & mine) | invited


def user_participant_org_ids(user, event):
    return user_org_ids(user) & event_participant_org_ids(event)


def invitations_visible_to(user):
    qs = Invitation.objects.select_related("event", "organization", "organization__region")
    if is_event_staff(user):
        return qs
    return qs.filter(organization_id__in=user_org_ids(user)).exclude(event__status=Event.Status.DRAFT)


def pairs_visible_to(user):
    qs = MeetingRequest.objects.select_related("event", "requester_org", "target_org", "demand", "supply")
    if is_event_staff(user):
        return qs
    mine = user_org_ids(user)
    return qs.filter(Q(requester_org_id__in=mine) | Q(target_org_id__in=mine))


def meetings_visible_to(user):
    qs = Meeting.objects.select_related(
        "event", "pair", "pair__requester_org", "pair__target_org", "pair__demand", "pair__supply"
    )
    if is_event_staff(user):
        return qs
    mine = user_org_ids(user)
    return qs.filter(Q(pair__requester_org_id__in=mine) | Q(pair__target_org_id__in=mine))


def org_meetings(event, org_id):
    return (
        Meeting.objects.filter(event=event)
        .filter(Q(pair__requester_org_id=org_id) | Q(pair__target_org_id=org_id))
        .select_related("pair", "pair__requester_org", "pair__target_org", "pair__demand", "pair__supply")
        .prefetch_related("outcomes")
        .order_by("starts_at", "table_no")
    )


# --- match explanations ---------------------------------------------------------------------------


def match_reasons(match, limit=PROPOSAL_REASONS):
    """Plain reasons of one match (strength word, what fits, what does not) from matching.reasons —
    never the engine's raw explanation words (标准差, ≈, score parts)."""
    r = reasons.for_match(match)
    return ([r.strength] + r.fits + r.misfits)[:limit]


def _match_model():
    from matching.models import Match

    return Match


def _event_matches(event):
    """Matches of the event's demands with active supplies of verified organisations."""
    from catalog.models import Supply

    return _match_model().objects.filter(
        demand__in=event_demands(event),
        supply__status=Supply.Status.ACTIVE,
        supply__organization__is_verified=True,
    )


def invitation_proposals(event, *, limit=30):
    """Supply organisations to invite, best first, aggregated over the event's demands.

    Each row: organization, best_score, demand_count (demands it matches), reasons (from its top
    matches), best_demand (title of its best-matching demand). Organisations already invited and
    the event's demand-side organisations are left out.
    """
    excluded = set(event.invitations.values_list("organization_id", flat=True)) | event_demand_org_ids(event)
    matches = _event_matches(event).exclude(supply__organization_id__in=excluded)
    rows = list(
        matches.values("supply__organization_id")
        .annotate(best_score=Max("score"), demand_count=Count("demand", distinct=True), match_count=Count("id"))
        .order_by("-best_score", "-demand_count", "supply__organization_id")[:limit]
    )
    org_ids = [row["supply__organization_id"] for row in rows]
    orgs = Organization.objects.in_bulk(org_ids)
    top = defaultdict(list)
    for match in (
        matches.filter(supply__organization_id__in=org_ids)
        .select_related("demand__chain__parent", "supply__chain__parent")
        .order_by("-score", "id")
    ):
        bucket = top[match.supply.organization_id]
        if len(bucket) < PROPOSAL_REASONS:
            bucket.append(match)
    proposals = []
    for row in rows:
        org_id = row["supply__organization_id"]
        best = top[org_id]
        lines = []
        for match in best:
            for reason in match_reasons(match):
                if reason not in lines:
                    lines.append(reason)
        proposals.append(
            {
                "organization": orgs[org_id],
                "best_score": round(row["best_score"], 1),
                "demand_count": row["demand_count"],
                "match_count": row["match_count"],
                "best_demand": best[0].demand.title if best else "",
                "best_supply": best[0].supply.title if best else "",
                "top_matches": [
                    {"demand": m.demand.title, "supply": m.supply.title, "score": round(m.score, 1)} for m in best
                ],
                "reasons": lines[:PROPOSAL_REASONS],
            }
        )
    return proposals


def best_match_between(event, org_a_id, org_b_id):
    """Best match of one org's event demand with the other org's supply (either direction), or None."""
    return (
        _event_matches(event)
        .filter(
            Q(demand__organization_id=org_a_id, supply__organization_id=org_b_id)
            | Q(demand__organization_id=org_b_id, supply__organization_id=org_a_id)
        )
        .select_related("demand", "supply")
        .order_by("-score", "id")
        .first()
    )


def pair_suggestions(event, *, limit=30):
    """Top matches between the event's demand-side orgs and accepted supply orgs not yet paired.

    One row per organisation pair (its best match), best first — for staff to add as 1:1 pairs.
    """
    accepted = set(
        Invitation.objects.filter(event=event, status=Invitation.Status.ACCEPTED).values_list(
            "organization_id", flat=True
        )
    )
    if not accepted:
        return []
    paired = set()
    for a, b in (
        MeetingRequest.objects.filter(event=event)
        .exclude(status=MeetingRequest.Status.DECLINED)
        .values_list("requester_org_id", "target_org_id")
    ):
        paired.add(frozenset((a, b)))
    seen = set()
    suggestions = []
    matches = (
        _event_matches(event)
        .filter(supply__organization_id__in=accepted)
        .select_related("demand", "demand__organization", "supply", "supply__organization")
        .order_by("-score", "id")
    )
    for match in matches.iterator(chunk_size=500):
        key = frozenset((match.demand.organization_id, match.supply.organization_id))
        if len(key) < 2 or key in paired or key in seen:
            continue
        seen.add(key)
        suggestions.append(match)
        if len(suggestions) >= limit:
            break
    return suggestions


def counterpart_scores(event, org_id):
    """Best match score between `org_id` and each other participant, in either direction.

    Returns {other_org_id: (score, demand title)} — used to rank whom to ask for a 1:1 meeting.
    """
    participants = event_participant_org_ids(event) - {org_id}
    try:
        matches = _event_matches(event)
    except ImportError:
        return {}
    rows = (
        matches.filter(
            Q(demand__organization_id=org_id, supply__organization_id__in=participants)
            | Q(supply__organization_id=org_id, demand__organization_id__in=participants)
        )
        .order_by("-score", "id")
        .values_list("demand__organization_id", "supply__organization_id", "score", "demand__title")
    )
    best = {}
    for demand_org, supply_org, score, title in rows[:2000]:
        other = supply_org if demand_org == org_id else demand_org
        if other not in best:
            best[other] = (round(score, 1), title)
    return best


def schedule_sentence(report):
    """The last schedule run in plain words for the meetings page and the run's message: how many
    meetings, that none clash, whether the best arrangement was found — no solver names or raw totals."""
    if not report:
        return ""
    scheduled = int(report.get("scheduled") or 0)
    requested = int(report.get("requested") or 0)
    seconds = float(report.get("seconds") or 0)
    took = "用时不到 1 秒" if seconds < 1 else f"用时约 {round(seconds)} 秒"
    if report.get("status") == "OPTIMAL":
        text = f"已排 {scheduled} 场洽谈，均无时间冲突（已找到最优安排，{took}）"
    else:
        text = f"已排 {scheduled} 场，在时限内找到的较好安排，均无时间冲突（{took}）"
    if requested > scheduled:
        text += f"；{requested - scheduled} 对未能排入"
    average = round(float(report.get("score_total") or 0) / scheduled) if scheduled else 0
    if average > 0:  # pairs arranged without a match have no score: say nothing rather than 0
        text += f"；平均匹配度 {average}"
    return text + "。"
