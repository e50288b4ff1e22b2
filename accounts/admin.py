"""Django admin for platform staff: users and platform roles, organisations and their verification."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services
from accounts.models import LoginFailure, Membership, Organization, User


class PlatformAdminAccessMixin:
    """Platform admins (platform_role=admin, is_staff) manage these models without per-model grants."""

    def _is_platform_admin(self, request):
        return request.user.is_active and request.user.is_staff and request.user.is_platform_admin

    def has_module_permission(self, request):
        return self._is_platform_admin(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._is_platform_admin(request) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._is_platform_admin(request) or super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return self._is_platform_admin(request) or super().has_add_permission(request)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "status", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(PlatformAdminAccessMixin, DjangoUserAdmin):
    list_display = [
        "username",
        "display_name",
        "email",
        "phone",
        "platform_role",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    list_filter = ["platform_role", "is_staff", "is_active", "responsible_regions"]
    search_fields = ["username", "display_name", "email", "phone"]
    filter_horizontal = ["responsible_regions", "groups", "user_permissions"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        ("平台信息", {"fields": ("display_name", "phone", "platform_role", "responsible_regions")}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        ("平台信息", {"fields": ("display_name", "email", "phone", "platform_role")}),
    )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only superusers hand out Django superuser rights and raw permissions.
            readonly += ["is_superuser", "groups", "user_permissions"]
        return readonly

    def save_model(self, request, obj, form, change):
        # Staff access follows the platform role (liaison/admin use the admin site), as in the service.
        if "platform_role" in form.changed_data:
            obj.is_staff = bool(obj.platform_role) or obj.is_superuser
        super().save_model(request, obj, form, change)


@admin.register(Organization)
class OrganizationAdmin(PlatformAdminAccessMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "region", "is_verified", "verified_at", "rejected_at", "created_at"]
    list_filter = ["kind", "is_verified", ("region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "credit_code"]
    raw_id_fields = ["region"]
    readonly_fields = [
        "is_verified",
        "verified_at",
        "verified_by",
        "rejected_at",
        "rejection_reason",
        "created_at",
        "updated_at",
    ]
    inlines = [MembershipInline]
    actions = ["verify_selected", "unverify_selected"]

    def has_delete_permission(self, request, obj=None):
        # Deleting an organisation cascades to its bids: the delete page would list them (sealed or
        # not). Organisations are turned down or unverified instead, through the actions.
        return False

    @admin.action(description="认证所选单位")
    def verify_selected(self, request, queryset):
        self._apply(request, queryset, services.organization_verify, "已认证")

    @admin.action(description="取消所选单位的认证")
    def unverify_selected(self, request, queryset):
        self._apply(request, queryset, services.organization_unverify, "已取消认证")

    def _apply(self, request, queryset, service, verb):
        done = 0
        for org in queryset:
            try:
                service(organization=org, actor=request.user)
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(
                    request, f"{org.name}：{'；'.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR
                )
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb} {done} 家单位。", messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(PlatformAdminAccessMixin, admin.ModelAdmin):
    list_display = ["user", "organization", "role", "status", "created_at"]
    list_filter = ["role", "status"]
    search_fields = ["user__username", "user__display_name", "organization__name"]
    raw_id_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]
    actions = ["approve_selected", "reject_selected"]

    @admin.action(description="批准所选加入申请")
    def approve_selected(self, request, queryset):
        self._apply(request, queryset, services.membership_approve, "已批准")

    @admin.action(description="拒绝所选加入申请")
    def reject_selected(self, request, queryset):
        self._apply(request, queryset, services.membership_reject, "已拒绝")

    def _apply(self, request, queryset, service, verb):
        done = 0
        for membership in queryset.select_related("user", "organization"):
            try:
                service(membership=membership, actor=request.user)
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(
                    request, f"{membership}：{'；'.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR
                )
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb} {done} 个申请。", messages.SUCCESS)


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    list_display = ["key", "created_at"]
    search_fields = ["key"]
    readonly_fields = ["key", "created_at"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and request.user.is_platform_admin

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting a row unlocks that username + address early (support can help a locked user).
        return self.has_module_permission(request)
