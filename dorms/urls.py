"""The dorms pages: app_name "dorms", mounted at /dorms/."""

from django.urls import path

from dorms import feeds
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
]
