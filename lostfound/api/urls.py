"""/api/v1/lostfound/: categories, found items, lost reports, claims, matches."""

from rest_framework.routers import SimpleRouter

from . import views

app_name = "lostfound-api"

router = SimpleRouter(trailing_slash=True)
router.register("categories", views.CategoryViewSet, basename="category")
router.register("found-items", views.FoundItemViewSet, basename="found-item")
router.register("lost-reports", views.LostReportViewSet, basename="lost-report")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("matches", views.MatchViewSet, basename="match")

urlpatterns = router.urls
