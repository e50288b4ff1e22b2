"""Inbox, e-mail preferences and subscriptions pages (thin: forms validate, services write)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.selectors import user_active_membership
from notifications import services
from notifications.forms import PreferenceForm, SubscriptionForm
from notifications.models import Notification
from notifications.selectors import notifications_for, preference_for, subscriptions_for


@login_required
def inbox(request):
    notes = notifications_for(request.user).order_by("-created_at", "-id")
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        notes = notes.filter(is_read=False)
    page = Paginator(notes, 20).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page_obj": page, "only_unread": only_unread})


@login_required
def notification_open(request, pk):
    """Mark read, then go where the notification points (site-relative links only)."""
    note = services.notification_mark_read(notification_id=pk, user=request.user)
    if note is None:
        raise Http404
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts=None) and note.url.startswith("/"):
        return redirect(note.url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, f"已将 {count} 条通知标记为已读。")
    return redirect("notifications:inbox")


@login_required
def preferences(request):
    pref = preference_for(request.user)
    initial = {
        "email_enabled": pref.email_enabled,
        "email_kinds": [k for k in Notification.Kind.values if k not in (pref.muted_email_kinds or [])],
        "daily_digest": pref.daily_digest,
    }
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.preference_update(user=request.user, **form.cleaned_data)
        messages.success(request, "通知偏好已保存。")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@login_required
def subscriptions(request):
    membership = user_active_membership(request.user)
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST":
        if membership is None:
            messages.error(request, "请先加入一个单位，订阅以单位为单位生效。")
            return redirect("notifications:subscriptions")
        if form.is_valid():
            try:
                services.subscription_create(
                    organization=membership.organization, user=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "订阅已保存：符合条件的新需求会通知本单位成员。")
                return redirect("notifications:subscriptions")
    return render(
        request,
        "notifications/subscriptions.html",
        {
            "form": form,
            "subscriptions": subscriptions_for(request.user),
            "membership": membership,
        },
    )


@login_required
@require_POST
def subscription_delete(request, pk):
    subscription = get_object_or_404(subscriptions_for(request.user), pk=pk)
    try:
        services.subscription_delete(subscription=subscription, user=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已删除订阅「{subscription.name}」。")
    return redirect("notifications:subscriptions")
