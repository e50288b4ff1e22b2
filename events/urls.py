"""HTML pages of the events app."""
from django.urls import path

app_name = "events"

urlpatterns = []
