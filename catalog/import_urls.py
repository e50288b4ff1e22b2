"""Import/export pages (Excel/CSV intake with preview, templates, filtered exports)."""
from django.urls import path

urlpatterns = []
