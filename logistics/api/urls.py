"""/api/v1/: the core endpoints (me, places, notifications) and every app's API."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from logistics.api import notifications, places, supervision, views, webhooks

router = DefaultRouter(trailing_slash=True)
places.register(router)
notifications.register(router)
webhooks.register(router)

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path(
        "supervision/daily/",
        supervision.SupervisionDailyView.as_view(),
        name="api-supervision-daily",
    ),
    path("repairs/", include("repairs.api.urls")),
    path("dining/", include("dining.api.urls")),
    path("dorms/", include("dorms.api.urls")),
    path("reviews/", include("reviews.api.urls")),
    path("lostfound/", include("lostfound.api.urls")),
    path("parcels/", include("parcels.api.urls")),
    *router.urls,
]
