"""/api/v1/dorms/: notices (with acknowledging) and outages."""

from rest_framework.routers import SimpleRouter

from dorms.inspections import api as inspections

from . import views

app_name = "dorms-api"

router = SimpleRouter(trailing_slash=True)
router.register("notices", views.NoticeViewSet, basename="notice")
router.register("outages", views.OutageViewSet, basename="outage")
router.register("inspections", inspections.InspectionRoundViewSet, basename="inspection")
router.register("hazards", inspections.HazardViewSet, basename="hazard")

urlpatterns = router.urls
