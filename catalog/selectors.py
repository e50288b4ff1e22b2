"""Reads of demands and supplies that encode who may see and do what.

Permission matrix (objects = 需求清单/需求, 供给菜单/供给):

| who                              | view published | view drafts          | contacts | edit | close                | delete |
|----------------------------------|----------------|----------------------|----------|------|----------------------|--------|
| anonymous                        | yes            | no                   | no       | no   | no                   | no     |
| member of another unverified org | yes            | no                   | no       | no   | no                   | no     |
| member of another verified org   | yes            | no                   | yes      | no   | no                   | no     |
| member of the owning org         | yes            | yes                  | yes      | yes  | yes                  | no     |
| admin of the owning org          | yes            | yes                  | yes      | yes  | yes                  | drafts |
| liaison staff (对接专员)           | yes            | orgs in their region | yes      | no   | in their region only | no     |
| platform admin                   | yes            | yes                  | yes      | yes  | yes                  | drafts |

"Published" = the list/menu is not a draft and the owning organisation is verified. A liaison's
region (accounts.selectors.user_acts_for_region) is the item's region (demand.region_id,
supply.region_id), for a list/menu its organisation's region; drafts are those of organisations
in their covered regions. Liaison staff never edit, on any path (form, API, admin, import).
"Delete: drafts" — a published demand is never deleted (catalog.services: close it instead).
"""

from django.db.models import Q

from accounts.selectors import (
    is_liaison,
    is_platform_admin,
    liaison_region_ids,
    user_active_membership,
    user_acts_for_region,
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


def _own_or_covered_q(user):
    """Unpublished rows a user may read: their organisations', and a liaison's covered regions'."""
    q = Q(organization_id__in=user_org_ids(user))
    regions = liaison_region_ids(user)
    if regions:
        q |= Q(organization__region_id__in=regions)
    return q


def _visible(qs, user, published_q):
    if is_platform_admin(user):
        return qs
    return qs.filter(published_q | _own_or_covered_q(user))


def demands_visible_to(user):
    return _visible(Demand.objects.select_related(*DEMAND_RELATED), user, _published_demand_q())


def supplies_visible_to(user):
    return _visible(Supply.objects.select_related(*SUPPLY_RELATED), user, _published_supply_q())


def demand_lists_visible_to(user):
    qs = DemandList.objects.select_related("organization", "organization__region")
    return _visible(qs, user, Q(organization__is_verified=True) & ~Q(status=DemandList.Status.DRAFT))


def supply_menus_visible_to(user):
    qs = SupplyMenu.objects.select_related("organization", "organization__region")
    return _visible(qs, user, Q(organization__is_verified=True) & Q(status=SupplyMenu.Status.PUBLISHED))


def items_visible_to(kind, user):
    """需求 or 供给 (a catalog.kinds.Kind) the user may read."""
    return demands_visible_to(user) if kind.model is Demand else supplies_visible_to(user)


def containers_visible_to(kind, user):
    return demand_lists_visible_to(user) if kind.model is Demand else supply_menus_visible_to(user)


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


def can_create(user, kind):
    """May `user` start a list/item of this kind (so the page offers the buttons)?

    Demand lists come from the demand side (地市政府/部门, 园区), supply menus from everyone else but
    the 驻京办; liaison staff never write content; platform admins may do both.
    """
    if is_platform_admin(user):
        return True
    if is_liaison(user):
        return False
    membership = user_active_membership(user)
    if membership is None or membership.organization.kind == membership.organization.Kind.LIAISON:
        return False
    return membership.organization.is_demand_side == kind.has_bids


def _region_id(obj):
    """The region staff rights follow: the item's own, for a list/menu its organisation's."""
    region_id = getattr(obj, "region_id", None)
    return region_id if region_id is not None else obj.organization.region_id


def can_close(user, obj):
    return obj.organization_id in user_org_ids(user) or user_acts_for_region(user, _region_id(obj))


def can_delete(user, obj):
    return is_platform_admin(user) or user_is_org_admin(user, obj.organization_id)
