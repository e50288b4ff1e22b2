"""Who sees and who may act on which 对接项目 (the rules services enforce and pages show).

| who                                                   | see        | log activity / upload | next action, reassign | move stage                                   |
|-------------------------------------------------------|------------|-----------------------|-----------------------|----------------------------------------------|
| anonymous                                             | login      | no                    | no                    | no                                           |
| member of an unrelated organisation                   | no (404)   | no                    | no                    | no                                           |
| member of the demand owner or of the supplying org    | own cases  | yes                   | no                    | one step forward within 推荐→意向→洽谈; 终止 |
| liaison staff covering the demand's region, or owner  | all cases  | yes                   | yes                   | any move, with the gates (backwards: note)   |
| liaison staff of other regions                        | all cases  | no (read only)        | no                    | no                                           |
| platform admin                                        | all cases  | yes                   | yes                   | any move, with the gates                     |

"Covering" is `accounts.selectors.user_acts_for_region(user, case.demand.region_id)` (a liaison's
responsible regions and everything below them). A liaison who owns the case (case.owner) acts on it
wherever it is. A new owner must be active liaison staff covering the case's region, or a platform
admin. A liaison who is also a member of a party organisation keeps that party's rights.
"""

from django.db.models import Q
from django.urls import reverse

from accounts.models import Membership, User
from accounts.selectors import is_liaison, is_platform_admin, user_acts_for_region, user_org_ids
from bidding import selectors as bidding_selectors
from bidding.models import Bid
from events.models import Meeting
from followups.models import Case

CASE_RELATED = (
    "demand",
    "demand__region",
    "demand__region__parent",
    "demand__chain",
    "demand__chain__parent",
    "demand__organization",
    "supply_org",
    "owner",
)


def cases_visible_to(user):
    qs = Case.objects.select_related(*CASE_RELATED)
    if is_liaison(user):
        return qs
    orgs = user_org_ids(user)
    if not orgs:
        return qs.none()
    return qs.filter(Q(demand__organization_id__in=orgs) | Q(supply_org_id__in=orgs))


def user_is_case_party(user, case):
    """Member of the demand's organisation or of the supplying organisation."""
    orgs = user_org_ids(user)
    return case.demand.organization_id in orgs or case.supply_org_id in orgs


def can_manage_case(user, case):
    """Staff rights on this case: any stage move, next action, owner, notes and documents.

    Platform admins everywhere; liaison staff when the demand's region is one they cover or the
    case is theirs (case.owner).
    """
    if is_platform_admin(user):
        return True
    if not is_liaison(user):
        return False
    return case.owner_id == user.pk or user_acts_for_region(user, case.demand.region_id)


def can_log_case_activity(user, case):
    """Add a 备注/电话/走访/文件 entry (and so upload a document): the parties and managing staff."""
    return can_manage_case(user, case) or user_is_case_party(user, case)


def case_region_name(case):
    """The place a liaison must cover to act on the case, for messages (城市, else the region)."""
    region = case.demand.region
    city = region.city
    return (city or region).name


def case_owner_candidates(case):
    """Who may own the case: active liaison staff covering its region, and platform admins.

    A liaison covers the case's region when one of their responsible regions is that region or one
    above it (a city covers its districts, a province its cities).
    """
    chain = []
    node = case.demand.region
    while node is not None:
        chain.append(node.pk)
        node = node.parent
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(platform_role=User.PlatformRole.ADMIN)
            | Q(platform_role=User.PlatformRole.LIAISON, responsible_regions__in=chain)
        )
        .distinct()
        .order_by("username")
    )


# --- what the case page shows ------------------------------------------------------------------


def origin_text(case):
    """来源 in plain words; origin_ref is for the code, never for the page."""
    if case.origin == Case.Origin.MATCH:
        score = _match_score(case)
        return f"智能匹配推荐（匹配度 {score:.0f}）" if score is not None else "智能匹配推荐"
    if case.origin == Case.Origin.EVENT:
        meeting = _origin_meeting(case)
        return f"对接会洽谈：{meeting.event.name}" if meeting else "对接会洽谈"
    if case.origin == Case.Origin.BID:
        return "意向书"
    return "人工登记"


def _match_score(case):
    if case.supply_id is None:
        return None
    return case.demand.matches.filter(supply_id=case.supply_id).values_list("score", flat=True).first()


def _origin_meeting(case):
    ref = str(case.origin_ref or "")
    if not ref.isdigit():
        return None
    return Meeting.objects.select_related("event").filter(pk=int(ref)).first()


def _org_admin_contact(org):
    membership = (
        Membership.objects.filter(
            organization=org, role=Membership.Role.ADMIN, status=Membership.Status.ACTIVE, user__is_active=True
        )
        .select_related("user")
        .order_by("id")
        .first()
    )
    if membership is None:
        return None
    user = membership.user
    return {"name": str(user), "phone": user.phone}


def case_contacts(case):
    """Both parties' contact persons: the demand's contact, the supply's (or the supplier's admin)."""
    demand = case.demand
    demand_contact = {"org": demand.organization.name, "name": demand.contact_name, "phone": demand.contact_phone}
    supply_contact = {"org": case.supply_org.name, "name": "", "phone": ""}
    if case.supply_id and case.supply.contact_name:
        supply_contact.update(name=case.supply.contact_name, phone=case.supply.contact_phone)
    else:
        admin = _org_admin_contact(case.supply_org)
        if admin:
            supply_contact.update(admin)
    return [("需求方", demand_contact), ("供给方", supply_contact)]


def may_see_case_contacts(user, case):
    """The parties and staff who read the case (the page itself is already limited by cases_visible_to)."""
    return is_liaison(user) or user_is_case_party(user, case)


def case_meetings(case):
    """对接会 1:1 meetings between the two organisations, with their events."""
    a, b = case.demand.organization_id, case.supply_org_id
    return list(
        Meeting.objects.filter(
            Q(pair__requester_org_id=a, pair__target_org_id=b) | Q(pair__requester_org_id=b, pair__target_org_id=a)
        )
        .select_related("event")
        .order_by("starts_at")
    )


def case_bids_link(user, case):
    """The demand's 意向书 page, only for a viewer who may read bids now (or reads their own bid)."""
    demand = case.demand
    if bidding_selectors.can_see_all_bids(user, demand):
        return reverse("bidding:demand_bids", args=[demand.pk])
    if bidding_selectors.own_bid(user, demand) is not None:
        return reverse("bidding:demand_bids", args=[demand.pk])
    return ""


def case_links(user, case):
    links = [("需求", case.demand.title, reverse("catalog:demand_detail", args=[case.demand_id]))]
    if case.supply_id:
        links.append(("供给", case.supply.title, reverse("catalog:supply_detail", args=[case.supply_id])))
    bids = case_bids_link(user, case)
    if bids:
        links.append(("意向书", "查看该需求的意向书", bids))
    return links


def case_bid(user, case):
    """The supplying organisation's bid on the demand, when `user` may read it now (else None).

    bidding.selectors decides: the bidder reads its own; the owner and covering staff only once the
    seal is off (never a sealed bid before the deadline).
    """
    return (
        bidding_selectors.bids_for_demand(user, case.demand)
        .filter(organization_id=case.supply_org_id)
        .exclude(status=Bid.Status.WITHDRAWN)
        .first()
    )
