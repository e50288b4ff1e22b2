"""Django admin for staff: taxonomy, regions, demand lists/demands, supply menus/supplies, import jobs."""

from django.contrib import admin

from catalog.models import Demand, DemandList, ImportJob, IndustryChain, Region, Supply, SupplyMenu

AUDIT_FIELDS = ("created_by", "created_at", "updated_at")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("full_name", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("full_name", "name")
    autocomplete_fields = ("parent",)


@admin.register(IndustryChain)
class IndustryChainAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "is_priority", "is_future", "sort_order")
    list_filter = ("is_priority", "is_future", ("parent", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "keywords")
    list_editable = ("sort_order",)
    autocomplete_fields = ("parent",)


class DemandInline(admin.TabularInline):
    model = Demand
    fields = ("title", "chain", "demand_type", "budget_wan", "deadline", "status")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False


@admin.register(DemandList)
class DemandListAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "year", "status", "created_at")
    list_filter = ("status", "year", "organization__is_verified")
    search_fields = ("name", "organization__name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)
    readonly_fields = AUDIT_FIELDS
    date_hierarchy = "created_at"
    inlines = [DemandInline]


@admin.register(Demand)
class DemandAdmin(admin.ModelAdmin):
    list_display = ("title", "organization", "region", "chain", "demand_type", "budget_wan", "deadline", "status")
    list_filter = ("status", "demand_type", "chain__parent", "demand_list__status", "is_open_bidding")
    search_fields = ("title", "description", "organization__name", "demand_list__name")
    list_select_related = ("organization", "region", "chain")
    autocomplete_fields = ("demand_list", "organization", "region", "chain")
    readonly_fields = ("search_tokens", *AUDIT_FIELDS)
    date_hierarchy = "created_at"


class SupplyInline(admin.TabularInline):
    model = Supply
    fields = ("title", "chain", "supply_type", "price_wan", "maturity", "status")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False


@admin.register(SupplyMenu)
class SupplyMenuAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "year", "status", "created_at")
    list_filter = ("status", "year", "organization__is_verified")
    search_fields = ("name", "organization__name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)
    readonly_fields = AUDIT_FIELDS
    date_hierarchy = "created_at"
    inlines = [SupplyInline]


@admin.register(Supply)
class SupplyAdmin(admin.ModelAdmin):
    list_display = ("title", "organization", "region", "chain", "supply_type", "price_wan", "maturity", "status")
    list_filter = ("status", "supply_type", "maturity", "chain__parent", "menu__status")
    search_fields = ("title", "description", "organization__name", "menu__name")
    list_select_related = ("organization", "region", "chain")
    autocomplete_fields = ("menu", "organization", "region", "chain")
    readonly_fields = ("search_tokens", *AUDIT_FIELDS)
    date_hierarchy = "created_at"


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = (
        "original_name",
        "kind",
        "status",
        "organization",
        "created_by",
        "total_rows",
        "processed_rows",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("original_name", "organization__name", "created_by__username")
    list_select_related = ("organization", "created_by")
    readonly_fields = (
        "file",
        "original_name",
        "kind",
        "status",
        "organization",
        "created_by",
        "total_rows",
        "processed_rows",
        "errors",
        "summary",
        "is_cancel_requested",
        "created_at",
        "finished_at",
    )
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        # Jobs are created by the upload page or the import command, never by hand.
        return False
