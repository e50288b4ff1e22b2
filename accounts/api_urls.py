"""REST API routes of the accounts app."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts import api

router = SimpleRouter(trailing_slash=True)
router.register("organizations", api.OrganizationViewSet, basename="organization")

urlpatterns = [
    path("auth/token/", api.TokenObtainView.as_view(), name="api-token"),
    path("me/", api.MeView.as_view(), name="api-me"),
] + router.urls
