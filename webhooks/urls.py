"""HTML pages of the webhooks app."""

from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="endpoints"),
    path("create/", views.endpoint_create, name="endpoint_create"),
    path("<int:pk>/delete/", views.endpoint_delete, name="endpoint_delete"),
]
