"""Pages: an organisation's (or staff's) push endpoints and their recent deliveries."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Membership, Organization
from accounts.selectors import is_liaison
from webhooks import services
from webhooks.models import Event, WebhookEndpoint

RECENT_DELIVERIES = 50


def _admin_orgs(user):
    return Organization.objects.filter(
        memberships__user=user, memberships__status=Membership.Status.ACTIVE, memberships__role=Membership.Role.ADMIN
    ).order_by("name")


def _page(request, *, new_secret=None, status=200):
    orgs = list(_admin_orgs(request.user))
    staff = is_liaison(request.user)
    if not orgs and not staff:
        raise PermissionDenied("只有单位管理员或平台工作人员可以设置推送地址。")
    context = {
        "endpoints": services.endpoints_visible_to(request.user),
        "deliveries": services.deliveries_visible_to(request.user)[:RECENT_DELIVERIES],
        "orgs": orgs,
        "staff": staff,
        "formats": WebhookEndpoint.Format.choices,
        "events": Event.choices,
        "new_secret": new_secret,
    }
    return render(request, "webhooks/endpoints.html", context, status=status)


@login_required
def endpoint_list(request):
    return _page(request)


@login_required
@require_POST
def endpoint_create(request):
    org_id = request.POST.get("organization") or ""
    organization = None
    if org_id:
        organization = _admin_orgs(request.user).filter(pk=org_id).first() if org_id.isdigit() else None
        if organization is None:
            messages.error(request, "只能为您担任管理员的单位设置推送地址。")
            return redirect("webhooks:endpoints")
    try:
        endpoint = services.endpoint_create(
            actor=request.user,
            organization=organization,
            name=request.POST.get("name", ""),
            url=request.POST.get("url", ""),
            format=request.POST.get("format", ""),
            events=request.POST.getlist("events"),
            secret=request.POST.get("secret", ""),
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, "推送地址未保存：" + "；".join(exc.messages))
    else:
        messages.success(request, f"已添加推送地址「{endpoint.name}」。签名密钥只显示这一次，请立即保存。")
        return _page(request, new_secret=endpoint.secret)
    return redirect("webhooks:endpoints")


@login_required
@require_POST
def endpoint_delete(request, pk):
    endpoint = get_object_or_404(services.endpoints_visible_to(request.user), pk=pk)
    try:
        services.endpoint_delete(actor=request.user, endpoint=endpoint)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已删除推送地址「{endpoint.name}」。")
    return redirect("webhooks:endpoints")
