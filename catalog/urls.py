"""HTML pages of the catalog app: demand lists, demands, supply menus, supplies (+ import/export)."""

from django.urls import include, path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", include("catalog.import_urls")),
    # 需求
    path("demands/", views.demand_list, name="demand_list"),
    path("demands/new/", views.demand_create, name="demand_create"),
    path("demands/<int:pk>/", views.demand_detail, name="demand_detail"),
    path("demands/<int:pk>/edit/", views.demand_edit, name="demand_edit"),
    path("demands/<int:pk>/close/", views.demand_close, name="demand_close"),
    path("demands/<int:pk>/delete/", views.demand_delete, name="demand_delete"),
    # 需求清单
    path("demand-lists/new/", views.demandlist_create, name="demandlist_create"),
    path("demand-lists/<int:pk>/", views.demandlist_detail, name="demandlist_detail"),
    path("demand-lists/<int:pk>/edit/", views.demandlist_edit, name="demandlist_edit"),
    path("demand-lists/<int:pk>/publish/", views.demandlist_publish, name="demandlist_publish"),
    path("demand-lists/<int:pk>/close/", views.demandlist_close, name="demandlist_close"),
    path("demand-lists/<int:list_pk>/demands/new/", views.demand_create, name="demandlist_demand_create"),
    # 供给
    path("supplies/", views.supply_list, name="supply_list"),
    path("supplies/new/", views.supply_create, name="supply_create"),
    path("supplies/<int:pk>/", views.supply_detail, name="supply_detail"),
    path("supplies/<int:pk>/edit/", views.supply_edit, name="supply_edit"),
    path("supplies/<int:pk>/close/", views.supply_close, name="supply_close"),
    path("supplies/<int:pk>/delete/", views.supply_delete, name="supply_delete"),
    # 供给菜单
    path("supply-menus/new/", views.supplymenu_create, name="supplymenu_create"),
    path("supply-menus/<int:pk>/", views.supplymenu_detail, name="supplymenu_detail"),
    path("supply-menus/<int:pk>/edit/", views.supplymenu_edit, name="supplymenu_edit"),
    path("supply-menus/<int:pk>/publish/", views.supplymenu_publish, name="supplymenu_publish"),
    path("supply-menus/<int:pk>/close/", views.supplymenu_close, name="supplymenu_close"),
    path("supply-menus/<int:menu_pk>/supplies/new/", views.supply_create, name="supplymenu_supply_create"),
]
