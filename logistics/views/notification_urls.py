"""Notification pages: the list, mark read, preferences."""

app_name = "notifications"
urlpatterns: list = []
