"""Outbound webhooks: registering endpoints (with the SSRF guard), fanning an event out, delivering.

Other apps never import this module: they queue `enqueue("webhooks.tasks.emit", event, org_id,
payload)` through the outbox, so dependencies keep pointing down. A delivery is one signed POST
(HMAC-SHA256 of the body in X-Jinglu-Signature); 企业微信 and 钉钉 endpoints get the same event as a
group-robot markdown message. Retries with backoff are the task's job (webhooks.tasks.deliver).
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from accounts.selectors import is_liaison, is_platform_admin, user_acts_for_region, user_is_org_admin
from audit.services import audit_record
from portal.outbox import enqueue
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint

TIMEOUT_SECONDS = 5
# What a robot message shows of a payload, in this order (ids and unknown keys are not shown).
FIELD_LABELS = {
    "organization_name": "单位",
    "demand_title": "需求",
    "supply_title": "供给",
    "score": "匹配度",
    "deadline": "截止日期",
    "from_stage": "原阶段",
    "stage": "当前阶段",
    "event_name": "对接会",
    "answer": "回复",
    "file": "文件",
    "status": "结果",
    "rows": "行数",
}


# --- rights ---------------------------------------------------------------------------------------


def can_manage_endpoints(user, organization):
    """Organisation endpoints: that organisation's admins. Platform endpoints (None): staff."""
    if not getattr(user, "is_authenticated", False):
        return False
    if organization is None:
        return is_liaison(user)
    return user_is_org_admin(user, organization.pk)


def endpoints_visible_to(user):
    """Platform admins: every endpoint; liaison staff: the platform endpoints they made; org admins: theirs."""
    qs = WebhookEndpoint.objects.select_related("organization", "created_by")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if is_platform_admin(user):
        return qs
    admin_org_ids = [
        m.organization_id for m in user.memberships.filter(status="active", role="admin").only("organization_id")
    ]
    own_platform = {"organization__isnull": True, "created_by": user} if is_liaison(user) else None
    result = qs.filter(organization_id__in=admin_org_ids)
    if own_platform:
        result = result | qs.filter(**own_platform)
    return result


def deliveries_visible_to(user):
    return WebhookDelivery.objects.filter(endpoint__in=endpoints_visible_to(user)).select_related("endpoint")


# --- SSRF guard -----------------------------------------------------------------------------------


def _address_is_public(address):
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_validate(url):
    """The URL if it may receive deliveries; ValidationError (Chinese) otherwise.

    Only http(s); in production the host must resolve to public addresses only (no loopback,
    private, link-local or reserved ranges) unless WEBHOOKS_ALLOW_PRIVATE_ADDRESSES is set.
    Checked at registration and again before every delivery (the DNS answer may change).
    """
    url = (url or "").strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError({"url": "推送地址须以 http:// 或 https:// 开头，并包含域名。"})
    if parts.username or parts.password:
        raise ValidationError({"url": "推送地址中不能包含用户名或密码。"})
    if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        return url
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError, ValueError):
        raise ValidationError({"url": "无法解析推送地址的域名，请检查后重试。"}) from None
    if not infos or not all(_address_is_public(info[4][0]) for info in infos):
        raise ValidationError({"url": "推送地址不能指向本机或内网地址。"})
    return url


# --- endpoints ------------------------------------------------------------------------------------


@transaction.atomic
def endpoint_create(*, actor, organization, name, url, format, events, secret=""):
    if not can_manage_endpoints(actor, organization):
        raise PermissionDenied("只有本单位管理员或平台工作人员可以设置推送地址。")
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "请填写名称。"
    try:
        url = url_validate(url)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if format not in WebhookEndpoint.Format.values:
        errors["format"] = "请选择消息格式。"
    events = list(dict.fromkeys(events or ()))
    if not events or any(e not in Event.values for e in events):
        errors["events"] = "请至少选择一个要推送的事件。"
    if errors:
        raise ValidationError(errors)
    endpoint = WebhookEndpoint(
        organization=organization, name=name[:60], url=url, format=format, events=events, created_by=actor
    )
    if (secret or "").strip():
        endpoint.secret = secret.strip()[:100]
    endpoint.save()
    audit_record(actor=actor, obj=endpoint, action="create", changes={"url": {"before": None, "after": url}})
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor, endpoint):
    if not can_manage_endpoints(actor, endpoint.organization) or (
        endpoint.organization is None and not is_platform_admin(actor) and endpoint.created_by_id != actor.pk
    ):
        raise PermissionDenied("您无权删除该推送地址。")
    audit_record(actor=actor, obj=endpoint, action="delete", changes={"url": {"before": endpoint.url, "after": None}})
    endpoint.delete()


# --- fan-out --------------------------------------------------------------------------------------


def _platform_endpoint_receives(endpoint, region_id):
    creator = endpoint.created_by
    if creator is None or not creator.is_active:
        return False
    return is_platform_admin(creator) or (region_id is not None and user_acts_for_region(creator, region_id))


@transaction.atomic
def webhook_emit(*, event, organization_id, payload):
    """One delivery per active endpoint subscribed to `event`: the organisation's own and staff ones.

    Staff endpoints receive an event when their creator may act for its region (platform admins:
    everywhere). Returns the deliveries created; each is sent by webhooks.tasks.deliver.
    """
    if event not in Event.values:
        return []
    payload = dict(payload or {})
    organization = Organization.objects.filter(pk=organization_id).first() if organization_id else None
    if organization is not None:
        payload.setdefault("organization_name", organization.name)
    region_id = payload.get("region_id") or (organization.region_id if organization else None)
    candidates = WebhookEndpoint.objects.filter(is_active=True).select_related("created_by")
    deliveries = []
    for endpoint in candidates.filter(organization_id=organization_id) if organization_id else []:
        if event in endpoint.events:
            deliveries.append(WebhookDelivery(endpoint=endpoint, event=event, payload=payload))
    for endpoint in candidates.filter(organization__isnull=True):
        if event in endpoint.events and _platform_endpoint_receives(endpoint, region_id):
            deliveries.append(WebhookDelivery(endpoint=endpoint, event=event, payload=payload))
    for delivery in deliveries:
        delivery.save()
        enqueue("webhooks.tasks.deliver", delivery.pk)
    return deliveries


# --- rendering ------------------------------------------------------------------------------------


def markdown_text(delivery):
    """The event as a few Chinese markdown lines (what a 企业微信/钉钉 group reads)."""
    label = Event(delivery.event).label
    lines = [f"### 京鲁供需对接平台 · {label}"]
    for key, title in FIELD_LABELS.items():
        value = delivery.payload.get(key)
        if value not in (None, ""):
            lines.append(f"> {title}：{value}")
    path = delivery.payload.get("url")
    if path:
        lines.append(f"[查看详情]({settings.SITE_URL.rstrip('/')}{path})")
    return "\n".join(lines)


def sign(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def dingtalk_signed_url(url, secret, timestamp_ms=None):
    """钉钉 加签: timestamp (ms) and sign = urlencode(base64(HmacSHA256("<timestamp>\\n<secret>", secret)))."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    signature = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={signature}"


def render(delivery):
    """(url, body bytes, headers) of one delivery in its endpoint's format."""
    endpoint = delivery.endpoint
    url = endpoint.url
    if endpoint.format == WebhookEndpoint.Format.WECOM:
        message = {"msgtype": "markdown", "markdown": {"content": markdown_text(delivery)}}
    elif endpoint.format == WebhookEndpoint.Format.DINGTALK:
        message = {
            "msgtype": "markdown",
            "markdown": {"title": Event(delivery.event).label, "text": markdown_text(delivery)},
        }
        url = dingtalk_signed_url(url, endpoint.secret)
    else:
        message = {
            "id": str(delivery.delivery_id),
            "event": delivery.event,
            "event_display": Event(delivery.event).label,
            "created_at": delivery.created_at.isoformat(),
            "data": delivery.payload,
        }
    body = json.dumps(message, ensure_ascii=False, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Jinglu-Webhooks/1.0",
        "X-Jinglu-Event": delivery.event,
        "X-Jinglu-Delivery": str(delivery.delivery_id),
        "X-Jinglu-Signature": sign(endpoint.secret, body),
    }
    return url, body, headers


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could lead past the SSRF guard: a 3xx counts as a failed delivery.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def delivery_attempt(delivery):
    """POST one delivery once; record the attempt. True when the receiver answered 2xx."""
    url, body, headers = render(delivery)
    status_code, error = None, ""
    try:
        url_validate(delivery.endpoint.url)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status_code = response.status
    except ValidationError as exc:
        error = "；".join(exc.messages)
    except urllib.error.HTTPError as exc:
        status_code, error = exc.code, f"对方返回 HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = f"连接失败：{getattr(exc, 'reason', exc)}"
    ok = status_code is not None and 200 <= status_code < 300
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error, delivery.last_attempt_at = status_code, error[:500], now
    if ok:
        delivery.status, delivery.delivered_at, delivery.last_error = WebhookDelivery.Status.DELIVERED, now, ""
    delivery.save(
        update_fields=["attempts", "last_status_code", "last_error", "last_attempt_at", "status", "delivered_at"]
    )
    return ok


def delivery_set_status(delivery, status):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=status)
    delivery.status = status
