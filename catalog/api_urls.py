"""REST API routes of the catalog app."""

from rest_framework.routers import SimpleRouter

from catalog import api

router = SimpleRouter(trailing_slash=True)
router.register("demand-lists", api.DemandListViewSet, basename="api-demandlist")
router.register("demands", api.DemandViewSet, basename="api-demand")
router.register("supply-menus", api.SupplyMenuViewSet, basename="api-supplymenu")
router.register("supplies", api.SupplyViewSet, basename="api-supply")

urlpatterns = router.urls
