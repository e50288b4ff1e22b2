"""Django admin for 对接会 staff: events with their agenda, invitations, pairs, meetings and outcomes.

The same rule as the pages: an event (and its agenda) changes only for staff managing it
(events.selectors.can_manage_event). Invitations, registrations, pairs, meetings and outcomes are
written on the pages through events.services (notifications, checks) and only platform admins may
correct them here.
"""

from django.contrib import admin

from accounts.selectors import is_platform_admin
from events.models import AgendaItem, Attendee, Availability, Event, Invitation, Meeting, MeetingOutcome, MeetingRequest
from events.selectors import can_manage_event


class WrittenByServicesAdmin(admin.ModelAdmin):
    """Rows the pages write through events.services (answers, registrations, schedule, outcomes).

    Never added here; changed or deleted only by platform admins: liaison staff never edit what an
    organisation entered or answered, and the schedule changes by re-running the scheduler.
    """

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and is_platform_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and is_platform_admin(request.user)


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

    def _manages(self, request, obj):
        return obj is None or can_manage_event(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manages(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manages(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:  # its creator manages it, as when created on the site
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Invitation)
class InvitationAdmin(WrittenByServicesAdmin):
    list_display = ["event", "organization", "status", "proposed_score", "invited_by", "responded_at"]
    list_filter = ["status", "event"]
    search_fields = ["organization__name", "event__name"]
    raw_id_fields = ["organization"]
    readonly_fields = ["invited_by", "responded_by", "responded_at", "created_at"]


@admin.register(Attendee)
class AttendeeAdmin(WrittenByServicesAdmin):
    list_display = ["name", "title", "phone", "organization", "event"]
    list_filter = ["event"]
    search_fields = ["name", "phone", "organization__name"]


@admin.register(Availability)
class AvailabilityAdmin(WrittenByServicesAdmin):
    list_display = ["event", "organization", "available_from", "available_to"]
    list_filter = ["event"]


@admin.register(MeetingRequest)
class MeetingRequestAdmin(WrittenByServicesAdmin):
    list_display = ["event", "requester_org", "target_org", "score", "status", "source", "created_at"]
    list_filter = ["status", "source", "event"]
    search_fields = ["requester_org__name", "target_org__name"]
    raw_id_fields = ["requester_org", "target_org", "demand", "supply"]
    readonly_fields = ["requested_by", "responded_by", "responded_at", "created_at"]


@admin.register(Meeting)
class MeetingAdmin(WrittenByServicesAdmin):
    list_display = ["event", "starts_at", "table_no", "pair"]
    list_filter = ["event"]
    raw_id_fields = ["pair"]


@admin.register(MeetingOutcome)
class MeetingOutcomeAdmin(WrittenByServicesAdmin):
    list_display = ["meeting", "organization", "rating", "intent", "next_step", "case", "recorded_at"]
    list_filter = ["intent", "rating"]
    raw_id_fields = ["meeting", "case"]
    readonly_fields = ["recorded_by", "recorded_at"]
