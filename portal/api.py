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
