"""API conventions shared by every app: one error shape, 404 for objects a caller may not know."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _flatten(detail):
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [str(item) if not isinstance(item, (dict, list)) else _flatten(item) for item in detail]
    return [str(detail)]


def exception_handler(exc, context):
    """Errors look like {"error": {"code", "message", "fields": {field: [messages]}}}."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("未找到该对象或您无权访问。")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "您无权执行此操作。")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail) if isinstance(exc.detail, dict) else {"non_field_errors": _flatten(exc.detail)}
        first = next(iter(fields.values()), ["输入有误。"])
        message = "；".join(str(m) for m in first) if isinstance(first, list) else str(first)
        body = {"code": "invalid", "message": message, "fields": fields}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(exc, "default_code", "error")
        if isinstance(exc, exceptions.NotFound):
            detail = "未找到该对象或您无权访问。"
        body = {"code": str(code), "message": str(detail), "fields": {}}
    response.data = {"error": body}
    return response


def error_response(message, *, code="invalid", fields=None, http_status=status.HTTP_400_BAD_REQUEST):
    return Response({"error": {"code": code, "message": message, "fields": fields or {}}}, status=http_status)


# Tags drf-spectacular derives from the URL path (/api/demands/ → "demands") and the Chinese name
# each one is shown under in the API docs. A path tag missing here keeps its own name, and the
# test of the schema fails on it, so a new resource cannot bring English back to the docs.
CHINESE_TAGS = {
    "demand-lists": "需求清单",
    "demands": "需求",
    "supply-menus": "供给菜单",
    "supplies": "供给",
    "matches": "匹配推荐",
    "bids": "意向书",
    "notifications": "通知与订阅",
    "subscriptions": "通知与订阅",
    "cases": "对接项目",
    "imports": "批量导入",
    "reports": "成效统计",
    "events": "对接会",
    "token": "单位与账号",
    "organizations": "单位与账号",
}


def postprocess_chinese_tags(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation's tags in Chinese, listed in one order."""
    used = []
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "tags" not in operation:
                continue
            operation["tags"] = [CHINESE_TAGS.get(tag, tag) for tag in operation["tags"]]
            used.extend(tag for tag in operation["tags"] if tag not in used)
    order = list(dict.fromkeys(CHINESE_TAGS.values()))
    result["tags"] = [{"name": tag} for tag in sorted(used, key=lambda t: order.index(t) if t in order else len(order))]
    return result
