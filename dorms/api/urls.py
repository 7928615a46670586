"""/api/v1/dorms/: notices (with acknowledging) and outages."""

from rest_framework.routers import SimpleRouter

from . import views

app_name = "dorms-api"

router = SimpleRouter(trailing_slash=True)
router.register("notices", views.NoticeViewSet, basename="notice")
router.register("outages", views.OutageViewSet, basename="outage")

urlpatterns = router.urls
