"""DRF serializers for 对接会 (read-only shapes; writes go through events.services)."""

from rest_framework import serializers

from events.models import AgendaItem, Event, Invitation, Meeting
from portal.api import BlankableURLField


class AgendaItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["kind", "title", "starts_at", "ends_at", "speaker"]


class EventSerializer(serializers.ModelSerializer):
    chains = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True, help_text="聚焦产业链名称")
    status_display = serializers.CharField(source="get_status_display", read_only=True, help_text="状态（中文）")
    online_url = BlankableURLField(read_only=True, help_text="线上会议链接（无线上会场时为空字符串）")

    class Meta:
        model = Event
        fields = [
            "id",
            "name",
            "description",
            "date",
            "venue",
            "online_url",
            "status",
            "status_display",
            "chains",
            "slot_minutes",
            "table_count",
            "meeting_start",
            "meeting_end",
        ]


class EventDetailSerializer(EventSerializer):
    agenda_items = AgendaItemSerializer(many=True, read_only=True, help_text="会议议程")
    demand_list_ids = serializers.PrimaryKeyRelatedField(
        source="demand_lists", many=True, read_only=True, help_text="会前征集的需求清单编号"
    )

    class Meta(EventSerializer.Meta):
        fields = EventSerializer.Meta.fields + ["agenda_items", "demand_list_ids"]


class InvitationSerializer(serializers.ModelSerializer):
    event_name = serializers.CharField(source="event.name", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "event",
            "event_name",
            "organization",
            "organization_name",
            "status",
            "status_display",
            "proposed_score",
            "reasons",
            "created_at",
            "responded_at",
        ]


class InvitationResponseSerializer(serializers.Serializer):
    accept = serializers.BooleanField(help_text="true 接受邀请，false 婉拒")


class MeetingSerializer(serializers.ModelSerializer):
    event_name = serializers.CharField(source="event.name", read_only=True)
    requester_org = serializers.IntegerField(source="pair.requester_org_id", read_only=True)
    requester_org_name = serializers.CharField(source="pair.requester_org.name", read_only=True)
    target_org = serializers.IntegerField(source="pair.target_org_id", read_only=True)
    target_org_name = serializers.CharField(source="pair.target_org.name", read_only=True)
    demand = serializers.IntegerField(source="pair.demand_id", read_only=True, allow_null=True)
    demand_title = serializers.CharField(source="pair.demand.title", read_only=True, default=None)
    score = serializers.FloatField(source="pair.score", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "event",
            "event_name",
            "starts_at",
            "ends_at",
            "table_no",
            "requester_org",
            "requester_org_name",
            "target_org",
            "target_org_name",
            "demand",
            "demand_title",
            "score",
        ]
