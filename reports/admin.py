from django.contrib import admin

from accounts.selectors import is_platform_admin
from reports.models import (
    AchievementItem,
    InvestorItem,
    PlatformItem,
    PolicyItem,
    ReviewScore,
    SegmentPosition,
    TalentItem,
    WeightSet,
)


@admin.register(PolicyItem)
class PolicyItemAdmin(admin.ModelAdmin):
    list_display = ("title", "issuer", "region", "valid_from", "valid_to")
    list_filter = ("chains",)
    search_fields = ("title", "issuer", "summary", "conditions")
    filter_horizontal = ("chains",)


@admin.register(PlatformItem)
class PlatformItemAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "organization", "region")
    list_filter = ("kind", "chains")
    search_fields = ("name", "description", "services")
    filter_horizontal = ("chains",)


class OrganisationContentAdmin(admin.ModelAdmin):
    """人才/成果/资本 belong to an organisation: in the admin only platform admins change them
    (liaison staff never edit an organisation's content, whatever Django permissions they hold)."""

    def has_add_permission(self, request):
        return is_platform_admin(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return is_platform_admin(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_platform_admin(request.user) and super().has_delete_permission(request, obj)


@admin.register(TalentItem)
class TalentItemAdmin(OrganisationContentAdmin):
    list_display = ("name", "kind", "organization", "chain", "willingness")
    list_filter = ("kind", "willingness")
    search_fields = ("name", "research")
    raw_id_fields = ("supply",)


@admin.register(AchievementItem)
class AchievementItemAdmin(OrganisationContentAdmin):
    list_display = ("title", "organization", "chain", "trl", "transfer_mode")
    list_filter = ("trl", "transfer_mode")
    search_fields = ("title", "description", "patents")
    raw_id_fields = ("supply",)


@admin.register(InvestorItem)
class InvestorItemAdmin(OrganisationContentAdmin):
    list_display = ("name", "organization", "fund_size_yi")
    search_fields = ("name", "description")
    filter_horizontal = ("chains",)
    raw_id_fields = ("supply",)


@admin.register(SegmentPosition)
class SegmentPositionAdmin(admin.ModelAdmin):
    list_display = ("segment", "position", "description")
    list_filter = ("position",)


@admin.register(WeightSet)
class WeightSetAdmin(admin.ModelAdmin):
    list_display = ("kind", "created_by", "created_at", "note")
    readonly_fields = ("kind", "weights", "note", "created_by", "created_at")

    def has_add_permission(self, request):
        return False  # weights change through the evaluation page, which audits them


@admin.register(ReviewScore)
class ReviewScoreAdmin(admin.ModelAdmin):
    list_display = ("kind", "object_id", "indicator", "score", "reviewer", "created_at")
    readonly_fields = ("kind", "object_id", "indicator", "score", "note", "reviewer", "created_at")

    def has_add_permission(self, request):
        return False
