"""HTML pages for 需求清单/需求 and 供给菜单/供给: thin views over catalog.selectors/services/filters."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST

from accounts.models import Organization
from accounts.selectors import is_platform_admin, user_org_ids
from catalog import selectors, services
from catalog.filters import DemandFilterSet, SupplyFilterSet
from catalog.forms import DemandForm, DemandListForm, SupplyForm, SupplyMenuForm
from catalog.models import Demand, DemandList, Supply, SupplyMenu

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


# --- lists -----------------------------------------------------------------------------------


def demand_list(request):
    return _list_page(
        request,
        queryset=selectors.demands_visible_to(request.user),
        filterset_class=DemandFilterSet,
        template="catalog/demand_list.html",
        export_url_name="catalog:demand_export",
    )


def supply_list(request):
    return _list_page(
        request,
        queryset=selectors.supplies_visible_to(request.user),
        filterset_class=SupplyFilterSet,
        template="catalog/supply_list.html",
        export_url_name="catalog:supply_export",
    )


# --- details ---------------------------------------------------------------------------------


def demand_detail(request, pk):
    demand = _visible_or_404(selectors.demands_visible_to(request.user), pk)
    return render(request, "catalog/demand_detail.html", {"demand": demand, **_rights(request.user, demand)})


def supply_detail(request, pk):
    supply = _visible_or_404(selectors.supplies_visible_to(request.user), pk)
    return render(request, "catalog/supply_detail.html", {"supply": supply, **_rights(request.user, supply)})


def demandlist_detail(request, pk):
    demand_list = _visible_or_404(selectors.demand_lists_visible_to(request.user), pk)
    items = selectors.demands_visible_to(request.user).filter(demand_list=demand_list).order_by("id")
    return render(
        request,
        "catalog/demandlist_detail.html",
        {"demand_list": demand_list, "items": items, **_rights(request.user, demand_list)},
    )


def supplymenu_detail(request, pk):
    menu = _visible_or_404(selectors.supply_menus_visible_to(request.user), pk)
    items = selectors.supplies_visible_to(request.user).filter(menu=menu).order_by("id")
    return render(
        request, "catalog/supplymenu_detail.html", {"menu": menu, "items": items, **_rights(request.user, menu)}
    )


# --- 需求清单 / 供给菜单 create, edit, publish, close ---------------------------------------------


def _container_create(request, *, form_class, service, template, title):
    orgs = list(_editable_orgs(request.user))
    if not orgs:
        messages.error(request, "请先加入或创建一个组织，再发布清单或菜单。")
        return redirect("accounts:my_org")
    form = form_class(request.POST or None, organizations=orgs)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organization = data.pop("organization")
        try:
            obj = service(organization=organization, user=request.user, data=data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"已保存草稿「{obj.name}」。")
            return redirect(obj_url(obj))
    return render(request, template, {"form": form, "title": title, "cancel_url": reverse("accounts:my_org")})


def _container_edit(request, obj, *, form_class, service, template, title, kwarg_name):
    if not selectors.can_edit(request.user, obj):
        raise PermissionDenied("您没有编辑权限。")
    form = form_class(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        try:
            obj = service(**{kwarg_name: obj}, user=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect(obj_url(obj))
    return render(request, template, {"form": form, "title": title, "object": obj, "cancel_url": obj_url(obj)})


def obj_url(obj):
    names = {
        DemandList: "catalog:demandlist_detail",
        SupplyMenu: "catalog:supplymenu_detail",
        Demand: "catalog:demand_detail",
        Supply: "catalog:supply_detail",
    }
    return reverse(names[type(obj)], args=[obj.pk])


@login_required
def demandlist_create(request):
    return _container_create(
        request,
        form_class=DemandListForm,
        service=services.demand_list_create,
        template="catalog/container_form.html",
        title="新建需求清单",
    )


@login_required
def demandlist_edit(request, pk):
    demand_list = _visible_or_404(selectors.demand_lists_visible_to(request.user), pk)
    return _container_edit(
        request,
        demand_list,
        form_class=DemandListForm,
        service=services.demand_list_update,
        template="catalog/container_form.html",
        title="编辑需求清单",
        kwarg_name="demand_list",
    )


@login_required
def supplymenu_create(request):
    return _container_create(
        request,
        form_class=SupplyMenuForm,
        service=services.supply_menu_create,
        template="catalog/container_form.html",
        title="新建供给菜单",
    )


@login_required
def supplymenu_edit(request, pk):
    menu = _visible_or_404(selectors.supply_menus_visible_to(request.user), pk)
    return _container_edit(
        request,
        menu,
        form_class=SupplyMenuForm,
        service=services.supply_menu_update,
        template="catalog/container_form.html",
        title="编辑供给菜单",
        kwarg_name="menu",
    )


def _post_action(request, obj, service, kwarg_name, success):
    try:
        service(**{kwarg_name: obj}, user=request.user)
    except ValidationError as exc:
        _message_error(request, exc)
    else:
        messages.success(request, success)
    return redirect(obj_url(obj))


@login_required
@require_POST
def demandlist_publish(request, pk):
    demand_list = _visible_or_404(selectors.demand_lists_visible_to(request.user), pk)
    return _post_action(request, demand_list, services.demand_list_publish, "demand_list", "需求清单已发布，进入征集。")


@login_required
@require_POST
def demandlist_close(request, pk):
    demand_list = _visible_or_404(selectors.demand_lists_visible_to(request.user), pk)
    return _post_action(request, demand_list, services.demand_list_close, "demand_list", "需求清单已关闭。")


@login_required
@require_POST
def supplymenu_publish(request, pk):
    menu = _visible_or_404(selectors.supply_menus_visible_to(request.user), pk)
    return _post_action(request, menu, services.supply_menu_publish, "menu", "供给菜单已发布。")


@login_required
@require_POST
def supplymenu_close(request, pk):
    menu = _visible_or_404(selectors.supply_menus_visible_to(request.user), pk)
    return _post_action(request, menu, services.supply_menu_close, "menu", "供给菜单已关闭。")


# --- 需求 / 供给 create, edit, close, delete ----------------------------------------------------


def _open_containers(user, queryset):
    if is_platform_admin(user):
        return queryset.exclude(status="closed")
    return queryset.filter(organization_id__in=user_org_ids(user)).exclude(status="closed")


@login_required
def demand_create(request, list_pk=None):
    lists = _open_containers(request.user, DemandList.objects.select_related("organization")).order_by("-created_at")
    list_pk = list_pk or request.GET.get("list")
    initial = {}
    if list_pk:
        demand_list = _visible_or_404(selectors.demand_lists_visible_to(request.user), list_pk)
        if not selectors.can_edit(request.user, demand_list):
            raise PermissionDenied("您没有在该需求清单中添加需求的权限。")
        initial["demand_list"] = demand_list.pk
    elif len(lists) == 1:
        initial["demand_list"] = lists[0].pk
    if not lists and not list_pk:
        messages.info(request, "请先新建一个需求清单，再添加需求。")
        return redirect("catalog:demandlist_create")
    form = DemandForm(request.POST or None, initial=initial, demand_lists=lists)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            demand = services.demand_create(demand_list=data.pop("demand_list"), user=request.user, data=data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"已添加需求「{demand.title}」。")
            return redirect(obj_url(demand))
    return render(
        request,
        "catalog/item_form.html",
        {"form": form, "title": "添加需求", "cancel_url": reverse("catalog:demand_list")},
    )


@login_required
def demand_edit(request, pk):
    demand = _visible_or_404(selectors.demands_visible_to(request.user), pk)
    if not selectors.can_edit(request.user, demand):
        raise PermissionDenied("您没有编辑该需求的权限。")
    form = DemandForm(request.POST or None, instance=demand)
    if request.method == "POST" and form.is_valid():
        try:
            demand = services.demand_update(demand=demand, user=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "需求已保存。")
            return redirect(obj_url(demand))
    return render(
        request,
        "catalog/item_form.html",
        {"form": form, "title": "编辑需求", "object": demand, "cancel_url": obj_url(demand)},
    )


@login_required
@require_POST
def demand_close(request, pk):
    demand = _visible_or_404(selectors.demands_visible_to(request.user), pk)
    return _post_action(request, demand, services.demand_close, "demand", "需求已关闭。")


@login_required
def demand_delete(request, pk):
    demand = _visible_or_404(selectors.demands_visible_to(request.user), pk)
    if not selectors.can_delete(request.user, demand):
        raise PermissionDenied("只有本单位管理员或平台管理员可以删除需求。")
    if request.method == "POST":
        list_pk = demand.demand_list_id
        try:
            services.demand_delete(demand=demand, user=request.user)
        except ValidationError as exc:
            _message_error(request, exc)
            return redirect(obj_url(demand))
        messages.success(request, f"已删除需求「{demand.title}」。")
        return redirect("catalog:demandlist_detail", list_pk)
    return render(
        request, "catalog/confirm_delete.html", {"object": demand, "kind": "需求", "cancel_url": obj_url(demand)}
    )


@login_required
def supply_create(request, menu_pk=None):
    menus = _open_containers(request.user, SupplyMenu.objects.select_related("organization")).order_by("-created_at")
    menu_pk = menu_pk or request.GET.get("menu")
    initial = {}
    if menu_pk:
        menu = _visible_or_404(selectors.supply_menus_visible_to(request.user), menu_pk)
        if not selectors.can_edit(request.user, menu):
            raise PermissionDenied("您没有在该供给菜单中添加供给的权限。")
        initial["menu"] = menu.pk
    elif len(menus) == 1:
        initial["menu"] = menus[0].pk
    if not menus and not menu_pk:
        messages.info(request, "请先新建一个供给菜单，再添加供给。")
        return redirect("catalog:supplymenu_create")
    form = SupplyForm(request.POST or None, initial=initial, menus=menus)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            supply = services.supply_create(menu=data.pop("menu"), user=request.user, data=data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"已添加供给「{supply.title}」。")
            return redirect(obj_url(supply))
    return render(
        request,
        "catalog/item_form.html",
        {"form": form, "title": "添加供给", "cancel_url": reverse("catalog:supply_list")},
    )


@login_required
def supply_edit(request, pk):
    supply = _visible_or_404(selectors.supplies_visible_to(request.user), pk)
    if not selectors.can_edit(request.user, supply):
        raise PermissionDenied("您没有编辑该供给的权限。")
    form = SupplyForm(request.POST or None, instance=supply)
    if request.method == "POST" and form.is_valid():
        try:
            supply = services.supply_update(supply=supply, user=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "供给已保存。")
            return redirect(obj_url(supply))
    return render(
        request,
        "catalog/item_form.html",
        {"form": form, "title": "编辑供给", "object": supply, "cancel_url": obj_url(supply)},
    )


@login_required
@require_POST
def supply_close(request, pk):
    supply = _visible_or_404(selectors.supplies_visible_to(request.user), pk)
    return _post_action(request, supply, services.supply_close, "supply", "供给已下架。")


@login_required
def supply_delete(request, pk):
    supply = _visible_or_404(selectors.supplies_visible_to(request.user), pk)
    if not selectors.can_delete(request.user, supply):
        raise PermissionDenied("只有本单位管理员或平台管理员可以删除供给。")
    if request.method == "POST":
        menu_pk = supply.menu_id
        try:
            services.supply_delete(supply=supply, user=request.user)
        except ValidationError as exc:
            _message_error(request, exc)
            return redirect(obj_url(supply))
        messages.success(request, f"已删除供给「{supply.title}」。")
        return redirect("catalog:supplymenu_detail", menu_pk)
    return render(
        request, "catalog/confirm_delete.html", {"object": supply, "kind": "供给", "cancel_url": obj_url(supply)}
    )
