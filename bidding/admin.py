"""Staff admin for bids: read-only decision trail, filters by status and reason."""

from django.contrib import admin

from bidding.models import Bid, BidAttachment


class BidAttachmentInline(admin.TabularInline):
    model = BidAttachment
    extra = 0
    fields = ("original_name", "extension", "size", "uploaded_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = False


@admin.register(Bid)
class BidAdmin(admin.ModelAdmin):
    list_display = ("demand", "organization", "price_wan", "delivery_days", "status", "submitted_at")
    list_filter = ("status", "reject_reason")
    search_fields = ("demand__title", "organization__name")
    list_select_related = ("demand", "organization")
    raw_id_fields = ("demand", "organization", "submitted_by", "decided_by")
    readonly_fields = ("id", "demand_terms", "submitted_at", "updated_at", "withdrawn_at", "decided_at", "decided_by")
    inlines = [BidAttachmentInline]
    date_hierarchy = "submitted_at"
