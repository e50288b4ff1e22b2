"""Reads of demands and supplies that encode who may see and do what.

Permission matrix (objects = 需求清单/需求, 供给菜单/供给):

| who                              | view published | view drafts | contacts | edit | close | delete |
|----------------------------------|----------------|-------------|----------|------|-------|--------|
| anonymous                        | yes            | no          | no       | no   | no    | no     |
| member of another unverified org | yes            | no          | no       | no   | no    | no     |
| member of another verified org   | yes            | no          | yes      | no   | no    | no     |
| member of the owning org         | yes            | yes         | yes      | yes  | yes   | no     |
| admin of the owning org          | yes            | yes         | yes      | yes  | yes   | yes    |
| liaison staff (对接专员)           | yes            | yes         | yes      | no   | yes   | no     |
| platform admin                   | yes            | yes         | yes      | yes  | yes   | yes    |

"Published" = the list/menu is not a draft and the owning organisation is verified.
"""

from django.db.models import Q

from accounts.selectors import (
    is_liaison,
    is_platform_admin,
    user_is_org_admin,
    user_is_verified_member,
    user_org_ids,
)
from catalog.models import Demand, DemandList, Supply, SupplyMenu

DEMAND_RELATED = ("organization", "region", "chain", "demand_list")
SUPPLY_RELATED = ("organization", "region", "chain", "menu")


def _published_demand_q(prefix=""):
    return Q(**{f"{prefix}organization__is_verified": True}) & ~Q(
        **{f"{prefix}demand_list__status": DemandList.Status.DRAFT}
    )


def _published_supply_q(prefix=""):
    return Q(**{f"{prefix}organization__is_verified": True}) & Q(
        **{f"{prefix}menu__status": SupplyMenu.Status.PUBLISHED}
    )


def demands_visible_to(user):
    qs = Demand.objects.select_related(*DEMAND_RELATED)
    if is_liaison(user):
        return qs
    return qs.filter(_published_demand_q() | Q(organization_id__in=user_org_ids(user)))


def supplies_visible_to(user):
    qs = Supply.objects.select_related(*SUPPLY_RELATED)
    if is_liaison(user):
        return qs
    return qs.filter(_published_supply_q() | Q(organization_id__in=user_org_ids(user)))


def demand_lists_visible_to(user):
    qs = DemandList.objects.select_related("organization", "organization__region")
    if is_liaison(user):
        return qs
    return qs.filter(
        (Q(organization__is_verified=True) & ~Q(status=DemandList.Status.DRAFT))
        | Q(organization_id__in=user_org_ids(user))
    )


def supply_menus_visible_to(user):
    qs = SupplyMenu.objects.select_related("organization", "organization__region")
    if is_liaison(user):
        return qs
    return qs.filter(
        (Q(organization__is_verified=True) & Q(status=SupplyMenu.Status.PUBLISHED))
        | Q(organization_id__in=user_org_ids(user))
    )


def published_demands():
    """Demands open to everyone (also what the matching engine ranks against)."""
    return Demand.objects.filter(_published_demand_q())


def published_supplies():
    return Supply.objects.filter(_published_supply_q())


# --- object-level rights ---------------------------------------------------------------------
# `obj` is any catalog object with an `organization_id` (list, demand, menu, supply).


def can_view_contacts(user, obj):
    return is_liaison(user) or obj.organization_id in user_org_ids(user) or user_is_verified_member(user)


def can_edit(user, obj):
    return is_platform_admin(user) or obj.organization_id in user_org_ids(user)


def can_close(user, obj):
    return is_liaison(user) or obj.organization_id in user_org_ids(user)


def can_delete(user, obj):
    return is_platform_admin(user) or user_is_org_admin(user, obj.organization_id)
