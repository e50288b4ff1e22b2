"""Reads of the audit trail (staff only: views check is_liaison before calling these)."""

from django.contrib.contenttypes.models import ContentType

from audit.models import AuditEntry


def entries_for(obj):
    """Entries of one object, newest first."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor", "content_type")


def entries_all():
    return AuditEntry.objects.select_related("actor", "content_type")
