"""HTML pages of the reports app."""
from django.urls import path

app_name = "reports"

urlpatterns = []
