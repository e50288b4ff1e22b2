"""HTML pages of the events app."""

from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("new/", views.event_create, name="event_create"),
    path("<int:pk>/", views.event_detail, name="event_detail"),
    path("<int:pk>/edit/", views.event_update, name="event_update"),
    # 精准邀约 (staff)
    path("<int:pk>/invitations/", views.invitations, name="invitations"),
    path("<int:pk>/invitations/send/", views.invitation_send, name="invitation_send"),
    path("invitations/<int:pk>/respond/", views.invitation_respond, name="invitation_respond"),
    # participants: registration, availability, 1:1 requests
    path("<int:pk>/participation/", views.participation, name="participation"),
    path("<int:pk>/attendees/add/", views.attendee_add, name="attendee_add"),
    path("<int:pk>/attendees/<int:attendee_pk>/remove/", views.attendee_remove, name="attendee_remove"),
    path("<int:pk>/availability/", views.availability_set, name="availability_set"),
    path("<int:pk>/meeting-requests/new/", views.meeting_request_create, name="meeting_request_create"),
    path("meeting-requests/<int:pk>/respond/", views.meeting_request_respond, name="meeting_request_respond"),
    path("meetings/<int:pk>/outcome/", views.outcome_record, name="outcome_record"),
    # staff: pairs, scheduler, table plan
    path("<int:pk>/meetings/", views.meetings, name="meetings"),
    path("<int:pk>/meetings/pair/", views.meeting_pair_add, name="meeting_pair_add"),
    path("<int:pk>/meetings/schedule/", views.schedule_run, name="schedule_run"),
    path("<int:pk>/table-plan/", views.table_plan, name="table_plan"),
    path("<int:pk>/table-plan.xlsx", views.table_plan_xlsx, name="table_plan_xlsx"),
    # per-participant agenda: print view and .xlsx
    path("<int:pk>/agenda/<int:org_pk>/", views.agenda, name="agenda"),
    path("<int:pk>/agenda/<int:org_pk>.xlsx", views.agenda_xlsx, name="agenda_xlsx"),
]
