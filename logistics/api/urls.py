"""/api/v1/: the core endpoints (me, places, notifications) and every app's API."""

from django.urls import include, path  # noqa: F401
from rest_framework.routers import DefaultRouter

from logistics.api import views

router = DefaultRouter(trailing_slash=True)

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    *router.urls,
]
