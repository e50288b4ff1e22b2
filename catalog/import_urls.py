"""Import/export pages (Excel/CSV intake with preview, templates, filtered exports)."""

from django.urls import path

from catalog import import_views
from catalog.kinds import DEMAND, SUPPLY

urlpatterns = [
    path("import/", import_views.import_upload, name="import"),
    path("import/template/<str:kind>/", import_views.import_template, name="import_template"),
    path("import/jobs/<int:pk>/", import_views.import_job, name="import_job"),
    path("import/jobs/<int:pk>/status/", import_views.import_job_status, name="import_job_status"),
    path("import/jobs/<int:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("import/jobs/<int:pk>/cancel/", import_views.import_cancel, name="import_cancel"),
    path("import/jobs/<int:pk>/options/", import_views.import_options, name="import_options"),
    path("import/jobs/<int:pk>/errors.xlsx", import_views.import_errors_download, name="import_errors"),
    path("demands/export/", import_views.item_export, {"kind": DEMAND}, name="demand_export"),
    path("supplies/export/", import_views.item_export, {"kind": SUPPLY}, name="supply_export"),
]
