"""DRF serializers of the notifications API."""

from rest_framework import serializers

from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True, help_text="类别名称")

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_display", "title", "body", "url", "is_read", "created_at"]
        read_only_fields = fields
        extra_kwargs = {
            "kind": {"help_text": "类别代码：match/bid/demand_changed/subscription/event/followup/account/system"},
            "url": {"help_text": "站内相对链接"},
        }


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text="未读通知数")


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="本次标记为已读的条数")
