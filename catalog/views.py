"""HTML pages for 需求清单/需求 and 供给菜单/供给: thin views over catalog.selectors/services/filters."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST

from accounts.models import Organization
from accounts.selectors import is_platform_admin, user_org_ids
from catalog import selectors, services
from catalog.filters import FILTERSETS
from catalog.forms import DemandForm, DemandListForm, SupplyForm, SupplyMenuForm
from catalog.kinds import DEMAND, SUPPLY, kind_of

PAGE_SIZE = 20
# Lists count at most this many rows: an exact COUNT(*) over 100k joined rows cost more than the
# page itself. Beyond it the page says "1000+ 条" and people narrow with filters or search.
COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A Paginator whose count stops at `cap` rows (COUNT over a LIMIT subquery)."""

    def __init__(self, object_list, per_page, cap=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def _found(self):
        return self.object_list.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self):
        return min(self._found, self.cap)

    @property
    def is_capped(self):
        return self._found > self.cap


# --- helpers ---------------------------------------------------------------------------------


def _rights(user, obj):
    return {
        "can_view_contacts": selectors.can_view_contacts(user, obj),
        "can_edit": selectors.can_edit(user, obj),
        "can_close": selectors.can_close(user, obj),
        "can_delete": selectors.can_delete(user, obj),
    }


def _visible_or_404(queryset, pk):
    return get_object_or_404(queryset, pk=pk)


def _form_error(form, exc):
    """Put a service ValidationError onto the form (field errors where the field exists)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _message_error(request, exc):
    for message in exc.messages:
        messages.error(request, message)


def _editable_orgs(user):
    if is_platform_admin(user):
        return Organization.objects.order_by("name")
    return Organization.objects.filter(pk__in=user_org_ids(user)).order_by("name")


def _list_page(request, *, queryset, filterset_class, template, export_url_name, extra=None):
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    paginator = CappedPaginator(filterset.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page_obj": page,
        "q": filterset.search_query,
        "export_query": query.urlencode(),
        "export_url_name": export_url_name,
        **(extra or {}),
    }
    return render(request, template, context)


# --- the two kinds -----------------------------------------------------------------------------

ITEM_FORMS = {DEMAND.key: DemandForm, SUPPLY.key: SupplyForm}
CONTAINER_FORMS = {DEMAND.key: DemandListForm, SUPPLY.key: SupplyMenuForm}


def obj_url(obj):
    kind = kind_of(obj)
    name = kind.url["detail"] if isinstance(obj, kind.model) else kind.url["container_detail"]
    return reverse(name, args=[obj.pk])


def _item_context(kind, item, user):
    return {"kind": kind, "item": item, kind.item_var: item, **_rights(user, item)}


def _container_context(kind, container, user):
    return {"kind": kind, "container": container, kind.list_var: container, **_rights(user, container)}


# --- lists and details -----------------------------------------------------------------------


def item_list(request, *, kind):
    return _list_page(
        request,
        queryset=selectors.items_visible_to(kind, request.user),
        filterset_class=FILTERSETS[kind.key],
        template="catalog/item_list.html",
        export_url_name=kind.url["export"],
        extra={"kind": kind, "can_create": selectors.can_create(request.user, kind)},
    )


def item_detail(request, pk, *, kind):
    item = _visible_or_404(selectors.items_visible_to(kind, request.user), pk)
    return render(request, "catalog/item_detail.html", _item_context(kind, item, request.user))


def container_detail(request, pk, *, kind):
    container = _visible_or_404(selectors.containers_visible_to(kind, request.user), pk)
    items = selectors.items_visible_to(kind, request.user).filter(**{kind.list_fk: container}).order_by("id")
    context = {**_container_context(kind, container, request.user), "items": items}
    return render(request, "catalog/container_detail.html", context)


# --- 需求清单 / 供给菜单 create, edit, publish, close ---------------------------------------------


@login_required
def container_create(request, *, kind):
    orgs = list(_editable_orgs(request.user))
    if not orgs:
        messages.error(request, "请先加入或创建一个组织，再发布清单或菜单。")
        return redirect("accounts:my_org")
    form = CONTAINER_FORMS[kind.key](request.POST or None, organizations=orgs)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organization = data.pop("organization")
        try:
            obj = services.container_create(kind=kind, organization=organization, user=request.user, data=data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"已保存草稿「{obj.name}」。")
            return redirect(obj_url(obj))
    context = {
        "form": form,
        "title": f"新建{kind.list_word}",
        "intro": f"新建后为草稿；组织通过认证后可在{kind.list_short}页面点击“发布”。",
        "cancel_url": reverse("accounts:my_org"),
    }
    return render(request, "catalog/form_page.html", context)


@login_required
def container_edit(request, pk, *, kind):
    obj = _visible_or_404(selectors.containers_visible_to(kind, request.user), pk)
    if not selectors.can_edit(request.user, obj):
        raise PermissionDenied("您没有编辑权限。")
    form = CONTAINER_FORMS[kind.key](request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        try:
            obj = services.container_update(container=obj, user=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect(obj_url(obj))
    context = {"form": form, "title": f"编辑{kind.list_word}", "object": obj, "cancel_url": obj_url(obj)}
    return render(request, "catalog/form_page.html", context)


def _post_action(request, obj, service, success):
    try:
        service()
    except ValidationError as exc:
        _message_error(request, exc)
    else:
        messages.success(request, success)
    return redirect(obj_url(obj))


@login_required
@require_POST
def container_publish(request, pk, *, kind):
    obj = _visible_or_404(selectors.containers_visible_to(kind, request.user), pk)
    success = f"{kind.list_word}已发布" + ("，进入征集。" if kind.has_bids else "。")
    return _post_action(request, obj, lambda: services.container_publish(container=obj, user=request.user), success)


@login_required
@require_POST
def container_close(request, pk, *, kind):
    obj = _visible_or_404(selectors.containers_visible_to(kind, request.user), pk)
    return _post_action(
        request, obj, lambda: services.container_close(container=obj, user=request.user), f"{kind.list_word}已关闭。"
    )


# --- 需求 / 供给 create, edit, close, delete ----------------------------------------------------


def _open_containers(user, queryset):
    if is_platform_admin(user):
        return queryset.exclude(status="closed")
    return queryset.filter(organization_id__in=user_org_ids(user)).exclude(status="closed")


@login_required
def item_create(request, container_pk=None, *, kind):
    containers = _open_containers(request.user, kind.list_model.objects.select_related("organization"))
    containers = containers.order_by("-created_at")
    container_pk = container_pk or request.GET.get("list") or request.GET.get("menu")
    initial = {}
    if container_pk:
        container = _visible_or_404(selectors.containers_visible_to(kind, request.user), container_pk)
        if not selectors.can_edit(request.user, container):
            raise PermissionDenied(f"您没有在该{kind.list_word}中添加{kind.item_word}的权限。")
        initial[kind.list_fk] = container.pk
    elif len(containers) == 1:
        initial[kind.list_fk] = containers[0].pk
    if not containers and not container_pk:
        messages.info(request, f"请先新建一个{kind.list_word}，再添加{kind.item_word}。")
        return redirect(kind.url["container_create"])

    def make_form(data):
        return ITEM_FORMS[kind.key](data, initial=initial, containers=containers)

    def make_row(form):
        data = dict(form.cleaned_data)
        return services.ItemRow(container=data.pop(kind.list_fk), data=data)

    context = {"title": f"添加{kind.item_word}", "cancel_url": reverse(kind.url["list"])}
    return _item_form_flow(request, kind=kind, item=None, make_form=make_form, make_row=make_row, context=context)


@login_required
def item_edit(request, pk, *, kind):
    item = _visible_or_404(selectors.items_visible_to(kind, request.user), pk)
    if not selectors.can_edit(request.user, item):
        raise PermissionDenied(f"您没有编辑该{kind.item_word}的权限。")

    def make_form(data):
        return ITEM_FORMS[kind.key](data, instance=item)

    def make_row(form):
        return services.ItemRow(container=getattr(item, kind.list_fk), data=form.cleaned_data, item=item)

    context = {"title": f"编辑{kind.item_word}", "object": item, "cancel_url": obj_url(item)}
    return _item_form_flow(request, kind=kind, item=item, make_form=make_form, make_row=make_row, context=context)


# --- the preview step of the item form ----------------------------------------------------------
# 填写 → 预览 (items_upsert dry run: every rule checked, nothing written) → 确认发布/保存草稿 (one write).
# The previewed input travels in a signed hidden field, so abandoning a preview leaves no row and
# no session state behind, and what is confirmed is exactly what was previewed. The form's submit
# button sends _step=preview; a POST without _step (scripts, the older clients) saves at once
# through the same items_upsert, like the API.

PREVIEW_SALT = "catalog.item-preview"
PREVIEW_MAX_AGE = 12 * 60 * 60
PREVIEW_EXPIRED = "预览已过期或无效，请重新填写后再预览。"
_NOT_INPUT = ("csrfmiddlewaretoken", "_step", "_payload")


def _preview_payload(request, kind, item):
    data = {key: request.POST.getlist(key) for key in request.POST if key not in _NOT_INPUT}
    payload = {"user": request.user.pk, "kind": kind.key, "item": item.pk if item else None, "data": data}
    return signing.dumps(payload, salt=PREVIEW_SALT, compress=True)


def _preview_input(request, kind, item):
    """The form input a preview page carries back, or None if it is forged, stale or someone else's."""
    try:
        payload = signing.loads(request.POST.get("_payload", ""), salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        return None
    if (payload.get("user"), payload.get("kind"), payload.get("item")) != (
        request.user.pk,
        kind.key,
        item.pk if item else None,
    ):
        return None
    data = QueryDict(mutable=True)
    for key, values in payload.get("data", {}).items():
        data.setlist(key, values)
    return data


def _item_form_flow(request, *, kind, item, make_form, make_row, context):
    step = request.POST.get("_step", "save") if request.method == "POST" else ""
    data = request.POST if request.method == "POST" else None
    if step in ("edit", "confirm"):
        data = _preview_input(request, kind, item)
        if data is None:
            messages.error(request, PREVIEW_EXPIRED)
            step = ""
    form = make_form(data)
    if step in ("preview", "confirm", "save") and form.is_valid():
        try:
            result = services.items_upsert(
                kind=kind, actor=request.user, rows=[make_row(form)], dry_run=step == "preview"
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            saved = result.items[0]
            if step == "preview":
                return _preview_page(request, kind, saved, form, context, _preview_payload(request, kind, item))
            messages.success(request, _saved_message(kind, saved, created=item is None))
            return redirect(obj_url(saved))
    return render(request, "catalog/form_page.html", {**context, "form": form, "previews": True})


def _saved_message(kind, item, *, created):
    if created:
        if item.is_published:
            return f"已添加{kind.item_word}「{item.title}」，已对外发布。"
        return f"已添加{kind.item_word}「{item.title}」：所属{kind.list_word}尚未发布，发布后对外可见。"
    return f"{kind.item_word}已保存" + ("，修改已对外发布。" if item.is_published else "。")


def _preview_page(request, kind, item, form, context, payload):
    region_text = item.region.full_name if item.region_id else form.cleaned_data.get("region", "")
    preview = {
        **_item_context(kind, item, request.user),
        "title": f"预览{kind.item_word}",
        "cancel_url": context["cancel_url"],
        "payload": payload,
        "region_text": region_text,
        "container": getattr(item, kind.list_fk),
        "is_new": item.pk is None,
        # As a verified member of another organisation sees it (contacts included).
        "can_view_contacts": True,
    }
    return render(request, "catalog/item_preview.html", preview)


@login_required
@require_POST
def item_close(request, pk, *, kind):
    item = _visible_or_404(selectors.items_visible_to(kind, request.user), pk)
    success = f"{kind.item_word}已{kind.close_verb}。"
    return _post_action(request, item, lambda: services.item_close(item=item, user=request.user), success)


@login_required
def item_delete(request, pk, *, kind):
    item = _visible_or_404(selectors.items_visible_to(kind, request.user), pk)
    if not selectors.can_delete(request.user, item):
        raise PermissionDenied(f"只有本单位管理员或平台管理员可以删除{kind.item_word}。")
    if request.method == "POST":
        container_pk = getattr(item, f"{kind.list_fk}_id")
        try:
            services.item_delete(item=item, user=request.user)
        except ValidationError as exc:
            _message_error(request, exc)
            return redirect(obj_url(item))
        messages.success(request, f"已删除{kind.item_word}「{item.title}」。")
        return redirect(kind.url["container_detail"], container_pk)
    context = {"object": item, "kind": kind.item_word, "cancel_url": obj_url(item)}
    return render(request, "catalog/confirm_delete.html", context)
