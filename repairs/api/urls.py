"""/api/v1/repairs/: categories, requests (with their workflow actions) and the timeline."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "repairs-api"

router = SimpleRouter(trailing_slash=True)
router.register("categories", views.RepairCategoryViewSet, basename="category")
router.register("requests", views.RepairRequestViewSet, basename="request")

urlpatterns = [
    path("requests/<int:pk>/events/", views.RepairEventListView.as_view(), name="request-events"),
    *router.urls,
]
