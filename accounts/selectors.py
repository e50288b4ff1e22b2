"""Reads about who a user is: their organisation, role and platform rights.

The platform roles and what they may do (the role x action matrix; every app's selectors build on
these functions, services enforce them, and HTML, API, admin and import agree):

| role                  | read                         | act (close, move/assign cases, notes, invite, decide) | edit content |
|-----------------------|------------------------------|-------------------------------------------------------|--------------|
| platform admin        | everything (not sealed bids) | everywhere                                            | yes          |
| liaison staff (专员)  | published content everywhere | only in their responsible regions, or cases they own  | never        |
| member of an org      | public + own org's           | own org's content and cases                           | own org's    |
| anonymous             | public                       | nothing                                               | no           |

A liaison's regions are the regions assigned to them (用户 → 负责地区) and every region below
them: a province covers its cities, a city its districts.
"""

from accounts.models import Membership, Organization, User


def user_active_membership(user):
    """The user's working membership (first active one), cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_active_membership_cache"):
        user._active_membership_cache = (
            Membership.objects.select_related("organization", "organization__region")
            .filter(user=user, status=Membership.Status.ACTIVE)
            .order_by("created_at", "id")
            .first()
        )
    return user._active_membership_cache


def user_org_ids(user):
    """Ids of organisations where the user is an active member (cached per request user)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if not hasattr(user, "_org_ids_cache"):
        user._org_ids_cache = frozenset(
            Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).values_list(
                "organization_id", flat=True
            )
        )
    return user._org_ids_cache


def user_verified_org_ids(user):
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if not hasattr(user, "_verified_org_ids_cache"):
        user._verified_org_ids_cache = frozenset(
            Membership.objects.filter(
                user=user, status=Membership.Status.ACTIVE, organization__is_verified=True
            ).values_list("organization_id", flat=True)
        )
    return user._verified_org_ids_cache


def user_is_member(user, org_id):
    return org_id in user_org_ids(user)


def user_is_org_admin(user, org_id):
    if not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(
        user=user, organization_id=org_id, status=Membership.Status.ACTIVE, role=Membership.Role.ADMIN
    ).exists()


def user_is_verified_member(user):
    """Member of at least one verified organisation: may see contact details and bid."""
    return bool(user_verified_org_ids(user))


def is_liaison(user):
    return bool(getattr(user, "is_authenticated", False) and user.is_liaison)


def is_platform_admin(user):
    return bool(getattr(user, "is_authenticated", False) and user.is_platform_admin)


def liaison_region_ids(user):
    """Ids of the regions a liaison acts for: their assigned regions and all regions below them.

    Empty for anyone who is not liaison staff (platform admins act everywhere: see
    `user_acts_for_region`). Cached on the user object for the request.
    """
    if not (
        getattr(user, "is_authenticated", False) and user.is_active and user.platform_role == User.PlatformRole.LIAISON
    ):
        return frozenset()
    if not hasattr(user, "_liaison_region_ids_cache"):
        # Region lives in catalog (above accounts): reach it through the relation, not an import.
        region_model = User._meta.get_field("responsible_regions").related_model
        covered = set(user.responsible_regions.values_list("pk", flat=True))
        frontier = set(covered)
        while frontier:  # three levels at most (省 → 市 → 区县)
            frontier = set(region_model.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - covered
            covered |= frontier
        user._liaison_region_ids_cache = frozenset(covered)
    return user._liaison_region_ids_cache


def user_acts_for_region(user, region_id):
    """May `user` act as staff (close, move cases, notes, invite, decide) on things in this region?

    Platform admins: everywhere. Liaison staff: in their responsible regions (and below). Others: never
    as staff (their own organisation's rights are checked by each app).
    """
    if is_platform_admin(user):
        return True
    return region_id is not None and region_id in liaison_region_ids(user)


def organizations_visible_to(user):
    """Verified organisations are public; unverified ones only to their members and staff."""
    qs = Organization.objects.select_related("region")
    if is_liaison(user):
        return qs
    return qs.filter(is_verified=True) | qs.filter(pk__in=user_org_ids(user))


def liaison_staff_for_region(region):
    """Liaison staff responsible for `region`, its city or its province (nearest first)."""
    chain = []
    node = region
    while node is not None:
        chain.append(node.pk)
        node = node.parent
    return User.objects.filter(
        is_active=True,
        platform_role__in=[User.PlatformRole.LIAISON, User.PlatformRole.ADMIN],
        responsible_regions__in=chain,
    ).distinct()


# --- organisation pages (accounts app) --------------------------------------------------------


def user_memberships(user):
    """All of a user's memberships (active and pending), organisation loaded, oldest first."""
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return (
        Membership.objects.select_related("organization", "organization__region")
        .filter(user=user, status__in=[Membership.Status.ACTIVE, Membership.Status.PENDING])
        .order_by("created_at", "id")
    )


def organization_memberships(organization, *, status):
    return (
        Membership.objects.select_related("user")
        .filter(organization=organization, status=status)
        .order_by("role", "created_at", "id")  # "admin" sorts before "member": admins first
    )


def organizations_awaiting_verification():
    """Unverified organisations whose request is open (not turned down), oldest first."""
    from django.db.models import Count, Q

    return (
        Organization.objects.select_related("region")
        .filter(is_verified=False, rejected_at__isnull=True)
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__status=Membership.Status.ACTIVE), distinct=True),
        )
        .order_by("created_at", "id")
    )


def organizations_rejected():
    return (
        Organization.objects.select_related("region")
        .filter(is_verified=False, rejected_at__isnull=False)
        .order_by("-rejected_at")
    )


def organization_by_name(name):
    return Organization.objects.filter(name=(name or "").strip()).first()
