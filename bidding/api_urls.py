"""REST API routes of the bidding app."""

from rest_framework.routers import SimpleRouter

from bidding import api

router = SimpleRouter(trailing_slash=True)
router.register("bids", api.BidViewSet, basename="api-bid")

urlpatterns = router.urls
