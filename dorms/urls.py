"""The dorms pages: app_name "dorms", mounted at /dorms/."""

from django.urls import path

from dorms import feeds
from dorms.inspections import views as inspections
from dorms.views import acks, buildings, notices, outages

app_name = "dorms"

urlpatterns = [
    path("feeds/campus/<str:code>.atom", feeds.NoticeFeed(), name="feed-campus"),
    path("feeds/building/<int:pk>.atom", feeds.NoticeFeed(), name="feed-building"),
    path("cap/", feeds.CapIndexFeed(), name="cap-index"),
    path("cap/<int:pk>.xml", feeds.cap_alert_view, name="cap-alert"),
    path("", notices.notice_list, name="index"),
    path("building/", buildings.my_building, name="my-building"),
    path("outages/", outages.outage_overview, name="outages"),
    path("notices/new/", notices.notice_create, name="notice-create"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice-detail"),
    path("notices/<int:pk>/edit/", notices.notice_edit, name="notice-edit"),
    path("notices/<int:pk>/preview/", notices.notice_preview, name="notice-preview"),
    path("notices/<int:pk>/publish/", notices.notice_publish, name="notice-publish"),
    path("notices/<int:pk>/unschedule/", notices.notice_unschedule, name="notice-unschedule"),
    path("notices/<int:pk>/correct/", notices.notice_correct, name="notice-correct"),
    path("notices/<int:pk>/acknowledge/", notices.notice_acknowledge, name="notice-acknowledge"),
    path("notices/<int:pk>/acknowledgements/", acks.notice_acks, name="notice-acks"),
    path("notices/<int:pk>/avoided/", notices.outage_avoided, name="outage-avoided"),
    path("notices/<int:pk>/files/<int:attachment_pk>/", notices.attachment, name="attachment"),
    path("inspections/", inspections.round_list, name="inspections"),
    path("inspections/new/", inspections.round_create, name="inspection-create"),
    path("inspections/<int:pk>/", inspections.round_detail, name="inspection-detail"),
    path(
        "inspections/<int:pk>/buildings/<int:building_pk>/",
        inspections.round_walk,
        name="inspection-walk",
    ),
    path(
        "inspections/<int:pk>/rooms/<int:room_pk>/", inspections.room_record, name="inspection-room"
    ),
    path("hazards/", inspections.hazard_list, name="hazards"),
    path("hazards/<int:pk>/", inspections.hazard_detail, name="hazard-detail"),
    path("hazards/<int:pk>/confirm/", inspections.hazard_confirm, name="hazard-confirm"),
    path("hazards/<int:pk>/recheck/", inspections.hazard_recheck, name="hazard-recheck"),
    path("hazards/<int:pk>/photo/", inspections.hazard_photo, name="hazard-photo"),
]
