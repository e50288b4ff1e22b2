"""The task outbox: work queued inside a transaction is recorded in the database first, so
nothing is lost while the broker (Redis) is down; beat re-delivers what could not be sent."""

from django.db import models


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"

    task_name = models.CharField("任务", max_length=200)
    args = models.JSONField("位置参数", default=list)
    kwargs = models.JSONField("关键字参数", default=dict)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "待发任务"
        verbose_name_plural = "待发任务"
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.task_name}{self.args} [{self.get_status_display()}]"
