"""API conventions shared by every app: one error shape, 404 for objects a caller may not know,
bounded ids and page numbers, and the OpenAPI document that says all of it (statuses, the error
component, parameter ranges, links from each create to what can be done with the new object)."""

import re

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework import FilterSet as RestFilterSet
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_view_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.pagination import ID_MAX, ID_MIN, PageNotFound

NOT_FOUND_MESSAGE = "未找到该对象或您无权访问。"


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
        exc = exceptions.NotFound(NOT_FOUND_MESSAGE)
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
        if isinstance(exc, exceptions.NotFound) and not isinstance(exc, PageNotFound):
            detail = NOT_FOUND_MESSAGE
        body = {"code": str(code), "message": str(detail), "fields": {}}
    response.data = {"error": body}
    return response


# --- Filters: ids in range; an id that names nothing narrows to nothing (not a 400) ---------------


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", ID_MIN)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """Filter on a related object's id: any id in range is valid, one that matches nothing gives an empty list."""

    field_class = IdField


class LenientModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField for filters: an unknown id in range cleans to the bare id (matching nothing)."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except DjangoValidationError:
            text = str(value).strip()
            if text.isdigit() and ID_MIN <= int(text) <= ID_MAX:
                return int(text)
            raise DjangoValidationError(f"须为 {ID_MIN} 到 {ID_MAX} 之间的编号。", code="invalid_choice") from None


class IntegerFilter(django_filters.NumberFilter):
    """A whole number in the 32-bit range (a year, a count): 0.5 or 1e30 is a 400, not an empty list."""

    class field_class(forms.IntegerField):  # noqa: N801 - django-filter's attribute name
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("min_value", -ID_MAX)
            kwargs.setdefault("max_value", ID_MAX)
            super().__init__(*args, **kwargs)


class StrictBooleanWidget(forms.TextInput):
    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        return value.strip().lower() if isinstance(value, str) else value


class StrictBooleanField(forms.NullBooleanField):
    widget = StrictBooleanWidget

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in (True, False):
            return value
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        raise DjangoValidationError("须为 true 或 false。", code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    """true/false (or 1/0); anything else is a 400 rather than silently ignored."""

    field_class = StrictBooleanField


class PortalFilterSet(RestFilterSet):
    """Auto-generated filters (filterset_fields): foreign keys as bounded ids, whole numbers in
    range, strict booleans."""

    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        if lookup_type == "exact":
            if field.is_relation and field.many_to_one:
                return IdFilter, {}
            if isinstance(field, models.BooleanField):
                return StrictBooleanFilter, {}
            if isinstance(field, (models.IntegerField, models.PositiveIntegerField)) and not field.choices:
                return IntegerFilter, {}
        return super().filter_for_lookup(field, lookup_type)


class PortalFilterBackend(DjangoFilterBackend):
    filterset_base = PortalFilterSet


class BoundedFilterExtension(DjangoFilterExtension):
    """Query parameters carry the form field's real constraints (range, length) into the schema."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        field = filter_field.field
        for parameter in parameters:
            # An empty value is a filter left blank (an HTML form sends every field): no narrowing.
            parameter["allowEmptyValue"] = True
            schema = parameter["schema"]
            if isinstance(field, (IdField, LenientModelChoiceField)):
                schema.update(type="integer", minimum=ID_MIN, maximum=ID_MAX)
                schema.pop("format", None)
                continue
            if isinstance(field, forms.ModelChoiceField) and schema.get("type") == "integer":
                schema.update(minimum=ID_MIN, maximum=ID_MAX)
            for attr, key in (("min_value", "minimum"), ("max_value", "maximum")):
                value = getattr(field, attr, None)
                if value is not None and schema.get("type") in ("integer", "number"):
                    schema[key] = value
            if isinstance(field, forms.IntegerField) and not isinstance(field, (forms.FloatField, forms.DecimalField)):
                schema["type"] = "integer"
            max_length = getattr(field, "max_length", None)
            if max_length and schema.get("type") == "string" and "enum" not in schema:
                schema["maxLength"] = max_length
            if isinstance(field, forms.CharField) and schema.get("type") == "string" and "enum" not in schema:
                # Django's form fields refuse NUL characters (a Chinese message, 400).
                schema["pattern"] = "^[^\\x00]*$"
        return parameters


# Serializer fields left out of some responses (by who is asking): not "required" in the schema.
OPTIONAL_RESPONSE_FIELDS = {"Organization": {"credit_code"}}

# A URL field that may be blank ("" when not filled in): a URI or the empty string.
BLANK_OR_URI = {"anyOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}]}


@extend_schema_field(BLANK_OR_URI)
class BlankableURLField(serializers.URLField):
    """A 网址 that may be left blank: documented as a URI or ""."""


# Router lookups take any path segment, so /api/demands/0.5/ reaches the view and answers the JSON
# 404 of every unknown id, not the site's HTML page-not-found.
LOOKUP_ANY = "[^/]+"


class PortalAutoSchema(AutoSchema):
    """Path ids are documented in the range the API accepts."""

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        model = get_view_model(self.view, emit_warnings=False)
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if schema.get("pattern") == f"^{LOOKUP_ANY}$" and model is not None:
                # The lookup regex accepts any segment so a wrong one gets the JSON 404; the
                # document still says what an id is.
                if isinstance(model._meta.pk, models.UUIDField):
                    schema = {"type": "string", "format": "uuid"}
                else:
                    schema = {"type": "integer"}
                parameter["schema"] = schema
            if schema.get("type") == "integer":
                schema.update(minimum=ID_MIN, maximum=ID_MAX)
        return parameters


class StrictTextMixin:
    """Text fields take text: a number or boolean where a string is documented is a 400, not
    silently turned into "0" (DRF's CharField would)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            wrong = {
                name: ["须为文本。"]
                for name, field in self.fields.items()
                if isinstance(field, serializers.CharField)
                and not field.read_only
                and name in data
                and data[name] is not None
                and not isinstance(data[name], str)
            }
            if wrong:
                raise exceptions.ValidationError(wrong)
        return super().to_internal_value(data)


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


# --- The contract: every status the API answers, in one error shape, and links between operations --

ERROR_SCHEMA = {
    "type": "object",
    "description": "所有错误的统一格式：code 为机器可读的错误类别，message 为中文说明，fields 为各字段的错误（无则为空对象）。",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "错误类别，如 invalid、not_found、permission_denied"},
                "message": {"type": "string", "description": "中文错误说明"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {},
                    "description": "字段名 → 错误说明列表（嵌套字段为对象）",
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}
ERROR_DESCRIPTIONS = {
    "400": "输入有误（参数超出范围、取值无效或不满足业务规则），fields 给出各字段的中文说明",
    "401": "未提供或提供了无效的令牌（Authorization: Token <令牌>）",
    "403": "无权执行此操作",
    "404": "对象不存在或您无权访问；列表的页码超出范围",
    "405": "该地址不支持此请求方法",
    "406": "无法提供所请求的响应格式",
    "415": "不支持的请求体格式",
    "429": "请求过于频繁或失败次数过多，已暂时锁定",
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_WRITE_METHODS = {"post", "put", "patch", "delete"}


def _error_response(code, description=None):
    return {
        "description": description or ERROR_DESCRIPTIONS[code],
        "content": {"application/json": {"schema": _ERROR_REF}},
    }


def _statuses_for(path, method, operation):
    """The error statuses an operation can answer, from what it takes and how it is protected."""
    codes = {"405", "406"}
    if operation.get("parameters") or operation.get("requestBody"):
        codes.add("400")
    if operation.get("requestBody"):
        codes.add("415")
    if any("tokenAuth" in requirement for requirement in operation.get("security", [])):
        codes.add("401")
        if method in _WRITE_METHODS:
            codes.add("403")
    if "{" in path or any(p.get("name") == "page" for p in operation.get("parameters", [])):
        codes.add("404")
    return codes


def _add_links(paths):
    """OpenAPI links: a create's 201 leads to the new object's read, update and actions."""
    for path, item in paths.items():
        if "{" in path:
            continue
        targets = {}
        for other_path, other_item in paths.items():
            if re.fullmatch(re.escape(path) + r"\{id\}/(?:[a-z-]+/)?", other_path):
                for operation in other_item.values():
                    if isinstance(operation, dict) and "operationId" in operation:
                        targets[operation["operationId"]] = operation["operationId"]
        if not targets:
            continue
        response = item.get("post", {}).get("responses", {}).get("201")
        if response is not None:
            response["links"] = {
                name: {"operationId": operation_id, "parameters": {"path.id": "$response.body#/id"}}
                for name, operation_id in sorted(targets.items())
            }


def _fix_decimals(node):
    """drf-spectacular's decimal pattern admits "" and negatives; every amount here is a non-negative
    number of 万元 with at most two decimals."""
    if isinstance(node, dict):
        pattern = node.get("pattern", "")
        match = re.fullmatch(r"\^-\?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$", pattern)
        if node.get("format") == "decimal" and match:
            node["pattern"] = rf"^\d{{1,{match[1]}}}(?:\.\d{{1,{match[2]}}})?$"
        for value in node.values():
            _fix_decimals(value)
    elif isinstance(node, list):
        for value in node:
            _fix_decimals(value)


def postprocess_contract(result, generator, request, public):
    """drf-spectacular postprocessing hook: the error component, documented statuses, links."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for name, fields in OPTIONAL_RESPONSE_FIELDS.items():
        if name in schemas and "required" in schemas[name]:
            schemas[name]["required"] = [field for field in schemas[name]["required"] if field not in fields]
    paths = result.get("paths", {})
    for path, item in paths.items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code in _statuses_for(path, method, operation) | {c for c in responses if c.startswith("4")}:
                described = responses.get(code, {}).get("description")
                responses[code] = _error_response(code, described if described else None)
            operation["responses"] = dict(sorted(responses.items()))
    _add_links(paths)
    _fix_decimals(schemas)
    return result
