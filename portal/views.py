"""The site shell: home page, health check and error pages."""
from django.db import connection
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import render

from catalog.models import IndustryChain
from catalog.selectors import demands_visible_to, published_demands, published_supplies, supplies_visible_to


def home(request):
    chains = (
        IndustryChain.objects.filter(parent__isnull=True)
        .annotate(
            demand_count=Count("demands", filter=Q(demands__in=published_demands()), distinct=True),
            supply_count=Count("supplies", filter=Q(supplies__in=published_supplies()), distinct=True),
        )
        .order_by("sort_order")
    )
    context = {
        "demand_count": published_demands().count(),
        "supply_count": published_supplies().count(),
        "latest_demands": demands_visible_to(request.user).filter(id__in=published_demands().values("id"))[:8],
        "latest_supplies": supplies_visible_to(request.user).filter(id__in=published_supplies().values("id"))[:8],
        "chains": chains,
    }
    return render(request, "portal/home.html", context)


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "not_found", "message": "未找到该对象或您无权访问。", "fields": {}}}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "server_error", "message": "服务器内部错误，请稍后重试。", "fields": {}}}, status=500)
    return render(request, "500.html", status=500)
