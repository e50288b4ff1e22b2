"""URL map: each app owns its pages (urls.py) and its API routes (api_urls.py)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from portal import views

admin.site.site_header = "京鲁供需对接平台 · 后台管理"
admin.site.site_title = "京鲁供需对接平台"
admin.site.index_title = "管理"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages without a <link rel="icon"> (admin, API docs).
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("catalog.urls")),
    path("matching/", include("matching.urls")),
    path("notifications/", include("notifications.urls")),
    path("bids/", include("bidding.urls")),
    path("events/", include("events.urls")),
    path("cases/", include("followups.urls")),
    path("reports/", include("reports.urls")),
    path("audit/", include("audit.urls")),
    path("webhooks/", include("webhooks.urls")),
    # REST API
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/", include("accounts.api_urls")),
    path("api/", include("catalog.api_urls")),
    path("api/", include("matching.api_urls")),
    path("api/", include("notifications.api_urls")),
    path("api/", include("bidding.api_urls")),
    path("api/", include("events.api_urls")),
    path("api/", include("followups.api_urls")),
    path("api/", include("reports.api_urls")),
]

# Uploaded files (bid attachments, case documents, import files) are never served from /media/:
# each app serves its own through a permission-checked view.

handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
