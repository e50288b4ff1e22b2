"""REST API routes of the events app."""

from rest_framework.routers import SimpleRouter

from events import api

router = SimpleRouter(trailing_slash=True)
router.register("events", api.EventViewSet, basename="api-event")
router.register("event-invitations", api.InvitationViewSet, basename="api-event-invitation")
router.register("event-meetings", api.MeetingViewSet, basename="api-event-meeting")

urlpatterns = router.urls
