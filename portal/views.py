"""The site shell: home page, health check and error pages."""

from collections import defaultdict

from django.db import connection
from django.db.models import Count
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static

from accounts.selectors import is_liaison, user_active_membership
from catalog.models import IndustryChain
from catalog.selectors import DEMAND_RELATED, SUPPLY_RELATED, published_demands, published_supplies
from portal.workbench import workbench_for


def _counts_by_root_chain(queryset):
    """{root chain id: rows filed under the chain or one of its 环节}, from one grouped query.

    (Annotating chains with COUNT(DISTINCT …) FILTER (… IN published) took over a minute at 100k rows.)
    """
    counts = defaultdict(int)
    for parent_id, chain_id, n in (
        queryset.order_by().values_list("chain__parent_id", "chain_id").annotate(n=Count("id"))
    ):
        counts[parent_id or chain_id] += n
    return counts


def home(request):
    demand_counts = _counts_by_root_chain(published_demands())
    supply_counts = _counts_by_root_chain(published_supplies())
    chains = list(IndustryChain.objects.filter(parent__isnull=True).order_by("sort_order"))
    for chain in chains:
        chain.demand_count, chain.supply_count = demand_counts[chain.pk], supply_counts[chain.pk]
    # Published rows are visible to everyone, so no per-user filtering is needed here.
    context = {
        "demand_count": sum(demand_counts.values()),
        "supply_count": sum(supply_counts.values()),
        "latest_demands": published_demands().select_related(*DEMAND_RELATED)[:8],
        "latest_supplies": published_supplies().select_related(*SUPPLY_RELATED)[:8],
        "chains": chains,
    }
    if request.user.is_authenticated:
        membership = user_active_membership(request.user)
        title, panels = workbench_for(request.user, membership)
        role = "staff" if is_liaison(request.user) else ""
        if membership is not None and not role:
            role = "demand" if membership.organization.is_demand_side else "supply"
        context.update(workbench_title=title, workbench_panels=panels, workbench_role=role)
    return render(request, "portal/home.html", context)


def favicon(request):
    """Browsers ask for /favicon.ico on pages without a <link rel="icon"> (admin, API docs)."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "not_found", "message": "未找到该对象或您无权访问。", "fields": {}}}, status=404
        )
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "server_error", "message": "服务器内部错误，请稍后重试。", "fields": {}}}, status=500
        )
    return render(request, "500.html", status=500)
