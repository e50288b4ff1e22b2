"""Writes about users and organisations: sign-up, joining, roles, verification, login limiting.

Every function is keyword-only, atomic and checks the actor's rights itself, so views, the API
and the admin can all call it without re-implementing the rules.
"""

import datetime
import ipaddress
import math
import re
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from accounts.authentication import new_secret
from accounts.models import ApiToken, LoginFailure, LoginThrottle, Membership, Organization, User
from accounts.selectors import is_liaison, is_platform_admin, user_is_org_admin

# --- validation helpers shared with forms -----------------------------------------------------

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]{3,150}$")
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
# GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z); the last is a check digit.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_validate(code):
    """Return the normalised 统一社会信用代码 or raise ValidationError naming what is wrong."""
    code = (code or "").strip().upper()
    if not code:
        return ""
    if len(code) != 18:
        raise ValidationError(f"统一社会信用代码应为 18 位，当前为 {len(code)} 位。")
    bad = sorted({ch for ch in code if ch not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用 I、O、S、V、Z）。")
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(code[:17], CREDIT_CODE_WEIGHTS, strict=True))
    expected = CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]
    if code[17] != expected:
        raise ValidationError("统一社会信用代码校验位不正确，请核对营业执照上的代码。")
    return code


def phone_validate(phone):
    phone = (phone or "").strip().replace(" ", "")
    if phone and not PHONE_RE.match(phone):
        raise ValidationError("手机号码格式不正确：请填写 11 位手机号或带区号的固定电话（如 0537-2345678）。")
    return phone


def region_from_text(text):
    """Resolve 所在地区 text to a Region, with a message that names the text when it cannot."""
    from catalog.regions import region_resolve

    if not (text or "").strip():
        raise ValidationError({"region": "请填写所在地区，如“济宁市任城区”或“北京市海淀区”。"})
    try:
        return region_resolve(text)
    except ValidationError as exc:
        raise ValidationError({"region": exc.messages}) from None


# --- users ------------------------------------------------------------------------------------


@transaction.atomic
def user_signup(*, username, password, display_name, email, phone=""):
    username = (username or "").strip()
    display_name = (display_name or "").strip()
    email = (email or "").strip().lower()
    errors = {}
    if not USERNAME_RE.match(username):
        errors["username"] = "用户名须为 3–150 位字母、数字或 _ . @ + - 符号。"
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = f"用户名「{username}」已被注册，请换一个。"
    if not display_name:
        errors["display_name"] = "请填写姓名。"
    if not email:
        errors["email"] = "请填写电子邮箱。"
    elif User.objects.filter(email__iexact=email).exists():
        errors["email"] = f"邮箱「{email}」已注册过账号，请直接登录或找回密码。"
    try:
        phone = phone_validate(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    user = User(username=username, display_name=display_name, email=email, phone=phone)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    return user


# The actor for changes made from the command line (manage.py), where nobody is logged in.
SYSTEM = object()


@transaction.atomic
def user_set_platform_role(*, user, role, actor, regions=None):
    """Platform admins make someone 对接专员 or 平台管理员 (and set the regions a liaison follows)."""
    if actor is not SYSTEM and not is_platform_admin(actor):
        raise PermissionDenied("只有平台管理员可以设置平台角色。")
    if role not in User.PlatformRole.values:
        raise ValidationError({"platform_role": f"未知的平台角色「{role}」。"})
    user = User.objects.select_for_update().get(pk=user.pk)
    user.platform_role = role
    # Platform staff use the Django admin; ordinary users must not reach it.
    user.is_staff = bool(role) or user.is_superuser
    user.save(update_fields=["platform_role", "is_staff"])
    if regions is not None:
        user.responsible_regions.set(regions)
    return user


# --- organisations ----------------------------------------------------------------------------


def _org_name_clean(name):
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写单位名称。"})
    if len(name) > 120:
        raise ValidationError({"name": "单位名称不能超过 120 个字。"})
    if Organization.objects.filter(name=name).exists():
        raise ValidationError({"name": f"单位「{name}」已在平台注册，请选择“申请加入已有单位”。"})
    return name


@transaction.atomic
def organization_create(*, user, name, kind, region_text, credit_code="", description="", website=""):
    """Create an (unverified) organisation; its creator becomes its 管理员."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    errors = {}
    try:
        name = _org_name_clean(name)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if kind not in Organization.Kind.values:
        errors["kind"] = f"请选择单位类型：{'、'.join(Organization.Kind.labels)}。"
    try:
        credit_code = credit_code_validate(credit_code)
    except ValidationError as exc:
        errors["credit_code"] = exc.messages
    if credit_code and Organization.objects.filter(credit_code=credit_code).exists():
        errors["credit_code"] = "该统一社会信用代码已被其他单位使用，请选择“申请加入已有单位”。"
    region = None
    if not errors:
        try:
            region = region_from_text(region_text)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    org = Organization(
        name=name,
        kind=kind,
        region=region,
        credit_code=credit_code,
        description=(description or "").strip(),
        website=(website or "").strip(),
    )
    org.full_clean()
    org.save()
    Membership.objects.create(user=user, organization=org, role=Membership.Role.ADMIN, status=Membership.Status.ACTIVE)
    _notify_verifiers_of(org)
    return org


def _notify_verifiers_of(org):
    from accounts.selectors import liaison_staff_for_region
    from notifications.models import Notification
    from notifications.services import notify

    staff = list(liaison_staff_for_region(org.region)) or list(
        User.objects.filter(is_active=True, platform_role=User.PlatformRole.ADMIN)
    )
    notify(
        recipients=staff,
        kind=Notification.Kind.ACCOUNT,
        title=f"新单位待认证：{org.name}",
        body=f"{org.get_kind_display()} · {org.region}",
        url=reverse("accounts:verification_queue"),
        dedup_key=f"org-verify-request:{org.pk}:{int((org.rejected_at or org.created_at).timestamp())}",
    )


@transaction.atomic
def organization_resubmit(*, organization, actor):
    """After a rejection the organisation's admin asks for verification again."""
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    if not (user_is_org_admin(actor, org.pk) or is_platform_admin(actor)):
        raise PermissionDenied("只有本单位管理员可以重新提交认证。")
    if org.is_verified:
        raise ValidationError("该单位已通过认证，无需重新提交。")
    if org.rejected_at is None:
        raise ValidationError("该单位的认证申请正在审核中。")
    org.rejected_at = None
    org.rejection_reason = ""
    org.save(update_fields=["rejected_at", "rejection_reason", "updated_at"])
    _notify_verifiers_of(org)
    return org


@transaction.atomic
def organization_update(*, organization, actor, description=None, website=None, credit_code=None, region_text=None):
    """An org admin corrects its details (e.g. before resubmitting for verification)."""
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    if not (user_is_org_admin(actor, org.pk) or is_platform_admin(actor)):
        raise PermissionDenied("只有本单位管理员可以修改单位信息。")
    errors = {}
    if credit_code is not None:
        try:
            credit_code = credit_code_validate(credit_code)
        except ValidationError as exc:
            errors["credit_code"] = exc.messages
        else:
            if credit_code and Organization.objects.filter(credit_code=credit_code).exclude(pk=org.pk).exists():
                errors["credit_code"] = "该统一社会信用代码已被其他单位使用。"
            org.credit_code = credit_code
    if region_text is not None:
        try:
            org.region = region_from_text(region_text)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if description is not None:
        org.description = description.strip()
    if website is not None:
        org.website = website.strip()
    if errors:
        raise ValidationError(errors)
    org.full_clean()
    org.save()
    return org


def _require_verifier(actor):
    # Views answer 404 to non-staff before getting here; the service still refuses on its own.
    if not is_liaison(actor):
        raise PermissionDenied("只有对接专员或平台管理员可以审核单位认证。")


@transaction.atomic
def organization_verify(*, organization, actor):
    _require_verifier(actor)
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    if org.is_verified:
        return org
    org.is_verified = True
    org.verified_at = timezone.now()
    org.verified_by = actor
    org.rejected_at = None
    org.rejection_reason = ""
    org.save(
        update_fields=["is_verified", "verified_at", "verified_by", "rejected_at", "rejection_reason", "updated_at"]
    )
    _notify_members(
        org,
        title=f"{org.name} 已通过认证",
        body="认证通过：本单位的需求清单和供给菜单现在可以发布了。",
        dedup_key=f"org-verified:{org.pk}:{int(org.verified_at.timestamp())}",
    )
    _audit(actor, org, "verify", {"is_verified": {"before": False, "after": True}})
    return org


@transaction.atomic
def organization_reject(*, organization, actor, reason):
    _require_verifier(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "驳回时请填写原因，便于单位补充材料。"})
    if len(reason) > 500:
        raise ValidationError({"reason": "驳回原因不能超过 500 个字。"})
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    if org.is_verified:
        raise ValidationError("该单位已通过认证；如需撤销请使用“取消认证”。")
    org.rejected_at = timezone.now()
    org.rejection_reason = reason
    org.save(update_fields=["rejected_at", "rejection_reason", "updated_at"])
    _notify_members(
        org,
        title=f"{org.name} 的认证申请被驳回",
        body=f"驳回原因：{reason}",
        dedup_key=f"org-rejected:{org.pk}:{int(org.rejected_at.timestamp())}",
    )
    _audit(actor, org, "reject", {"rejection_reason": {"before": "", "after": reason}})
    return org


@transaction.atomic
def organization_unverify(*, organization, actor):
    """取消认证: the organisation's lists stop being public at once (selectors check is_verified)."""
    if not is_platform_admin(actor):
        raise PermissionDenied("只有平台管理员可以取消认证。")
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    if not org.is_verified:
        return org
    org.is_verified = False
    org.verified_at = None
    org.verified_by = None
    org.save(update_fields=["is_verified", "verified_at", "verified_by", "updated_at"])
    _notify_members(
        org,
        title=f"{org.name} 的认证已被取消",
        body="本单位的清单和菜单暂不公开，请联系平台管理员。",
        dedup_key=f"org-unverified:{org.pk}:{int(timezone.now().timestamp())}",
    )
    _audit(actor, org, "unverify", {"is_verified": {"before": True, "after": False}})
    return org


def _notify_members(org, *, title, body, dedup_key):
    from notifications.models import Notification
    from notifications.services import notify_organization

    notify_organization(
        organization=org,
        kind=Notification.Kind.ACCOUNT,
        title=title,
        body=body,
        url=reverse("accounts:my_org"),
        dedup_key=dedup_key,
    )


def _audit(actor, obj, action, changes):
    """Record who verified/rejected whom in the audit trail (the audit app is built by another team)."""
    from django.apps import apps

    if not apps.is_installed("audit"):
        return
    from audit.services import audit_record

    audit_record(actor=actor, obj=obj, action=action, changes=changes)


# --- memberships ------------------------------------------------------------------------------


def _org_admins(org):
    return User.objects.filter(
        memberships__organization=org,
        memberships__status=Membership.Status.ACTIVE,
        memberships__role=Membership.Role.ADMIN,
        is_active=True,
    )


@transaction.atomic
def membership_request(*, user, organization):
    """Ask to join an organisation; its admins are notified and decide on the my-org page."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    existing = Membership.objects.select_for_update().filter(user=user, organization=organization).first()
    if existing is not None:
        if existing.status == Membership.Status.ACTIVE:
            raise ValidationError(f"您已经是「{organization.name}」的成员。")
        if existing.status == Membership.Status.PENDING:
            raise ValidationError(f"您加入「{organization.name}」的申请正在等待管理员审核。")
        existing.status = Membership.Status.PENDING
        existing.role = Membership.Role.MEMBER
        existing.save(update_fields=["status", "role"])
        membership = existing
    else:
        membership = Membership.objects.create(
            user=user, organization=organization, role=Membership.Role.MEMBER, status=Membership.Status.PENDING
        )
    from notifications.models import Notification
    from notifications.services import notify

    recipients = list(_org_admins(organization))
    url = reverse("accounts:my_org") + f"?org={organization.pk}"
    if not recipients:
        # An organisation without an admin (e.g. created by a staff import): platform admins decide
        # in the admin site, and the first member they approve becomes the organisation's admin.
        recipients = list(User.objects.filter(is_active=True, platform_role=User.PlatformRole.ADMIN))
        url = (
            reverse("admin:accounts_membership_changelist")
            + f"?status__exact=pending&organization__id__exact={organization.pk}"
        )
    notify(
        recipients=recipients,
        kind=Notification.Kind.ACCOUNT,
        title=f"{user} 申请加入 {organization.name}",
        body=f"申请人：{user.display_name or user.username}（{user.email}）。请在“我的组织”页面审核。",
        url=url,
        dedup_key=f"join-request:{membership.pk}:{int(timezone.now().timestamp())}",
    )
    return membership


def _require_org_admin(actor, org):
    if not (user_is_org_admin(actor, org.pk) or is_platform_admin(actor)):
        raise PermissionDenied("只有本单位管理员可以管理成员。")


def _lock_membership(membership):
    return (
        Membership.objects.select_for_update(of=("self",)).select_related("organization", "user").get(pk=membership.pk)
    )


@transaction.atomic
def membership_approve(*, membership, actor):
    membership = _lock_membership(membership)
    _require_org_admin(actor, membership.organization)
    if membership.status != Membership.Status.PENDING:
        raise ValidationError("该申请已处理过。")
    membership.status = Membership.Status.ACTIVE
    if _active_admin_count(membership.organization) == 0:
        membership.role = Membership.Role.ADMIN  # an organisation must have someone who manages it
    membership.save(update_fields=["status", "role"])
    _notify_user(membership, f"您已加入 {membership.organization.name}", "管理员已通过您的加入申请。", "join-approved")
    return membership


@transaction.atomic
def membership_reject(*, membership, actor):
    membership = _lock_membership(membership)
    _require_org_admin(actor, membership.organization)
    if membership.status != Membership.Status.PENDING:
        raise ValidationError("该申请已处理过。")
    membership.status = Membership.Status.REJECTED
    membership.save(update_fields=["status"])
    _notify_user(
        membership, f"加入 {membership.organization.name} 的申请未通过", "如有疑问请联系该单位管理员。", "join-rejected"
    )
    return membership


def _active_admin_count(org):
    # Lock the admin rows so two admins demoting each other at once cannot leave none.
    return len(
        list(
            Membership.objects.select_for_update()
            .filter(organization=org, status=Membership.Status.ACTIVE, role=Membership.Role.ADMIN)
            .values_list("pk", flat=True)
        )
    )


@transaction.atomic
def membership_set_role(*, membership, role, actor):
    membership = _lock_membership(membership)
    _require_org_admin(actor, membership.organization)
    if role not in Membership.Role.values:
        raise ValidationError({"role": f"未知的角色「{role}」：可选 管理员 或 成员。"})
    if membership.status != Membership.Status.ACTIVE:
        raise ValidationError("只能为有效成员设置角色，请先审核其加入申请。")
    if membership.role == role:
        return membership
    if membership.role == Membership.Role.ADMIN and _active_admin_count(membership.organization) <= 1:
        raise ValidationError("不能取消最后一位管理员的管理员角色：请先指定另一位管理员。")
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    _audit(actor, membership, "set_role", {"role": {"before": before, "after": role}})
    _notify_user(
        membership,
        f"您在 {membership.organization.name} 的角色已变为{membership.get_role_display()}",
        "",
        f"role-{role}",
    )
    return membership


@transaction.atomic
def membership_remove(*, membership, actor):
    """An admin removes a member, or a member leaves; the last admin can do neither."""
    membership = _lock_membership(membership)
    if membership.user_id != getattr(actor, "pk", None):
        _require_org_admin(actor, membership.organization)
    if (
        membership.status == Membership.Status.ACTIVE
        and membership.role == Membership.Role.ADMIN
        and _active_admin_count(membership.organization) <= 1
    ):
        raise ValidationError("不能移除最后一位管理员：请先把另一位成员设为管理员。")
    org, user = membership.organization, membership.user
    _audit(actor, membership, "remove", {"status": {"before": membership.status, "after": None}})
    membership.delete()
    if user.pk != actor.pk:
        from notifications.models import Notification
        from notifications.services import notify

        notify(
            recipients=[user],
            kind=Notification.Kind.ACCOUNT,
            title=f"您已被移出 {org.name}",
            body="",
            url="",
            dedup_key=f"member-removed:{org.pk}:{user.pk}:{int(timezone.now().timestamp())}",
        )
    return org


def _notify_user(membership, title, body, tag):
    from notifications.models import Notification
    from notifications.services import notify

    notify(
        recipients=[membership.user],
        kind=Notification.Kind.ACCOUNT,
        title=title,
        body=body,
        url=reverse("accounts:my_org"),
        dedup_key=f"{tag}:{membership.pk}:{int(timezone.now().timestamp())}",
    )


# --- API tokens -------------------------------------------------------------------------------


@transaction.atomic
def api_token_rotate(*, user):
    """Create or replace the user's DRF token (the old key stops working at once)."""
    from rest_framework.authtoken.models import Token

    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


@transaction.atomic
def api_token_revoke(*, user):
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user=user).delete()[0] > 0


TOKEN_DEFAULT_DAYS = 90
TOKEN_MAX_DAYS = 366


@transaction.atomic
def api_token_create(*, user, name, scope, apps=(), expires_on=None):
    """A new named token for `user`; returns (token, secret). The secret is not stored: show it once."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "请填写令牌名称，例如“招商系统对接”。"
    elif len(name) > 60:
        errors["name"] = "令牌名称不能超过 60 个字。"
    elif ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists():
        errors["name"] = f"已有名为「{name}」的有效令牌，请换一个名称。"
    if scope not in ApiToken.Scope.values:
        errors["scope"] = "请选择令牌权限（只读或读写）。"
    apps = list(dict.fromkeys(apps or ()))
    unknown = [a for a in apps if a not in ApiToken.App.values]
    if unknown:
        errors["apps"] = "限定模块只能从列出的模块中选择。"
    today = timezone.localdate()
    expires_on = expires_on or today + timedelta(days=TOKEN_DEFAULT_DAYS)
    if expires_on <= today:
        errors["expires_on"] = "到期日期须晚于今天。"
    elif expires_on > today + timedelta(days=TOKEN_MAX_DAYS):
        errors["expires_on"] = "令牌有效期最长一年。"
    if errors:
        raise ValidationError(errors)
    secret, prefix, key_hash = new_secret()
    # Valid through the whole expiry day (Asia/Shanghai).
    expires_at = timezone.make_aware(datetime.datetime.combine(expires_on + timedelta(days=1), datetime.time.min))
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=key_hash, scope=scope, apps=apps, expires_at=expires_at
    )
    _audit(
        user,
        token,
        "create",
        {
            "scope": {"before": None, "after": token.get_scope_display()},
            "apps": {"before": None, "after": token.apps_display},
        },
    )
    return token, secret


@transaction.atomic
def api_token_revoke_named(*, user, token_id):
    """Revoke one of the user's own named tokens (others' tokens: not found)."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        raise ValidationError("未找到该令牌，或它已被撤销。")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    _audit(user, token, "revoke", {"revoked_at": {"before": None, "after": token.revoked_at.isoformat()}})
    return token


# --- login rate limiting ----------------------------------------------------------------------
# Two counters decide, both reserved atomically *before* a password is checked:
#  * per username + address (LOGIN_MAX_FAILURES): guessing one account from one place. Keyed by
#    address too, so an attacker cannot lock the real user (who logs in from elsewhere) out;
#  * per address across all usernames (LOGIN_MAX_FAILURES_PER_IP): password spraying.
# A reservation is one conditional UPDATE ("count + 1 where count < limit"), so with any number of
# parallel requests the database hands out at most the limit; a refused request checks nothing.
# LoginFailure rows stay as the record staff read in the admin.


def _username_for_key(username):
    # NFKC + casefold: "Park_Member" and full-width "ＰＡＲＫ_member" count as one name.
    return unicodedata.normalize("NFKC", (username or "").strip()).casefold().replace("\x00", "")[:150]


def _address_for_key(ip):
    """The address a counter is keyed by: IPv6 by its /64 (one subscriber gets a whole /64)."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return (ip or "-").replace("\x00", "")[:45] or "-"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _login_key(username, ip):
    return f"{_username_for_key(username)}|{_address_for_key(ip)}"


def _user_counter_key(username, ip):
    return f"user:{_login_key(username, ip)}"


def _ip_counter_key(ip):
    return f"ip:{_address_for_key(ip)}"


def _window_start(now=None):
    return (now or timezone.now()) - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


def _reserve(key, limit, now):
    """Count one attempt against `key` unless it already has `limit` in the window; True if counted."""
    expired = Q(last_attempt_at__lt=_window_start(now))
    for _ in range(2):  # twice: a prune may delete a stale row between get_or_create and the UPDATE
        LoginThrottle.objects.get_or_create(key=key, defaults={"attempts": 0, "last_attempt_at": now})
        counted = LoginThrottle.objects.filter(Q(key=key) & (Q(attempts__lt=limit) | expired)).update(
            attempts=Case(When(expired, then=Value(1)), default=F("attempts") + 1),
            last_attempt_at=now,
        )
        if counted:
            return True
        if LoginThrottle.objects.filter(key=key).exists():
            return False
    return False


def _prune(now):
    """Delete records older than the window, skipping rows other requests hold (no lock waits, no deadlock)."""
    cutoff = _window_start(now)
    for model, field in ((LoginFailure, "created_at"), (LoginThrottle, "last_attempt_at")):
        stale = model.objects.select_for_update(skip_locked=True).filter(**{f"{field}__lt": cutoff})
        pks = list(stale.values_list("pk", flat=True)[:1000])
        if pks:
            model.objects.filter(pk__in=pks).delete()


def _minutes_left(key, now):
    last = LoginThrottle.objects.filter(key=key).values_list("last_attempt_at", flat=True).first() or now
    seconds = (last + timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS) - now).total_seconds()
    # A parallel request may have stamped the row a moment after our `now`: never promise more than the window.
    return max(1, math.ceil(min(seconds, settings.LOGIN_LOCKOUT_SECONDS) / 60))


LOCKED_MESSAGE = "登录失败次数过多，该账号在此地址已被暂时锁定，请 {minutes} 分钟后再试。"
IP_LOCKED_MESSAGE = "尝试次数过多，请 {minutes} 分钟后再试。"
INVALID_LOGIN_MESSAGE = "用户名或密码不正确。请注意密码区分大小写。"


def locked_message(minutes=None):
    return LOCKED_MESSAGE.format(minutes=minutes or max(1, settings.LOGIN_LOCKOUT_SECONDS // 60))


@transaction.atomic
def login_attempt_reserve(*, username, ip):
    """Reserve one password check for username at ip, or raise ValidationError(code="locked").

    The address counter is taken first (always in this order, so two requests never wait on each
    other's rows in opposite order); raising rolls back whatever this call counted, so a refused
    request neither uses the address's budget nor extends a lock.
    """
    now = timezone.now()
    ip_key, user_key = _ip_counter_key(ip), _user_counter_key(username, ip)
    if not _reserve(ip_key, settings.LOGIN_MAX_FAILURES_PER_IP, now):
        raise ValidationError(IP_LOCKED_MESSAGE.format(minutes=_minutes_left(ip_key, now)), code="locked")
    if not _reserve(user_key, settings.LOGIN_MAX_FAILURES, now):
        raise ValidationError(locked_message(_minutes_left(user_key, now)), code="locked")


def login_is_locked(*, username, ip):
    """True while username at ip has used up its attempts (a read: the decision is login_attempt_reserve)."""
    now = timezone.now()
    return LoginThrottle.objects.filter(
        key=_user_counter_key(username, ip),
        attempts__gte=settings.LOGIN_MAX_FAILURES,
        last_attempt_at__gte=_window_start(now),
    ).exists()


@transaction.atomic
def login_failure_record(*, username, ip):
    """The attempt was already counted when reserved; keep the staff-readable record and prune."""
    LoginFailure.objects.create(key=_login_key(username, ip))
    _prune(timezone.now())


@transaction.atomic
def login_failures_clear(*, username, ip):
    """A successful login: clear this user+address counter and give the address back its one attempt.

    Only one: an attacker who owns an account cannot reset the address counter by logging in.
    """
    LoginThrottle.objects.filter(key=_ip_counter_key(ip), attempts__gt=0).update(attempts=F("attempts") - 1)
    LoginThrottle.objects.filter(key=_user_counter_key(username, ip)).delete()
    LoginFailure.objects.filter(key=_login_key(username, ip)).delete()


def login_authenticate(*, request, username, password):
    """Authenticate through the limiter (accounts.backends.LimitedModelBackend does the counting).

    The page login and the token API call this; the admin's login calls authenticate() and gets the
    same limits. Raises ValidationError (code "locked" or "invalid_login") with a Chinese message;
    while an account+address (or the address) is locked even the right password is refused and not
    checked.
    """
    user = authenticate(request, username=username, password=password)
    if user is None:
        ip = client_ip(request)
        if login_is_locked(username=username, ip=ip):
            minutes = _minutes_left(_user_counter_key(username, ip), timezone.now())
            raise ValidationError(locked_message(minutes), code="locked")
        raise ValidationError(INVALID_LOGIN_MESSAGE, code="invalid_login")
    return user


def client_ip(request):
    # Only trust X-Forwarded-For when the site is configured to sit behind a proxy.
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")
