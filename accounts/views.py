"""HTML pages: sign-up, login/logout, my organisation, and the verification queue for staff."""

import datetime

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import (
    LoginForm,
    MembershipRoleForm,
    OrganizationCreateForm,
    OrganizationEditForm,
    OrganizationJoinForm,
    RejectForm,
    SignupForm,
    add_service_errors,
)
from accounts.models import ApiToken, Membership, Organization

BACKEND = "accounts.backends.LimitedModelBackend"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), so a link cannot log anyone out."""


def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:my_org")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # One transaction: if the organisation part fails, no account is left behind.
            with transaction.atomic():
                user = services.user_signup(
                    username=data["username"],
                    password=data["password1"],
                    display_name=data["display_name"],
                    email=data["email"],
                    phone=data.get("phone", ""),
                )
                if data["org_action"] == SignupForm.ACTION_CREATE:
                    org = services.organization_create(user=user, **form.org_kwargs())
                    message = f"注册成功，已创建「{org.name}」，您是该单位管理员。单位认证通过前可以起草清单，认证后才能发布。"
                else:
                    services.membership_request(user=user, organization=form.join_organization)
                    message = f"注册成功，已向「{form.join_organization.name}」提交加入申请，请等待该单位管理员审核。"
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, message)
            return redirect("accounts:my_org")
    return render(request, "accounts/signup.html", {"form": form})


def _selected_membership(memberships, wanted):
    """The membership the my-org page shows: ?org=<id> among the user's own, else the first active."""
    if wanted:
        for membership in memberships:
            if str(membership.organization_id) == wanted:
                return membership
        raise Http404("未找到该单位。")
    active = [m for m in memberships if m.status == Membership.Status.ACTIVE]
    return (active or memberships or [None])[0]


@login_required
def my_org(request):
    return _render_my_org(request, org_id=request.GET.get("org"))


def _render_my_org(request, *, org_id=None, new_token=None, edit_form=None, new_secret=None):
    memberships = list(selectors.user_memberships(request.user))
    current = _selected_membership(memberships, org_id)
    context = {"memberships": memberships, "current": current, "new_token": new_token, "new_secret": new_secret}
    if current is not None and current.status == Membership.Status.ACTIVE:
        from catalog.models import DemandList, SupplyMenu

        org = current.organization
        is_admin = current.role == Membership.Role.ADMIN
        context.update(
            {
                "org": org,
                "is_admin": is_admin,
                "members": selectors.organization_memberships(org, status=Membership.Status.ACTIVE),
                "pending": selectors.organization_memberships(org, status=Membership.Status.PENDING)
                if is_admin
                else [],
                "demand_lists": DemandList.objects.filter(organization=org).order_by("-created_at"),
                "supply_menus": SupplyMenu.objects.filter(organization=org).order_by("-created_at"),
                "role_choices": Membership.Role.choices,
                "edit_form": edit_form
                or OrganizationEditForm(
                    initial={
                        "org_region": org.region.full_name,
                        "org_credit_code": org.credit_code,
                        "description": org.description,
                        "website": org.website,
                    }
                ),
            }
        )
        from rest_framework.authtoken.models import Token

        context["token"] = Token.objects.filter(user=request.user).first()
        context["api_tokens"] = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True)
        context["token_scopes"] = ApiToken.Scope.choices
        context["token_apps"] = ApiToken.App.choices
    return render(request, "accounts/my_org.html", context)


def _my_org_url(org_id):
    return reverse("accounts:my_org") + f"?org={org_id}"


@login_required
def organization_create(request):
    form = OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organization_create(user=request.user, **form.org_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"已创建「{org.name}」，您是该单位管理员。认证通过前可以起草清单，认证后才能发布。"
            )
            return redirect(_my_org_url(org.pk))
    return render(request, "accounts/organization_form.html", {"form": form, "mode": "create"})


@login_required
def organization_join(request):
    form = OrganizationJoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_request(user=request.user, organization=form.join_organization)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已向「{form.join_organization.name}」提交加入申请，请等待该单位管理员审核。")
            return redirect("accounts:my_org")
    return render(request, "accounts/organization_form.html", {"form": form, "mode": "join"})


def _own_org_or_404(user, org_id):
    """An organisation the user is an active member of; anyone else gets 404."""
    if org_id not in selectors.user_org_ids(user):
        raise Http404("未找到该单位。")
    return get_object_or_404(Organization, pk=org_id)


@login_required
@require_POST
def organization_edit(request, pk):
    org = _own_org_or_404(request.user, pk)
    form = OrganizationEditForm(request.POST)
    if form.is_valid():
        try:
            services.organization_update(
                organization=org,
                actor=request.user,
                region_text=form.cleaned_data["org_region"],
                credit_code=form.cleaned_data["org_credit_code"],
                description=form.cleaned_data["description"],
                website=form.cleaned_data["website"],
            )
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "单位信息已保存。")
            return redirect(_my_org_url(org.pk))
    if form.errors:
        messages.error(request, "单位信息未保存，请修改标出的问题。")
        return _render_my_org(request, org_id=str(org.pk), edit_form=form)
    return redirect(_my_org_url(org.pk))


@login_required
@require_POST
def organization_resubmit(request, pk):
    org = _own_org_or_404(request.user, pk)
    _run(
        request,
        lambda: services.organization_resubmit(organization=org, actor=request.user),
        "已重新提交认证申请，对接专员审核后会通知您。",
    )
    return redirect(_my_org_url(org.pk))


def _run(request, action, success_message):
    """Call a service; show its Chinese message on failure instead of a 500."""
    try:
        action()
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        return False
    messages.success(request, success_message)
    return True


def _membership_in_my_org_or_404(user, pk):
    """Memberships of organisations the user belongs to (others: 404; rights checked by the service)."""
    membership = get_object_or_404(Membership.objects.select_related("organization", "user"), pk=pk)
    if (
        membership.user_id != user.pk
        and membership.organization_id not in selectors.user_org_ids(user)
        and not selectors.is_platform_admin(user)
    ):
        raise Http404("未找到该成员。")
    return membership


@login_required
@require_POST
def membership_approve(request, pk):
    membership = _membership_in_my_org_or_404(request.user, pk)
    _run(
        request,
        lambda: services.membership_approve(membership=membership, actor=request.user),
        f"已批准 {membership.user} 加入。",
    )
    return redirect(_my_org_url(membership.organization_id))


@login_required
@require_POST
def membership_reject(request, pk):
    membership = _membership_in_my_org_or_404(request.user, pk)
    _run(
        request,
        lambda: services.membership_reject(membership=membership, actor=request.user),
        f"已拒绝 {membership.user} 的加入申请。",
    )
    return redirect(_my_org_url(membership.organization_id))


@login_required
@require_POST
def membership_set_role(request, pk):
    membership = _membership_in_my_org_or_404(request.user, pk)
    form = MembershipRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择有效的角色（管理员或成员）。")
    else:
        role = form.cleaned_data["role"]
        _run(
            request,
            lambda: services.membership_set_role(membership=membership, role=role, actor=request.user),
            f"已将 {membership.user} 的角色设为{Membership.Role(role).label}。",
        )
    return redirect(_my_org_url(membership.organization_id))


@login_required
@require_POST
def membership_remove(request, pk):
    membership = _membership_in_my_org_or_404(request.user, pk)
    leaving = membership.user_id == request.user.pk
    ok = _run(
        request,
        lambda: services.membership_remove(membership=membership, actor=request.user),
        f"您已退出「{membership.organization}」。" if leaving else f"已将 {membership.user} 移出本单位。",
    )
    if ok and leaving:
        return redirect("accounts:my_org")
    return redirect(_my_org_url(membership.organization_id))


@login_required
@require_POST
def api_token_rotate(request):
    if not selectors.user_org_ids(request.user):
        raise Http404("请先加入单位。")
    token = services.api_token_rotate(user=request.user)
    messages.success(request, "已生成新的接口令牌，旧令牌已失效。请立即复制保存：离开本页后不再显示完整令牌。")
    # Rendered in this response only (never stored in the session or a cookie).
    return _render_my_org(request, org_id=request.POST.get("org"), new_token=token.key)


@login_required
@require_POST
def api_token_revoke(request):
    if services.api_token_revoke(user=request.user):
        messages.success(request, "接口令牌已撤销。")
    return redirect("accounts:my_org")


@login_required
@require_POST
def api_named_token_create(request):
    """A named token (scope, modules, expiry); its secret is shown in this response only."""
    if not selectors.user_org_ids(request.user):
        raise Http404("请先加入单位。")
    expires_on = None
    raw_date = (request.POST.get("expires_on") or "").strip()
    try:
        if raw_date:
            expires_on = datetime.date.fromisoformat(raw_date)
        _, secret = services.api_token_create(
            user=request.user,
            name=request.POST.get("name", ""),
            scope=request.POST.get("scope", ""),
            apps=request.POST.getlist("apps"),
            expires_on=expires_on,
        )
    except ValueError:
        messages.error(request, "令牌未创建：到期日期格式不正确。")
    except ValidationError as exc:
        messages.error(request, "令牌未创建：" + "；".join(exc.messages))
    else:
        messages.success(request, "已创建接口令牌。请立即复制保存：离开本页后不再显示完整令牌。")
        return _render_my_org(request, org_id=request.POST.get("org"), new_secret=secret)
    return redirect(_my_org_url(request.POST.get("org")) if request.POST.get("org") else "accounts:my_org")


@login_required
@require_POST
def api_named_token_revoke(request, pk):
    _run(
        request,
        lambda: services.api_token_revoke_named(user=request.user, token_id=pk),
        "接口令牌已撤销，使用它的系统将无法再访问。",
    )
    return redirect("accounts:my_org")


# --- staff: verification queue ---------------------------------------------------------------


def _require_staff(request):
    if not selectors.is_liaison(request.user):
        raise Http404("未找到该页面。")


def verification_queue(request):
    _require_staff(request)
    from django.db.models import Count, Q

    awaiting = selectors.organizations_awaiting_verification().annotate(
        pending_count=Count("memberships", filter=Q(memberships__status=Membership.Status.PENDING), distinct=True),
        demand_list_count=Count("demand_lists", distinct=True),
        supply_menu_count=Count("supply_menus", distinct=True),
    )
    awaiting = list(awaiting)
    admins = {}
    for membership in (
        Membership.objects.select_related("user")
        .filter(organization__in=awaiting, status=Membership.Status.ACTIVE, role=Membership.Role.ADMIN)
        .order_by("created_at")
    ):
        admins.setdefault(membership.organization_id, []).append(membership.user)
    for org in awaiting:
        org.admin_users = admins.get(org.pk, [])
    context = {
        "awaiting": awaiting,
        "rejected": selectors.organizations_rejected()[:50],
        "reject_form": RejectForm(),
    }
    return render(request, "accounts/verification_queue.html", context)


@require_POST
def organization_verify(request, pk):
    _require_staff(request)
    org = get_object_or_404(Organization, pk=pk)
    _run(
        request,
        lambda: services.organization_verify(organization=org, actor=request.user),
        f"「{org.name}」已认证通过，已通知该单位成员。",
    )
    return redirect("accounts:verification_queue")


@require_POST
def organization_reject(request, pk):
    _require_staff(request)
    org = get_object_or_404(Organization, pk=pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "驳回时请填写原因，便于单位补充材料。")
    else:
        _run(
            request,
            lambda: services.organization_reject(
                organization=org, actor=request.user, reason=form.cleaned_data["reason"]
            ),
            f"已驳回「{org.name}」的认证申请，已通知该单位成员。",
        )
    return redirect("accounts:verification_queue")
