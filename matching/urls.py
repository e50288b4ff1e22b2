"""HTML pages of the matching app."""

from django.urls import path

from matching import views

app_name = "matching"

urlpatterns = [
    path("demands/<int:pk>/", views.demand_matches, name="demand_matches"),
    path("supplies/<int:pk>/", views.supply_matches, name="supply_matches"),
    path("queue/", views.liaison_queue, name="liaison_queue"),
    path("queue/<int:demand_pk>/<int:supply_pk>/case/", views.queue_case, name="queue_case"),
    path("demands/<int:demand_pk>/supplies/<int:supply_pk>/feedback/", views.match_feedback, name="match_feedback"),
    path("demands/<int:demand_pk>/supplies/<int:supply_pk>/feedback/undo/", views.feedback_undo, name="feedback_undo"),
]
