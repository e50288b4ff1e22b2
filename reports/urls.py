"""HTML pages of the reports app: dashboard, 六图谱 with their directories, 四评价."""

from django.urls import path

from reports import resource_views, views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("upward.xlsx", views.export_upward, name="export_upward"),
    path("maps/industry/", resource_views.chain_overview, name="chain_overview"),
    path("maps/<slug:kind>/", views.resource_map, name="resource_map"),
    path("chains/<int:pk>/", resource_views.chain_detail, name="chain_detail"),
    path("segments/<int:pk>/", resource_views.segment_detail, name="segment_detail"),
    path("segments/<int:pk>/invite/", resource_views.segment_invite, name="segment_invite"),
    path("segments/<int:pk>/case/", resource_views.segment_case, name="segment_case"),
    path("directory/<slug:kind>/", resource_views.directory_list, name="directory_list"),
    path("directory/<slug:kind>/export.xlsx", resource_views.directory_export, name="directory_export"),
    path("directory/<slug:kind>/template.xlsx", resource_views.directory_template, name="directory_template"),
    path("directory/<slug:kind>/import/", resource_views.directory_import, name="directory_import"),
    path("directory/<slug:kind>/new/", resource_views.directory_edit, name="directory_create"),
    path("directory/<slug:kind>/<int:pk>/", resource_views.directory_detail, name="directory_detail"),
    path("directory/<slug:kind>/<int:pk>/edit/", resource_views.directory_edit, name="directory_edit"),
    path("evaluations/<slug:kind>/", resource_views.evaluation_list, name="evaluation"),
    path("evaluations/<slug:kind>/weights/", resource_views.evaluation_weights, name="evaluation_weights"),
    path("evaluations/<slug:kind>/<int:pk>/", resource_views.evaluation_detail, name="evaluation_detail"),
]
