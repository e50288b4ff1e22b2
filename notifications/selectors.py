"""Reads of a user's inbox."""

from notifications.models import Notification


def unread_count_for(user):
    return Notification.objects.filter(recipient=user, is_read=False).count()


def notifications_for(user):
    return Notification.objects.filter(recipient=user)


def preference_for(user):
    """The user's preferences (unsaved defaults when they never changed them)."""
    from notifications.models import NotificationPreference

    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def subscriptions_for(user):
    """Subscriptions of the user's organisations."""
    from accounts.selectors import user_org_ids
    from notifications.models import Subscription

    return (
        Subscription.objects.filter(organization_id__in=user_org_ids(user))
        .select_related("organization")
        .prefetch_related("chains", "regions")
    )


def _ancestors(region):
    ids = []
    while region is not None:
        ids.append(region.pk)
        region = region.parent
    return ids


def subscription_fits(subscription, demand, demand_tokens=None):
    """Does `demand` fit the subscription's filter (chain incl. 环节, region incl. sub-regions, keyword words)?"""
    chain_ids = {c.pk for c in subscription.chains.all()}
    if chain_ids and not ({demand.chain_id, demand.chain.parent_id} & chain_ids):
        return False
    region_ids = {r.pk for r in subscription.regions.all()}
    if region_ids and not (set(_ancestors(demand.region)) & region_ids):
        return False
    keywords = subscription.keyword_list
    if keywords:
        from catalog.search import query_tokens

        tokens = demand_tokens if demand_tokens is not None else set((demand.search_tokens or "").split())
        text = f"{demand.title}\n{demand.description}".lower()
        # A keyword fits when all its words are among the demand's words (or it appears verbatim).
        if not any(k.lower() in text or (query_tokens(k) and set(query_tokens(k)) <= tokens) for k in keywords):
            return False
    return True


def subscriptions_fitting_demand(demand):
    from notifications.models import Subscription

    candidates = (
        Subscription.objects.filter(is_active=True, organization__is_verified=True)
        .exclude(organization_id=demand.organization_id)
        .select_related("organization")
        .prefetch_related("chains", "regions")
    )
    tokens = set((demand.search_tokens or "").split())
    return [s for s in candidates if subscription_fits(s, demand, tokens)]
