"""HTML pages of the bidding app."""
from django.urls import path

app_name = "bidding"

urlpatterns = []
