"""HTML pages of the catalog app: demand lists, demands, supply menus, supplies (+ import/export)."""
from django.urls import include, path

app_name = "catalog"

urlpatterns = [
    path("", include("catalog.import_urls")),
]
