"""HTML pages of the reports app."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("upward.xlsx", views.export_upward, name="export_upward"),
    path("maps/<slug:kind>/", views.resource_map, name="resource_map"),
    path("evaluations/<slug:kind>/", views.evaluation, name="evaluation"),
    path("policies/new/", views.policy_edit, name="policy_create"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
    path("platforms/new/", views.platform_edit, name="platform_create"),
    path("platforms/<int:pk>/edit/", views.platform_edit, name="platform_edit"),
]
