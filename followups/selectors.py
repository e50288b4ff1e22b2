"""Who sees which 对接项目.

| who                                            | see        | log activity | move stage                                   |
|------------------------------------------------|------------|--------------|----------------------------------------------|
| anonymous / member of an unrelated org         | no (404)   | no           | no                                           |
| member of the demand owner or supplying org    | own cases  | yes          | one step forward within 推荐→意向→洽谈; 终止 |
| liaison staff (对接专员), platform admin        | all cases  | yes          | any move, with the gates (backwards: note)   |
"""

from django.db.models import Q

from accounts.selectors import is_liaison, user_org_ids
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


def can_manage_case(user, case):
    """Staff-only edits: owner, next action, any stage move."""
    return is_liaison(user)
