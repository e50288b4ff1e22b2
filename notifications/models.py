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

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
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
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField("接收邮件", default=True)
    # Kinds the user does not want by e-mail (in-site inbox always receives everything).
    muted_email_kinds = models.JSONField("不发邮件的类别", default=list, blank=True)
    daily_digest = models.BooleanField("订阅每日摘要", default=True)

    class Meta:
        verbose_name = "通知偏好"
        verbose_name_plural = "通知偏好"

    def __str__(self):
        return f"{self.user} 的通知偏好"


class Subscription(models.Model):
    """An organisation's standing interest: new demands in these chains/regions/keywords reach it.

    Within a dimension any value fits (机器人 or 集成电路); across dimensions all must fit
    (chain AND region AND keyword); an empty dimension fits everything. A chain includes its 环节,
    a region its sub-regions. `notify_matches` also alerts when the matching engine scores a new
    demand at or above `min_score` against one of the organisation's supplies.
    """

    organization = models.ForeignKey(
        "accounts.Organization", verbose_name="订阅单位", on_delete=models.CASCADE, related_name="subscriptions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField("订阅名称", max_length=60)
    chains = models.ManyToManyField("catalog.IndustryChain", verbose_name="产业链", blank=True, related_name="+")
    regions = models.ManyToManyField("catalog.Region", verbose_name="地区", blank=True, related_name="+")
    keywords = models.CharField(
        "关键词", max_length=200, blank=True, help_text="多个关键词用空格或逗号分隔，任一命中即可"
    )
    notify_matches = models.BooleanField("匹配度达标时提醒", default=True)
    min_score = models.PositiveSmallIntegerField("匹配度阈值（0–100）", default=70)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "订阅"
        verbose_name_plural = "订阅"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="subscription_unique_org_name"),
            models.CheckConstraint(condition=models.Q(min_score__lte=100), name="subscription_min_score_max_100"),
        ]

    def __str__(self):
        return f"{self.organization}：{self.name}"

    @property
    def keyword_list(self):
        import re

        return [k for k in re.split(r"[\s,，、;；]+", self.keywords or "") if k]


class DigestDelivery(models.Model):
    """One row per user and day a daily digest went out: makes the beat task safe to run twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="+")
    day = models.DateField("日期")
    item_count = models.PositiveIntegerField("条数", default=0)
    sent_at = models.DateTimeField("发送时间", auto_now_add=True)

    class Meta:
        verbose_name = "每日摘要发送记录"
        verbose_name_plural = "每日摘要发送记录"
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_unique_user_day")]

    def __str__(self):
        return f"{self.user} {self.day:%Y-%m-%d}（{self.item_count} 条）"
