"""HTML pages of the followups app."""
from django.urls import path

app_name = "followups"

urlpatterns = []
