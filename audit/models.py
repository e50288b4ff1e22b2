"""Append-only audit trail: who changed what, when, with the values before and after."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


def display_value(value, choices=None):
    """A stored before/after value as a person reads it: choice labels, 是/否, local times, — for empty."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if choices and str(value) in choices:
        return choices[str(value)]
    if isinstance(value, list):
        return "、".join(display_value(item, choices) for item in value)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in "T ":
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return f"{moment:%Y-%m-%d %H:%M}"
    return str(value)


class AuditEntryQuerySet(models.QuerySet):
    # Bulk paths bypass save()/delete(); close them too so the trail stays append-only.
    def update(self, **kwargs):
        raise PermissionError("审计记录只能追加，不能修改。")

    def delete(self):
        raise PermissionError("审计记录只能追加，不能删除。")


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", "创建"
        UPDATE = "update", "修改"
        STAGE = "stage", "阶段变更"
        DELETE = "delete", "删除"
        CLOSE = "close", "关闭"
        ACTIVITY = "activity", "跟进记录"
        JOIN = "join", "加入单位"
        VERIFY = "verify", "认证单位"
        REJECT = "reject", "驳回认证"
        UNVERIFY = "unverify", "撤销认证"
        SET_ROLE = "set_role", "调整成员角色"
        REMOVE = "remove", "移出成员"
        OTHER = "other", "其他"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept even if the user is later deleted: the trail must still say who it was.
    actor_repr = models.CharField("操作人名称", max_length=150, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    content_type = models.ForeignKey(ContentType, verbose_name="对象类型", on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField("对象编号", max_length=64)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    action = models.CharField("操作", max_length=20)
    changes = models.JSONField("变更内容", default=dict, blank=True, help_text="{字段: {before, after}}")

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self):
        return f"{self.actor_repr or '系统'} {self.action_label} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("审计记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计记录只能追加，不能删除。")

    @property
    def action_label(self):
        return dict(self.Action.choices).get(self.action, self.action)

    # Keys of `changes` that are not model fields.
    EXTRA_LABELS = {"note": "说明", "activity": "跟进记录", "origin": "来源"}

    def readable_changes(self):
        """[(label, before, after)] with field verbose names and choice labels, for display."""
        model = self.content_type.model_class()
        rows = []
        for name, change in (self.changes or {}).items():
            label, choices = self.EXTRA_LABELS.get(name, name), {}
            if model is not None:
                try:
                    field = model._meta.get_field(name)
                except Exception:  # not a field (or removed since): show the raw key
                    field = None
                if field is not None:
                    label = str(getattr(field, "verbose_name", name))
                    choices = {str(k): str(v) for k, v in (field.choices or [])}
            before, after = (change or {}).get("before"), (change or {}).get("after")
            rows.append((label, display_value(before, choices), display_value(after, choices)))
        return rows
