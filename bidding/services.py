"""Writes of the bidding app: submit, edit, confirm, withdraw, decide, close at the deadline.

Every deadline decision reads the server clock *after* locking the demand row, so two requests
racing the deadline are decided one after the other against the same clock.
"""

import hashlib
import os
from decimal import Decimal, InvalidOperation

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from accounts.models import Organization
from accounts.selectors import user_active_membership
from bidding import selectors
from bidding.models import Bid, BidAttachment
from catalog.models import Demand, DemandList, Supply
from catalog.selectors import published_supplies
from followups.services import cases_for_readable_bids
from notifications.models import Notification
from notifications.services import notify_organization
from portal.outbox import enqueue

# Allowed attachments: extension → the content type `filetype` must detect in the bytes.
ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
MAX_ATTACHMENTS_PER_BID = 5
PROPOSAL_MAX_CHARS = 5000
BID_SUPPLY_REFUSED = "只能关联本单位已发布、未下架的供给。"
_KEEP = object()  # bid_update: leave the linked supply as it is (a caller that does not send one)


def bid_supply_choices(organization):
    """Supplies a bid of `organization` may link: its own published, active ones."""
    return published_supplies().filter(organization=organization, status=Supply.Status.ACTIVE).order_by("title")


def _check_supply(supply, organization):
    if supply is None:
        return None
    supply_id = supply.pk if isinstance(supply, Supply) else supply
    found = bid_supply_choices(organization).filter(pk=supply_id).first()
    if found is None:
        raise ValidationError({"supply": [BID_SUPPLY_REFUSED]})
    return found


def demand_terms_hash(demand):
    """The material terms of a demand; a change after bids arrive sends bids to 待确认."""
    raw = "\x1f".join([demand.description or "", str(demand.budget_wan or ""), str(demand.deadline or "")])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _demand_url(demand):
    return reverse("bidding:demand_bids", args=[demand.pk])


def _deadline_text(demand):
    return f"{demand.deadline:%Y-%m-%d} 23:59"


# --- input checks --------------------------------------------------------------------------------


def _check_fields(*, proposal, price_wan, delivery_days):
    errors = {}
    try:
        price_wan = None if price_wan in (None, "") else Decimal(str(price_wan))
        if price_wan is not None and not price_wan.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise ValidationError({"price_wan": ["报价须为数字（单位：万元）。"]}) from None
    if not (proposal or "").strip():
        errors["proposal"] = ["请填写方案说明。"]
    elif len(proposal) > PROPOSAL_MAX_CHARS:
        errors["proposal"] = [f"方案说明最多 {PROPOSAL_MAX_CHARS} 字，当前 {len(proposal)} 字。"]
    if price_wan is None:
        errors["price_wan"] = ["请填写报价（万元）。"]
    elif price_wan < 0:
        errors["price_wan"] = ["报价（万元）不能为负数。"]
    elif price_wan >= 10**10:
        errors["price_wan"] = ["报价（万元）过大，请核对单位是否为万元。"]
    if delivery_days is None:
        errors["delivery_days"] = ["请填写交付周期（天）。"]
    elif delivery_days < 1 or delivery_days > 3650:
        errors["delivery_days"] = ["交付周期应在 1 到 3650 天之间。"]
    if errors:
        raise ValidationError(errors)


def attachment_limit_size():
    """settings.ATTACHMENT_MAX_BYTES as a person reads it: 10 MB, 512 KB."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if limit >= 1024 * 1024:
        return f"{round(limit / (1024 * 1024), 1):g} MB"
    if limit >= 1024:
        return f"{round(limit / 1024, 1):g} KB"
    return f"{limit} 字节"


def attachment_limit_text():
    """The size rule the bid form and the API state up front (e.g. 单个附件不超过 10 MB)."""
    return f"单个附件不超过 {attachment_limit_size()}"


def attachment_check(upload):
    """Return (extension, content_type) of an allowed upload, judged by its bytes, or raise."""
    name = os.path.basename(upload.name or "")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ATTACHMENT_TYPES:
        raise ValidationError({"attachments": [f"附件「{name}」的类型不支持：仅接受 PDF、DOCX、XLSX、PNG、JPEG。"]})
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError({"attachments": [f"附件「{name}」超过 {attachment_limit_size()} 的大小上限。"]})
    if upload.size == 0:
        raise ValidationError({"attachments": [f"附件「{name}」是空文件。"]})
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    expected = ATTACHMENT_TYPES[ext]
    if kind is None or kind.mime != expected:
        raise ValidationError({"attachments": [f"附件「{name}」的内容与扩展名 .{ext} 不符，文件可能已损坏或被改名。"]})
    return ext, expected


def _check_attachments(uploads, existing=0):
    checked = [(upload, *attachment_check(upload)) for upload in uploads]
    if existing + len(checked) > MAX_ATTACHMENTS_PER_BID:
        raise ValidationError({"attachments": [f"每份意向书最多 {MAX_ATTACHMENTS_PER_BID} 个附件。"]})
    return checked


def _save_attachments(bid, checked):
    for upload, ext, content_type in checked:
        attachment = BidAttachment(
            bid=bid,
            original_name=os.path.basename(upload.name)[:200],
            extension=ext,
            content_type=content_type,
            size=upload.size,
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()


# --- bidder actions ------------------------------------------------------------------------------


def _lock_demand(demand_id):
    demand = Demand.objects.select_for_update().get(pk=demand_id)
    # Related rows read after the lock (select_related would lock them too on PostgreSQL).
    demand.demand_list = DemandList.objects.get(pk=demand.demand_list_id)
    demand.organization = Organization.objects.get(pk=demand.organization_id)
    return demand


def _check_open(demand, at):
    if demand.deadline is None:
        raise ValidationError("该需求未设置截止日期，暂不接受意向书，请联系发布单位。")
    if selectors.is_past_deadline(demand, at):
        raise ValidationError(f"已超过截止日期（{_deadline_text(demand)}），不能再提交或修改意向书。")
    if not selectors.is_demand_open_for_bids(demand, at):
        raise ValidationError("该需求当前不在征集中，不能提交或修改意向书。")


def _month_start(at):
    local = at.astimezone(selectors.local_tz())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def bid_submit(*, demand, user, proposal, price_wan, delivery_days, attachments=(), supply=None):
    """A verified organisation's bid on a published demand, before its deadline, within the quota.

    `supply` (optional): one of the organisation's own published supplies the bid refers to.
    """
    _check_fields(proposal=proposal, price_wan=price_wan, delivery_days=delivery_days)
    checked = _check_attachments(attachments)
    with transaction.atomic():
        demand = _lock_demand(demand.pk)
        at = selectors.now()
        blocker = selectors.bid_blocker(user, demand, at)
        if blocker:
            raise ValidationError(blocker)
        org = user_active_membership(user).organization
        supply = _check_supply(supply, org)
        if Bid.objects.filter(demand=demand, organization=org).exclude(status=Bid.Status.WITHDRAWN).exists():
            raise ValidationError("贵单位已对该需求提交过意向书，请修改原意向书，不要重复提交。")
        # Lock the organisation so two of its members cannot both take the last slot of the quota.
        Organization.objects.select_for_update().filter(pk=org.pk).first()
        quota = settings.BID_MONTHLY_QUOTA
        used = (
            Bid.objects.filter(organization=org, submitted_at__gte=_month_start(at))
            .exclude(status=Bid.Status.WITHDRAWN)
            .count()
        )
        if used >= quota:
            raise ValidationError(
                f"贵单位本月已提交 {used} 份意向书，已达每月 {quota} 份的上限。请下月再提交，或先撤回尚未截止的意向书。"
            )
        bid = Bid.objects.create(
            demand=demand,
            organization=org,
            submitted_by=user,
            proposal=proposal,
            price_wan=price_wan,
            delivery_days=delivery_days,
            supply=supply,
            demand_terms=demand_terms_hash(demand),
            submitted_at=at,
            # The mode the bidder was shown; later changes of the demand's flag never unseal it.
            is_sealed=not demand.is_open_bidding,
        )
        _save_attachments(bid, checked)
        if not bid.is_sealed:
            # 公开报价: the owner may read the bid now, so the case may show it now.
            cases_for_readable_bids(demand=demand, bids=[bid])
    return bid


def _own_editable_bid(bid_id, user):
    from accounts.selectors import user_org_ids

    bid = Bid.objects.select_for_update().get(pk=bid_id)
    if bid.organization_id not in user_org_ids(user):
        raise ValidationError("只能修改本单位的意向书。")
    return bid


def bid_update(
    *, bid, user, proposal, price_wan, delivery_days, attachments=(), remove_attachment_ids=(), supply=_KEEP
):
    """Revise a bid before the deadline; a 待确认 bid becomes 已提交 against the current terms.

    submitted_at stays the first submission (the monthly quota counts bids by it); revised_at
    records this edit and is what the pages show as 提交时间.
    """
    _check_fields(proposal=proposal, price_wan=price_wan, delivery_days=delivery_days)
    with transaction.atomic():
        demand = _lock_demand(bid.demand_id)
        at = selectors.now()
        bid = _own_editable_bid(bid.pk, user)
        _check_open(demand, at)
        if bid.status not in Bid.EDITABLE_STATUSES:
            raise ValidationError(f"意向书当前为「{bid.get_status_display()}」，不能修改。")
        if supply is not _KEEP:
            bid.supply = _check_supply(supply, bid.organization)
        removed = [str(pk) for pk in remove_attachment_ids]
        keep = bid.attachments.exclude(pk__in=removed) if removed else bid.attachments.all()
        checked = _check_attachments(attachments, existing=keep.count())
        for attachment in bid.attachments.filter(pk__in=removed):
            attachment.file.delete(save=False)
            attachment.delete()
        bid.proposal, bid.price_wan, bid.delivery_days = proposal, price_wan, delivery_days
        bid.status = Bid.Status.SUBMITTED
        bid.demand_terms = demand_terms_hash(demand)
        bid.submitted_by = user
        bid.revised_at = at
        # Revised under a sealed demand: sealed from now on. A sealed bid is never unsealed early.
        bid.is_sealed = bid.is_sealed or not demand.is_open_bidding
        bid.save()
        _save_attachments(bid, checked)
    return bid


def bid_confirm(*, bid, user):
    """Keep a 待确认 bid unchanged under the demand's new terms."""
    with transaction.atomic():
        demand = _lock_demand(bid.demand_id)
        at = selectors.now()
        bid = _own_editable_bid(bid.pk, user)
        _check_open(demand, at)
        if bid.status != Bid.Status.PENDING_CONFIRMATION:
            raise ValidationError("该意向书无需确认。")
        bid.status = Bid.Status.SUBMITTED
        bid.demand_terms = demand_terms_hash(demand)
        bid.save(update_fields=["status", "demand_terms", "updated_at"])
    return bid


def bid_withdraw(*, bid, user):
    with transaction.atomic():
        demand = _lock_demand(bid.demand_id)
        at = selectors.now()
        bid = _own_editable_bid(bid.pk, user)
        if selectors.is_past_deadline(demand, at):
            raise ValidationError(f"已超过截止日期（{_deadline_text(demand)}），意向书不能撤回。")
        if bid.status not in Bid.EDITABLE_STATUSES:
            raise ValidationError(f"意向书当前为「{bid.get_status_display()}」，不能撤回。")
        bid.status = Bid.Status.WITHDRAWN
        bid.withdrawn_at = at
        bid.save(update_fields=["status", "withdrawn_at", "updated_at"])
    return bid


# --- owner actions -------------------------------------------------------------------------------

DECISIONS = {
    "shortlist": Bid.Status.SHORTLISTED,
    "reject": Bid.Status.REJECTED,
    "accept": Bid.Status.ACCEPTED,
}


def bid_decide(*, bid, user, decision, reason="", note=""):
    """Shortlist, reject (with a reason code) or accept a bid after the deadline; notify the bidder.

    Acceptance opens (or moves to 意向) the bidder's 对接项目 through followups.services.
    """
    if decision not in DECISIONS:
        raise ValidationError(
            {"decision": ["处理结果无效：可选 shortlist（入围）、reject（未采纳）、accept（接受）。"]}
        )
    if decision == "reject" and reason not in Bid.RejectReason.values:
        raise ValidationError({"reason": ["请选择未采纳原因：价格、技术不符、资质或其他。"]})
    if len(note or "") > 500:
        raise ValidationError({"note": ["处理说明最多 500 字。"]})
    with transaction.atomic():
        demand = _lock_demand(bid.demand_id)
        at = selectors.now()
        bid = Bid.objects.select_for_update().get(pk=bid.pk)
        if not selectors.can_decide(user, demand, at):
            if not selectors.is_past_deadline(demand, at):
                raise ValidationError(f"截止日期（{_deadline_text(demand)}）之后才能处理意向书。")
            raise ValidationError("只有需求发布单位可以处理意向书。")
        if bid.status not in Bid.DECIDABLE_STATUSES:
            raise ValidationError(f"意向书当前为「{bid.get_status_display()}」，不能再处理。")
        bid.status = DECISIONS[decision]
        bid.reject_reason = reason if decision == "reject" else ""
        bid.decision_note = note or ""
        bid.decided_by, bid.decided_at = user, at
        bid.save()
        label = bid.get_status_display()
        body = f"您单位对需求「{demand.title}」提交的意向书处理结果：{label}。"
        if decision == "reject":
            body += f"原因：{bid.get_reject_reason_display()}。"
        if note:
            body += f"说明：{note}"
        notify_organization(
            organization=bid.organization,
            kind=Notification.Kind.BID,
            title=f"意向书{label}：{demand.title}",
            body=body,
            url=_demand_url(demand),
            dedup_key=f"bid-decision:{bid.pk}:{bid.status}",
        )
        if decision == "accept":
            cases_for_readable_bids(demand=demand, bids=[bid])
            if demand.status == Demand.Status.COLLECTING:
                Demand.objects.filter(pk=demand.pk).update(status=Demand.Status.MATCHING)
    return bid


def bids_flag_material_change(*, demand_id):
    """After the owner changes description/budget/deadline: active bids on old terms → 待确认.

    Idempotent: a bid is flagged once per version of the terms, and bidders are notified once.
    Returns the number of bids flagged.
    """
    with transaction.atomic():
        demand = _lock_demand(demand_id)
        if selectors.is_past_deadline(demand):
            return 0
        terms = demand_terms_hash(demand)
        stale = list(
            Bid.objects.select_for_update()
            .filter(demand=demand, status=Bid.Status.SUBMITTED)
            .exclude(demand_terms=terms)
            .select_related("organization")
        )
        for bid in stale:
            bid.status = Bid.Status.PENDING_CONFIRMATION
            bid.save(update_fields=["status", "updated_at"])
            notify_organization(
                organization=bid.organization,
                kind=Notification.Kind.DEMAND_CHANGED,
                title=f"需求已变更，请确认意向书：{demand.title}",
                body=(
                    f"发布单位修改了需求「{demand.title}」的描述、预算或截止日期（现截止 {_deadline_text(demand)}）。"
                    "您单位的意向书已转为「待确认」，请在截止前确认或修改。"
                ),
                url=_demand_url(demand),
                dedup_key=f"bid-terms:{bid.pk}:{terms[:16]}",
            )
    return len(stale)


def demands_close_due():
    """Beat: demands past their deadline leave 征集中 for 对接中; owners learn whether bids can be read.

    Every due demand moves to the same status whatever its bids: the status is public, the number
    of bids is for the owner only (told in its notification). Idempotent (only 征集中 rows move,
    notifications carry a dedup key). Returns the ids moved.
    """
    today = selectors.last_closed_date()
    due_ids = list(
        Demand.objects.filter(status=Demand.Status.COLLECTING, deadline__lt=today)
        .exclude(demand_list__status=DemandList.Status.DRAFT)
        .values_list("pk", flat=True)
    )
    moved = []
    for demand_id in due_ids:
        with transaction.atomic():
            demand = _lock_demand(demand_id)
            if demand.status != Demand.Status.COLLECTING:
                continue
            bids = list(
                Bid.objects.filter(demand=demand).exclude(status=Bid.Status.WITHDRAWN).select_related("organization")
            )
            count = len(bids)
            Demand.objects.filter(pk=demand.pk).update(status=Demand.Status.MATCHING)
            # The seal is off now: each bidder's case opens (or moves to 意向) for the owner to follow.
            cases_for_readable_bids(demand=demand, bids=bids)
            enqueue("matching.tasks.refresh_demand", demand.pk)
            if count:
                title, body = (
                    f"意向书已开封：{demand.title}",
                    f"需求「{demand.title}」已于 {_deadline_text(demand)} 截止，共收到 {count} 份意向书，现在可以查看并处理。",
                )
            else:
                title, body = (
                    f"需求已截止：{demand.title}",
                    f"需求「{demand.title}」已于 {_deadline_text(demand)} 截止，未收到意向书。"
                    "可继续查看推荐供给对接；不再需要时请关闭需求。",
                )
            # The owner organisation only: staff and bidders are not told how many bids arrived.
            notify_organization(
                organization=demand.organization,
                kind=Notification.Kind.BID,
                title=title,
                body=body,
                url=_demand_url(demand),
                dedup_key=f"bids-open:{demand.pk}",
            )
            # After the deadline only, and never a count or a price (sealed-bid rule).
            enqueue(
                "webhooks.tasks.emit",
                "bidding.window_closed",
                demand.organization_id,
                {
                    "demand_id": demand.pk,
                    "demand_title": demand.title,
                    "deadline": _deadline_text(demand),
                    "region_id": demand.region_id,
                    "url": _demand_url(demand),
                },
            )
            moved.append(demand.pk)
    return moved
