"""In-site notifications (站内信) and each user's delivery preferences."""
from django.conf import settings
from django.db import models


class Notification(models.Model):
    class Kind(models.TextChoices):
        MATCH = "match", "匹配推荐"
        BID = "bid", "意向书/报价"
        DEMAND_CHANGED = "demand_changed", "需求变更"
        SUBSCRIPTION = "subscription", "订阅"
        EVENT = "event", "对接会"
        FOLLOWUP = "followup", "跟踪服务"
        ACCOUNT = "account", "账号与组织"
        SYSTEM = "system", "系统"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField("类别", max_length=20, choices=Kind.choices, default=Kind.SYSTEM)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    # Deduplicates repeated sends of the same event (tasks may run twice).
    dedup_key = models.CharField("去重键", max_length=200, blank=True)
    is_read = models.BooleanField("已读", default=False)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "is_read"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedup_key"], condition=~models.Q(dedup_key=""), name="notification_unique_dedup"
            )
        ]

    def __str__(self):
        return self.title


class NotificationPreference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="notification_preference")
    email_enabled = models.BooleanField("接收邮件", default=True)
    # Kinds the user does not want by e-mail (in-site inbox always receives everything).
    muted_email_kinds = models.JSONField("不发邮件的类别", default=list, blank=True)
    daily_digest = models.BooleanField("订阅每日摘要", default=True)

    class Meta:
        verbose_name = "通知偏好"
        verbose_name_plural = "通知偏好"
