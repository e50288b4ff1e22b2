"""Django admin for 对接项目: browsing only. Every write goes through followups.services from the case
page, so the stage gates, the region rule for liaison staff and the audit trail always apply."""

from django.contrib import admin

from followups.models import Case, CaseActivity, CaseDocument


class CaseActivityInline(admin.TabularInline):
    model = CaseActivity
    extra = 0
    readonly_fields = ("kind", "text", "actor", "document", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Browse cases; stage changes go through the case page so the gates and audit apply."""

    list_display = ("demand", "supply_org", "stage", "owner", "next_action_at", "is_stale", "updated_at")
    list_filter = ("stage", "origin", "is_stale")
    search_fields = ("demand__title", "supply_org__name")
    raw_id_fields = ("demand", "supply", "supply_org", "owner", "landed_location")
    readonly_fields = [f.name for f in Case._meta.fields]
    inlines = [CaseActivityInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseDocument)
class CaseDocumentAdmin(admin.ModelAdmin):
    """Documents are uploaded on the case page (who may upload depends on the case's region)."""

    list_display = ("title", "case", "uploaded_by", "uploaded_at")
    search_fields = ("title",)
    readonly_fields = [f.name for f in CaseDocument._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
