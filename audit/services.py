"""Writing the audit trail. Services of every app call audit_record after a change that matters."""

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile

from audit.models import AuditEntry


def _jsonable(value):
    """A JSON-safe, human-readable form of a field value (dates ISO, money as text, rows by name)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 1200.50 and 1200.5 read the same
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def snapshot(obj, fields):
    """Values of `fields` on `obj` as a JSON-safe dict (take it before changing the object)."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def diff_fields(before, after, fields):
    """{field: {"before": old, "after": new}} for the fields whose value changed.

    `before` is a snapshot dict (from `snapshot`) or an object; `after` is the object now.
    """
    old = before if isinstance(before, dict) else snapshot(before, fields)
    new = snapshot(after, fields)
    return {name: {"before": old.get(name), "after": new[name]} for name in fields if old.get(name) != new[name]}


def audit_record(*, actor, obj, action, changes=None):
    """Append one entry for `obj`. `changes` is usually a diff_fields() result."""
    entry = audit_entry(actor=actor, obj=obj, action=action, changes=changes)
    entry.save()
    return entry


def _actor_repr(actor):
    # A write through a named API token says which token (accounts.authentication sets the attribute).
    token_name = getattr(actor, "api_token_name", None)
    return f"{actor}（接口令牌「{token_name}」）" if token_name else str(actor)


def audit_entry(*, actor, obj, action, changes=None):
    """The unsaved entry audit_record would write (bulk writers save many with bulk_create)."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry(
        actor=actor if is_user else None,
        actor_repr=(_actor_repr(actor) if is_user else "系统")[:150],
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action=str(action)[:20],
        changes=changes or {},
    )
