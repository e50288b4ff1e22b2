"""HTML pages of bidding: the demand's 意向书/报价 tab, bid edit/withdraw/confirm, decisions, export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.selectors import is_liaison, user_active_membership
from bidding import selectors, services
from bidding.export import bids_xlsx
from bidding.forms import BidForm, DecisionForm
from bidding.models import BidAttachment
from catalog.selectors import demands_visible_to

SORTS = {"price": ("price_wan", "submitted_at"), "delivery": ("delivery_days", "submitted_at"), "": ("submitted_at",)}


def _form_error(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _bid_data(form):
    data = form.cleaned_data
    return {
        "proposal": data["proposal"],
        "price_wan": data["price_wan"],
        "delivery_days": data["delivery_days"],
        "attachments": data.get("attachments") or [],
        "supply": data.get("supply"),
    }


def _bidder_org(user):
    membership = user_active_membership(user)
    return membership.organization if membership else None


def demand_bids(request, pk):
    """The 意向书/报价 tab. Bidders: form or own bid. Readers (owner, covering staff): sealed notice or the table.

    Before the seal is off the page is the same whether or not bids exist (no count, no empty row).
    """
    user = request.user
    demand = get_object_or_404(demands_visible_to(user), pk=pk)
    own = selectors.own_bid(user, demand)
    blocker = selectors.bid_blocker(user, demand)
    may_bid = own is None and blocker is None
    organization = _bidder_org(user) if may_bid else None
    form = BidForm(organization=organization)
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(f"/accounts/login/?next={request.path}")
        form = BidForm(request.POST, request.FILES, organization=_bidder_org(user))
        if form.is_valid():
            try:
                services.bid_submit(demand=demand, user=user, **_bid_data(form))
            except ValidationError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "意向书已提交。截止日期前可以修改或撤回。")
                return redirect("bidding:demand_bids", pk=demand.pk)
    sort = request.GET.get("sort", "")
    sees_all = selectors.can_see_all_bids(user, demand)
    bids = []
    if sees_all:
        bids = list(
            selectors.bids_for_demand(user, demand)
            .select_related("supply")
            .prefetch_related("attachments")
            .order_by(*SORTS.get(sort, SORTS[""]))
        )
    context = {
        "demand": demand,
        "own_bid": own,
        "own_bid_mode": selectors.bid_mode_text(own) if own else "",
        "bidding_mode": selectors.bidding_mode_text(demand),
        "blocker": None if own else blocker,
        "may_bid": may_bid,
        "form": form,
        "sees_all": sees_all,
        "seal_on": selectors.is_seal_on_for(user, demand),
        "is_bid_reader": selectors.is_bid_reader(user, demand),
        "is_staff_viewer": is_liaison(user),
        "bids": bids,
        "sort": sort,
        "is_owner": selectors.is_owner(user, demand),
        "can_decide": selectors.can_decide(user, demand),
        "deadline_end": selectors.deadline_end(demand),
        "is_past_deadline": selectors.is_past_deadline(demand),
        "is_open": selectors.is_demand_open_for_bids(demand),
        "decision_form": DecisionForm(),
    }
    return render(request, "bidding/demand_bids.html", context)


def _own_bid_or_404(user, bid_id):
    return get_object_or_404(selectors.my_bids(user), pk=bid_id)


@login_required
def bid_edit(request, bid_id):
    bid = _own_bid_or_404(request.user, bid_id)
    attachments = list(bid.attachments.all())
    if request.method == "POST":
        form = BidForm(request.POST, request.FILES, attachments=attachments, organization=bid.organization)
        if form.is_valid():
            try:
                services.bid_update(
                    bid=bid,
                    user=request.user,
                    **_bid_data(form),
                    remove_attachment_ids=form.cleaned_data.get("remove_attachments") or [],
                )
            except ValidationError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "意向书已修改。")
                return redirect("bidding:demand_bids", pk=bid.demand_id)
    else:
        form = BidForm(
            initial={
                "proposal": bid.proposal,
                "price_wan": bid.price_wan,
                "delivery_days": bid.delivery_days,
                "supply": bid.supply_id,
            },
            attachments=attachments,
            organization=bid.organization,
        )
    context = {"bid": bid, "demand": bid.demand, "form": form, "bid_mode": selectors.bid_mode_text(bid)}
    return render(request, "bidding/bid_edit.html", context)


def _bid_action(request, bid_id, action, success):
    bid = _own_bid_or_404(request.user, bid_id)
    try:
        action(bid=bid, user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("bidding:demand_bids", pk=bid.demand_id)


@login_required
@require_POST
def bid_withdraw(request, bid_id):
    return _bid_action(request, bid_id, services.bid_withdraw, "意向书已撤回。截止日期前可以重新提交。")


@login_required
@require_POST
def bid_confirm(request, bid_id):
    return _bid_action(request, bid_id, services.bid_confirm, "已确认：意向书按变更后的需求继续有效。")


@login_required
@require_POST
def bid_decide(request, bid_id):
    bid = get_object_or_404(selectors.bids_visible_to(request.user), pk=bid_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "处理结果无效，请重新选择。")
        return redirect("bidding:demand_bids", pk=bid.demand_id)
    data = form.cleaned_data
    try:
        services.bid_decide(
            bid=bid, user=request.user, decision=data["decision"], reason=data["reason"], note=data["note"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"已处理「{bid.organization.name}」的意向书，并通知了对方。")
    return redirect("bidding:demand_bids", pk=bid.demand_id)


@login_required
def bids_export(request, pk):
    """The readers' .xlsx of the bids they may read; the same redirect with or without bids while sealed."""
    demand = get_object_or_404(demands_visible_to(request.user), pk=pk)
    if not selectors.can_see_all_bids(request.user, demand):
        if selectors.is_seal_on_for(request.user, demand):
            messages.error(request, "报价密封中：截止日期之后才能导出意向书。")
            return redirect("bidding:demand_bids", pk=demand.pk)
        raise Http404
    bids = (
        selectors.bids_for_demand(request.user, demand)
        .select_related("supply")
        .prefetch_related("attachments")
        .order_by("submitted_at")
    )
    response = HttpResponse(
        bids_xlsx(demand, bids), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="bids-{demand.pk}.xlsx"'
    return response


@login_required
def my_bids(request):
    return render(request, "bidding/my_bids.html", {"bids": selectors.my_bids(request.user)})


@login_required
def attachment_download(request, pk):
    """Attachments are private: only people who may read the bid get them, always as a download."""
    attachment = get_object_or_404(BidAttachment.objects.select_related("bid"), pk=pk)
    if not selectors.bids_visible_to(request.user).filter(pk=attachment.bid_id).exists():
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=services.ATTACHMENT_TYPES.get(attachment.extension, "application/octet-stream"),
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
