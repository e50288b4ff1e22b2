"""Staff admin for notifications, preferences and subscriptions."""

from django.contrib import admin

from notifications.models import DigestDelivery, Notification, NotificationPreference, Subscription


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "kind", "is_read", "emailed_at", "created_at")
    list_filter = ("kind", "is_read")
    search_fields = ("title", "recipient__username", "recipient__display_name")
    raw_id_fields = ("recipient",)
    readonly_fields = ("dedup_key", "emailed_at", "created_at")
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email_enabled", "daily_digest")
    list_filter = ("email_enabled", "daily_digest")
    raw_id_fields = ("user",)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "keywords", "notify_matches", "min_score", "is_active", "created_at")
    list_filter = ("is_active", "notify_matches")
    search_fields = ("name", "organization__name", "keywords")
    filter_horizontal = ("chains", "regions")
    raw_id_fields = ("organization", "created_by")


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    list_display = ("user", "day", "item_count", "sent_at")
    readonly_fields = ("user", "day", "item_count", "sent_at")
