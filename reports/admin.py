from django.contrib import admin

from reports.models import PlatformItem, PolicyItem


@admin.register(PolicyItem)
class PolicyItemAdmin(admin.ModelAdmin):
    list_display = ("title", "issuer", "region", "published_on")
    list_filter = ("chains",)
    search_fields = ("title", "issuer", "summary")
    filter_horizontal = ("chains",)
    autocomplete_fields = ()


@admin.register(PlatformItem)
class PlatformItemAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "organization", "region")
    list_filter = ("kind", "chains")
    search_fields = ("name", "description")
    filter_horizontal = ("chains",)
