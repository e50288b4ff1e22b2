"""Django admin for 对接会 staff: events with their agenda, invitations, pairs, meetings and outcomes."""

from django.contrib import admin

from events.models import AgendaItem, Attendee, Availability, Event, Invitation, Meeting, MeetingOutcome, MeetingRequest


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "date", "venue", "status", "table_count", "slot_minutes", "scheduled_at"]
    list_filter = ["status", "date", "chains"]
    search_fields = ["name", "venue"]
    filter_horizontal = ["chains", "demand_lists"]
    readonly_fields = ["scheduled_at", "schedule_report", "created_by", "created_at", "updated_at"]
    inlines = [AgendaItemInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["event", "organization", "status", "proposed_score", "invited_by", "responded_at"]
    list_filter = ["status", "event"]
    search_fields = ["organization__name", "event__name"]
    raw_id_fields = ["organization"]
    readonly_fields = ["invited_by", "responded_by", "responded_at", "created_at"]


@admin.register(Attendee)
class AttendeeAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "phone", "organization", "event"]
    list_filter = ["event"]
    search_fields = ["name", "phone", "organization__name"]


@admin.register(Availability)
class AvailabilityAdmin(admin.ModelAdmin):
    list_display = ["event", "organization", "available_from", "available_to"]
    list_filter = ["event"]


@admin.register(MeetingRequest)
class MeetingRequestAdmin(admin.ModelAdmin):
    list_display = ["event", "requester_org", "target_org", "score", "status", "source", "created_at"]
    list_filter = ["status", "source", "event"]
    search_fields = ["requester_org__name", "target_org__name"]
    raw_id_fields = ["requester_org", "target_org", "demand", "supply"]
    readonly_fields = ["requested_by", "responded_by", "responded_at", "created_at"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["event", "starts_at", "table_no", "pair"]
    list_filter = ["event"]
    raw_id_fields = ["pair"]


@admin.register(MeetingOutcome)
class MeetingOutcomeAdmin(admin.ModelAdmin):
    list_display = ["meeting", "organization", "rating", "intent", "next_step", "case", "recorded_at"]
    list_filter = ["intent", "rating"]
    raw_id_fields = ["meeting", "case"]
    readonly_fields = ["recorded_by", "recorded_at"]
