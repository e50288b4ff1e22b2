"""HTML pages of the bidding app: a demand's 意向书/报价 tab, bid actions, my bids, attachments."""

from django.urls import path

from bidding import views

app_name = "bidding"

urlpatterns = [
    path("mine/", views.my_bids, name="my_bids"),
    path("demand/<int:pk>/", views.demand_bids, name="demand_bids"),
    path("demand/<int:pk>/export/", views.bids_export, name="bids_export"),
    path("<uuid:bid_id>/edit/", views.bid_edit, name="bid_edit"),
    path("<uuid:bid_id>/withdraw/", views.bid_withdraw, name="bid_withdraw"),
    path("<uuid:bid_id>/confirm/", views.bid_confirm, name="bid_confirm"),
    path("<uuid:bid_id>/decide/", views.bid_decide, name="bid_decide"),
    path("attachments/<uuid:pk>/", views.attachment_download, name="attachment_download"),
]
