"""Admin for the task outbox (待发任务): what is waiting for the broker, and a button to send it now."""

from django.contrib import admin, messages

from portal.models import OutboxMessage
from portal.outbox import deliver

# What each queued task does, in the words staff use (the dotted name stays visible for support).
TASK_LABELS = {
    "matching.tasks.refresh_demand": "重新计算需求的推荐",
    "matching.tasks.refresh_supply": "重新计算供给的推荐",
    "matching.tasks.refresh_items": "批量重新计算推荐",
    "matching.tasks.rematch_all": "全量重新匹配",
    "bidding.tasks.flag_material_change": "需求变更：意向书转待确认并通知报价单位",
    "catalog.tasks.preview_import_job": "批量导入：预检",
    "catalog.tasks.run_import_job": "批量导入：写入",
    "notifications.tasks.email_notification": "发送通知邮件",
    "notifications.tasks.subscriptions_notify_for_demand": "向订阅单位推送新需求",
}


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "task_label", "status", "attempts", "sent_at", "short_error")
    list_filter = ("status", "task_name")
    search_fields = ("task_name", "last_error")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    readonly_fields = ("task_name", "args", "kwargs", "status", "attempts", "last_error", "created_at", "sent_at")
    actions = ("send_now",)

    @admin.display(description="任务", ordering="task_name")
    def task_label(self, obj):
        return TASK_LABELS.get(obj.task_name, obj.task_name)

    @admin.display(description="最近错误")
    def short_error(self, obj):
        return (obj.last_error or "—")[:80]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="立即发送所选的待发送任务")
    def send_now(self, request, queryset):
        pending = list(queryset.filter(status=OutboxMessage.Status.PENDING).values_list("pk", flat=True))
        sent = sum(1 for pk in pending if deliver(pk))
        if sent == len(pending):
            self.message_user(request, f"已发送 {sent} 条任务。", messages.SUCCESS)
        else:
            self.message_user(
                request,
                f"已发送 {sent} 条，{len(pending) - sent} 条仍无法送达消息队列（见“最近错误”），稍后会自动重试。",
                messages.WARNING,
            )
