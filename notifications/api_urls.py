"""REST API routes of the notifications app."""

from rest_framework.routers import SimpleRouter

from notifications import api

router = SimpleRouter(trailing_slash=True)
router.register("notifications", api.NotificationViewSet, basename="api-notification")

urlpatterns = router.urls
