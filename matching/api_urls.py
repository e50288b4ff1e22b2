"""REST API routes of the matching app."""

from rest_framework.routers import SimpleRouter

from matching import api

router = SimpleRouter(trailing_slash=True)
router.register("matches", api.MatchViewSet, basename="api-match")

urlpatterns = router.urls
