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

from accounts.models import User
from accounts.selectors import is_liaison, is_platform_admin, user_acts_for_region, user_org_ids
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
