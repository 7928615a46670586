"""Notification pages: the list, mark read, the bell, preferences."""

from django.urls import path

from logistics.views import notifications

app_name = "notifications"
urlpatterns = [
    path("", notifications.notification_list, name="list"),
    path("<int:pk>/read/", notifications.mark_read, name="mark-read"),
    path("read-all/", notifications.mark_all_read, name="mark-all-read"),
    path("bell/", notifications.bell, name="bell"),
    path("preferences/", notifications.preferences, name="preferences"),
]
