"""API authentication: named tokens (scopes, expiry, revocation) and the legacy full-access token.

`Authorization: Token <secret>` or `Authorization: Bearer <secret>`. A named token's secret starts
with "jlt_" and is looked up by its sha256; any other key is a legacy DRF authtoken (full access).
The scope check runs here, once for every API view, so a view's own permission classes cannot
forget it: a read-only token gets 403 on unsafe methods, an app-scoped token 403 outside its apps.
"""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.authtoken.models import Token
from rest_framework.permissions import SAFE_METHODS

from accounts.models import ApiToken

SECRET_PREFIX = "jlt_"
# last_used_at is written at most this often per token (one UPDATE, not one per request).
LAST_USED_RESOLUTION = timedelta(minutes=1)

INVALID = "令牌无效，请检查请求头 Authorization: Token <令牌>。"
EXPIRED = "该令牌已过期，请在“我的单位”页面新建令牌。"
REVOKED = "该令牌已撤销。"
INACTIVE = "该账号已停用，请联系平台管理员。"
READ_ONLY = "该令牌只有只读权限"


def new_secret():
    """(secret, prefix, hash): the secret is a random 40-byte token; only the hash is stored."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(40)
    return secret, secret[: len(SECRET_PREFIX) + 6], hash_secret(secret)


def hash_secret(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def view_app(view):
    """The app a view belongs to: its `token_app` attribute, else the first part of its module."""
    explicit = getattr(view, "token_app", None)
    if explicit:
        return explicit
    return type(view).__module__.split(".")[0] if view is not None else ""


def check_token_scope(token, request, view):
    """Raise PermissionDenied when `token` (an ApiToken) may not make this request."""
    if token.scope != ApiToken.Scope.WRITE and request.method not in SAFE_METHODS:
        raise exceptions.PermissionDenied(READ_ONLY)
    if token.apps and not getattr(view, "token_any_app", False):
        app = view_app(view)
        if app not in token.apps:
            labels = "、".join(dict(ApiToken.App.choices).get(a, a) for a in token.apps)
            raise exceptions.PermissionDenied(f"该令牌只能访问{labels}模块的接口")


class ApiTokenAuthentication(TokenAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed(INVALID)
        try:
            key = auth[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(INVALID) from None
        if key.startswith(SECRET_PREFIX):
            user, token = self._named(key)
            check_token_scope(token, request, request.parser_context.get("view"))
            return user, token
        return self._legacy(key)

    def _named(self, key):
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_secret(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(INVALID)
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(REVOKED)
        now = timezone.now()
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(EXPIRED)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(INACTIVE)
        if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        user = token.user
        # The audit trail names the token a write came through (audit.services reads this).
        user.api_token_name = token.name
        return user, token

    def _legacy(self, key):
        token = Token.objects.select_related("user").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed(INVALID)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(INACTIVE)
        return token.user, token

    def authenticate_header(self, request):
        return "Token"
