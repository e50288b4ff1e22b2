"""Staff admin for bids: read-only, and sealed like every other path (bidding.selectors.bids_visible_to).

A superuser or platform admin sees a bid here only once its seal is off (after the deadline, or
公开报价), exactly as on the pages and the API; bids are changed only through bidding.services.
"""

from django.contrib import admin

from bidding import selectors
from bidding.models import Bid, BidAttachment


class BidAttachmentInline(admin.TabularInline):
    model = BidAttachment
    extra = 0
    fields = ("original_name", "extension", "size", "uploaded_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Bid)
class BidAdmin(admin.ModelAdmin):
    list_display = ("demand", "organization", "price_wan", "delivery_days", "status", "submitted_at")
    list_filter = ("status", "reject_reason", "is_sealed")
    search_fields = ("demand__title", "organization__name")
    list_select_related = ("demand", "organization")
    readonly_fields = (
        "id",
        "demand",
        "organization",
        "submitted_by",
        "proposal",
        "price_wan",
        "delivery_days",
        "status",
        "is_sealed",
        "demand_terms",
        "reject_reason",
        "decision_note",
        "decided_by",
        "decided_at",
        "submitted_at",
        "updated_at",
        "withdrawn_at",
    )
    inlines = [BidAttachmentInline]
    date_hierarchy = "submitted_at"

    def get_queryset(self, request):
        return selectors.bids_visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
