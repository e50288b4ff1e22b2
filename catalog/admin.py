"""Django admin for staff: taxonomy, regions, demand lists/demands, supply menus/supplies, import jobs."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError

from catalog import services
from catalog.kinds import DEMAND, SUPPLY, kind_of
from catalog.models import ImportJob, IndustryChain, Region

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


def _form_errors(form, exc):
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or "您没有修改权限。")
    elif hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class ItemAdminForm(forms.ModelForm):
    """Checks a change with catalog.services.items_upsert (dry run) so the admin obeys the form's rules."""

    kind = None
    user = None

    def _row(self):
        kind = self.kind
        data = {name: self.cleaned_data[name] for name in (*kind.fields, "region") if name in self.cleaned_data}
        if self.instance.pk:
            original = kind.model.objects.select_related(kind.list_fk).get(pk=self.instance.pk)
            return services.ItemRow(container=getattr(original, kind.list_fk), data=data, item=original)
        return services.ItemRow(container=self.cleaned_data.get(kind.list_fk), data=data)

    def clean(self):
        cleaned = super().clean()
        if not self.errors and (self.instance.pk or self.cleaned_data.get(self.kind.list_fk) is not None):
            try:
                services.items_upsert(kind=self.kind, actor=self.user, rows=[self._row()], dry_run=True)
            except (ValidationError, PermissionDenied) as exc:
                _form_errors(self, exc)
        return cleaned


class _ItemInline(admin.TabularInline):
    extra = 0
    show_change_link = True
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class _ContainerAdmin(admin.ModelAdmin):
    """Lists/menus: created and renamed through catalog.services; published/closed on the pages."""

    list_display = ("name", "organization", "year", "status", "created_at")
    list_filter = ("status", "year", "organization__is_verified")
    search_fields = ("name", "organization__name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)
    # Publishing needs a verified organisation and closing closes every item: the pages do both.
    readonly_fields = ("status", *AUDIT_FIELDS)
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (("organization",) if obj is not None else ())

    def save_model(self, request, obj, form, change):
        data = {
            field: form.cleaned_data[field] for field in ("name", "year", "description") if field in form.cleaned_data
        }
        if change:
            saved = services.container_update(container=obj, user=request.user, data=data)
        else:
            saved = services.container_create(
                kind=kind_of(obj), organization=form.cleaned_data["organization"], user=request.user, data=data
            )
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        # Deleting a list cascades to its items and their bids; the confirmation page would list them.
        return False


class _ItemAdmin(admin.ModelAdmin):
    """Writes go through catalog.services (audit, bid flags, re-matching), never a bare save()."""

    kind = None
    list_select_related = ("organization", "region", "chain")
    # Status changes are 关闭/下架 through the pages (services.item_close), not a field here.
    readonly_fields = ("organization", "status", "search_tokens", *AUDIT_FIELDS)
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        # An item stays in its list/menu; the organisation follows the list.
        return self.readonly_fields + ((self.kind.list_fk,) if obj is not None else ())

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = type("Form", (ItemAdminForm,), {"kind": self.kind, "user": request.user})
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        saved = services.items_upsert(kind=self.kind, actor=request.user, rows=[form._row()]).items[0]
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.item_delete(item=obj, user=request.user)

    def has_delete_permission(self, request, obj=None):
        # Published items are closed, never deleted (services.item_delete refuses them); the delete
        # confirmation page would also list a demand's bids. Drafts (which take no bids) may go.
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one by one, through the service's rules
        return actions


def _register(kind, extra_filters):
    """Admin of one kind: its list/menu (with the items inline) and its items."""
    summary = ("title", "chain", *kind.summary_fields, "status")
    inline = type(f"{kind.model.__name__}Inline", (_ItemInline,), {"model": kind.model, "fields": summary})
    container_admin = type(f"{kind.list_model.__name__}Admin", (_ContainerAdmin,), {"inlines": [inline]})
    admin.site.register(kind.list_model, container_admin)
    item_admin = type(
        f"{kind.model.__name__}Admin",
        (_ItemAdmin,),
        {
            "kind": kind,
            "list_display": ("title", "organization", "region", "chain", *kind.summary_fields, "status"),
            "list_filter": ("status", kind.type_field, *extra_filters, "chain__parent", f"{kind.list_fk}__status"),
            "search_fields": ("title", "description", "organization__name", f"{kind.list_fk}__name"),
            "autocomplete_fields": (kind.list_fk, "region", "chain"),
        },
    )
    admin.site.register(kind.model, item_admin)


_register(DEMAND, ("is_open_bidding",))
_register(SUPPLY, ("maturity",))


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
    # Jobs are a record of what happened: every field is read-only.
    readonly_fields = tuple(f.name for f in ImportJob._meta.fields if f.name != "id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        # Jobs are created by the upload page or the import command, never by hand.
        return False
