"""HTML pages of the catalog app: demand lists, demands, supply menus, supplies (+ import/export).

Each page is written once (catalog.views over catalog.kinds); the kind comes with the route.
"""

from django.urls import include, path

from catalog import views
from catalog.kinds import DEMAND, SUPPLY


def _routes(kind, items, containers, item_name, container_name):
    k = {"kind": kind}
    return [
        path(f"{items}/", views.item_list, k, name=f"{item_name}_list"),
        path(f"{items}/new/", views.item_create, k, name=f"{item_name}_create"),
        path(f"{items}/<int:pk>/", views.item_detail, k, name=f"{item_name}_detail"),
        path(f"{items}/<int:pk>/edit/", views.item_edit, k, name=f"{item_name}_edit"),
        path(f"{items}/<int:pk>/close/", views.item_close, k, name=f"{item_name}_close"),
        path(f"{items}/<int:pk>/delete/", views.item_delete, k, name=f"{item_name}_delete"),
        path(f"{containers}/new/", views.container_create, k, name=f"{container_name}_create"),
        path(f"{containers}/<int:pk>/", views.container_detail, k, name=f"{container_name}_detail"),
        path(f"{containers}/<int:pk>/edit/", views.container_edit, k, name=f"{container_name}_edit"),
        path(f"{containers}/<int:pk>/publish/", views.container_publish, k, name=f"{container_name}_publish"),
        path(f"{containers}/<int:pk>/close/", views.container_close, k, name=f"{container_name}_close"),
        path(
            f"{containers}/<int:container_pk>/{items}/new/",
            views.item_create,
            k,
            name=f"{container_name}_{item_name}_create",
        ),
    ]


app_name = "catalog"

urlpatterns = [
    path("", include("catalog.import_urls")),
    *_routes(DEMAND, "demands", "demand-lists", "demand", "demandlist"),
    *_routes(SUPPLY, "supplies", "supply-menus", "supply", "supplymenu"),
]
