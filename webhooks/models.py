"""Outbound webhooks: endpoints an organisation (or staff) registers, and each signed delivery."""

import secrets
import uuid

from django.conf import settings
from django.db import models


class Event(models.TextChoices):
    MATCH_RECOMMENDED = "match.recommended", "新的推荐匹配"
    BID_WINDOW_CLOSED = "bidding.window_closed", "需求征集截止"
    CASE_STAGE_CHANGED = "case.stage_changed", "对接项目阶段变更"
    INVITATION_ANSWERED = "invitation.answered", "对接会邀请已回复"
    IMPORT_FINISHED = "import.finished", "批量导入完成"


def new_endpoint_secret():
    return secrets.token_hex(32)


class WebhookEndpoint(models.Model):
    class Format(models.TextChoices):
        JSON = "json", "JSON（通用）"
        WECOM = "wecom", "企业微信群机器人"
        DINGTALK = "dingtalk", "钉钉群机器人"

    # Empty organisation: a platform endpoint (staff) that receives the events of every organisation.
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    name = models.CharField("名称", max_length=60)
    url = models.URLField("推送地址", max_length=500)
    format = models.CharField("消息格式", max_length=10, choices=Format.choices, default=Format.JSON)
    events = models.JSONField("订阅事件", default=list)
    # Signs JSON deliveries (X-Jinglu-Signature) and, for 钉钉, the robot's 加签 URL.
    secret = models.CharField("签名密钥", max_length=100, default=new_endpoint_secret)
    is_active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "推送地址"
        verbose_name_plural = "推送地址"
        ordering = ["-created_at"]

    def __str__(self):
        return self.name

    @property
    def events_display(self):
        labels = dict(Event.choices)
        return "、".join(labels.get(e, e) for e in self.events)


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        DELIVERED = "delivered", "已送达"
        RETRYING = "retrying", "重试中"
        FAILED = "failed", "失败"

    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name="推送地址", on_delete=models.CASCADE, related_name="deliveries"
    )
    delivery_id = models.UUIDField("投递编号", default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField("事件", max_length=40, choices=Event.choices)
    payload = models.JSONField("内容", default=dict)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    last_status_code = models.PositiveIntegerField("最近响应码", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)
    last_attempt_at = models.DateTimeField("最近尝试", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["endpoint", "-created_at"])]

    def __str__(self):
        return f"{self.get_event_display()} → {self.endpoint}"
