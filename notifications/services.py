"""Sending notifications: in-site rows now, e-mail by a Celery task queued on commit."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from notifications.models import Notification
from portal.outbox import enqueue


def notify(*, recipients, kind, title, body="", url="", dedup_key=""):
    """Create one notification per recipient (skipping duplicates of `dedup_key`) and queue e-mail."""
    created = []
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    recipient=user, kind=kind, title=title[:200], body=body, url=url, dedup_key=dedup_key[:200]
                )
        except IntegrityError:
            continue  # already sent for this event
        created.append(note)
        enqueue("notifications.tasks.email_notification", note.pk)
    return created


def notify_organization(*, organization, kind, title, body="", url="", dedup_key=""):
    """Notify every active member of an organisation."""
    from accounts.models import Membership

    users = [
        m.user
        for m in Membership.objects.select_related("user").filter(
            organization=organization, status=Membership.Status.ACTIVE
        )
    ]
    return notify(recipients=users, kind=kind, title=title, body=body, url=url, dedup_key=dedup_key)


# --- inbox ---------------------------------------------------------------------------------------


def notification_mark_read(*, notification_id, user):
    """Mark one of the user's notifications read; returns the row (404 semantics: None if not theirs)."""
    note = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if note is not None and not note.is_read:
        Notification.objects.filter(pk=note.pk).update(is_read=True)
        note.is_read = True
    return note


def notifications_mark_all_read(*, user):
    return Notification.objects.filter(recipient=user, is_read=False).update(is_read=True)


def preference_update(*, user, email_enabled, email_kinds, daily_digest):
    """Save e-mail preferences; `email_kinds` are the kinds the user still wants by e-mail."""
    from notifications.models import NotificationPreference

    muted = [kind for kind in Notification.Kind.values if kind not in set(email_kinds)]
    pref, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email_enabled": email_enabled, "muted_email_kinds": muted, "daily_digest": daily_digest}
    )
    return pref


# --- subscriptions ---------------------------------------------------------------------------------


def _check_subscription(*, name, chains, regions, keywords, min_score):
    errors = {}
    if not (name or "").strip():
        errors["name"] = ["请填写订阅名称。"]
    if not chains and not regions and not (keywords or "").strip():
        errors["__all__"] = ["请至少选择一个产业链、地区或填写关键词，否则会收到全部需求。"]
    if min_score is None or not 0 <= min_score <= 100:
        errors["min_score"] = ["匹配度阈值应在 0 到 100 之间。"]
    if len(keywords or "") > 200:
        errors["keywords"] = ["关键词最多 200 字。"]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def subscription_create(
    *, organization, user, name, chains=(), regions=(), keywords="", notify_matches=True, min_score=70
):
    from accounts.selectors import user_org_ids
    from notifications.models import Subscription

    if organization.pk not in user_org_ids(user):
        raise PermissionDenied("只能为本单位创建订阅。")
    _check_subscription(name=name, chains=chains, regions=regions, keywords=keywords, min_score=min_score)
    if Subscription.objects.filter(organization=organization, name=name.strip()).exists():
        raise ValidationError({"name": [f"本单位已有名为「{name.strip()}」的订阅。"]})
    sub = Subscription.objects.create(
        organization=organization,
        created_by=user,
        name=name.strip(),
        keywords=(keywords or "").strip(),
        notify_matches=notify_matches,
        min_score=min_score,
    )
    sub.chains.set(chains)
    sub.regions.set(regions)
    return sub


@transaction.atomic
def subscription_delete(*, subscription, user):
    from accounts.selectors import user_org_ids

    if subscription.organization_id not in user_org_ids(user):
        raise PermissionDenied("只能删除本单位的订阅。")
    subscription.delete()


def subscriptions_notify_for_demand(demand_id):
    """Tell subscribed organisations about a published demand that fits their filter or their supplies.

    Safe to call repeatedly (from catalog on create/publish and from matching after scoring): each
    user hears about a demand once (dedup key per demand). Returns the number of notifications made.
    """
    from accounts.models import Membership
    from catalog.models import Demand, DemandList
    from notifications.selectors import subscriptions_fitting_demand

    demand = (
        Demand.objects.select_related("organization", "region", "chain", "demand_list", "region__parent__parent")
        .filter(pk=demand_id)
        .first()
    )
    if (
        demand is None
        or demand.status != Demand.Status.COLLECTING
        or not demand.organization.is_verified
        or demand.demand_list.status == DemandList.Status.DRAFT
    ):
        return 0
    reasons = {}  # organisation id → why it is told
    for sub in subscriptions_fitting_demand(demand):
        reasons.setdefault(sub.organization_id, f"符合您单位的订阅「{sub.name}」")
    reasons.update(_match_reasons(demand, exclude=set(reasons)))
    if not reasons:
        return 0
    from django.urls import reverse

    url = reverse("catalog:demand_detail", args=[demand.pk])
    memberships = Membership.objects.select_related("user").filter(
        organization_id__in=reasons, status=Membership.Status.ACTIVE
    )
    sent = 0
    for membership in memberships:
        body = (
            f"{demand.organization.name}发布了新需求「{demand.title}」（{demand.chain.name}，{demand.region.full_name}），"
            f"{reasons[membership.organization_id]}。"
        )
        if demand.deadline:
            body += f"截止日期：{demand.deadline:%Y-%m-%d}。"
        sent += len(
            notify(
                recipients=[membership.user],
                kind=Notification.Kind.SUBSCRIPTION,
                title=f"新需求：{demand.title}",
                body=body,
                url=url,
                dedup_key=f"subscription:demand:{demand.pk}",
            )
        )
    return sent


def _match_reasons(demand, *, exclude):
    """Organisations whose supplies the matching engine scored at/above their subscription's threshold."""
    from notifications.models import Subscription

    thresholds = {}
    for sub in (
        Subscription.objects.filter(is_active=True, notify_matches=True, organization__is_verified=True)
        .exclude(organization_id=demand.organization_id)
        .exclude(organization_id__in=exclude)
    ):
        thresholds[sub.organization_id] = min(sub.min_score, thresholds.get(sub.organization_id, 100))
    if not thresholds:
        return {}
    try:
        from matching.models import Match
    except ImportError:  # the matching app has no models yet: filter-based subscriptions still work
        return {}
    reasons = {}
    rows = (
        Match.objects.filter(demand=demand, supply__organization_id__in=thresholds)
        .values_list("supply__organization_id", "supply__title", "score")
        .order_by("-score")
    )
    for org_id, supply_title, score in rows:
        if org_id not in reasons and score >= thresholds[org_id]:
            reasons[org_id] = f"与您单位的供给「{supply_title}」匹配度 {score:.0f} 分"
    return reasons


def digests_send(*, day=None):
    """Daily digest: one e-mail per user listing the subscription notifications of the last 24 hours.

    Runs once per user and day (DigestDelivery); users who turned the digest off, have no e-mail or
    had nothing new are skipped. Returns the number of e-mails sent.
    """
    from datetime import timedelta

    from django.conf import settings
    from django.core.mail import send_mail
    from django.utils import timezone

    from notifications.models import DigestDelivery, NotificationPreference

    now = timezone.now()
    day = day or timezone.localdate(now)
    since = now - timedelta(hours=24)
    opted_out = set(
        NotificationPreference.objects.filter(Q(daily_digest=False) | Q(email_enabled=False)).values_list(
            "user_id", flat=True
        )
    )
    notes = (
        Notification.objects.filter(kind=Notification.Kind.SUBSCRIPTION, created_at__gte=since)
        .exclude(recipient_id__in=opted_out)
        .select_related("recipient")
        .order_by("recipient_id", "-created_at")
    )
    by_user = {}
    for note in notes:
        if note.recipient.email and note.recipient.is_active:
            by_user.setdefault(note.recipient, []).append(note)
    sent = 0
    site = settings.SITE_URL.rstrip("/")
    for user, items in by_user.items():
        with transaction.atomic():
            delivery, created = DigestDelivery.objects.get_or_create(
                user=user, day=day, defaults={"item_count": len(items)}
            )
            if not created:
                continue
            lines = [f"您好，过去 24 小时有 {len(items)} 条与订阅相符的新需求：", ""]
            lines += [f"· {n.title}\n  {site}{n.url}" for n in items]
            lines += ["", f"管理订阅与通知偏好：{site}/notifications/preferences/"]
            # Sending inside the transaction: if the mail server fails, the delivery row rolls back and
            # the next run retries.
            send_mail(
                f"[京鲁供需对接平台] 每日订阅摘要（{day:%Y-%m-%d}，{len(items)} 条）",
                "\n".join(lines),
                None,
                [user.email],
            )
        sent += 1
    return sent
