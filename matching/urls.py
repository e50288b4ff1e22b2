"""HTML pages of the matching app."""
from django.urls import path

app_name = "matching"

urlpatterns = []
