"""HTML pages of the followups app."""

from django.urls import path

from followups import views

app_name = "followups"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("board/", views.case_board, name="case_board"),
    path("export.xlsx", views.case_export, name="case_export"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/move/", views.case_move, name="case_move"),
    path("<int:pk>/activity/", views.case_activity, name="case_activity"),
    path("<int:pk>/meeting/", views.case_meeting, name="case_meeting"),
    path("<int:pk>/next-action/", views.case_next_action, name="case_next_action"),
    path("documents/<int:pk>/", views.case_document, name="case_document"),
]
