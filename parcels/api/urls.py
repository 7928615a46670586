"""/api/v1/parcels/: stations and parcels (arrivals, pickup, return)."""

from rest_framework.routers import SimpleRouter

from . import views

app_name = "parcels-api"

router = SimpleRouter(trailing_slash=True)
router.register("stations", views.StationViewSet, basename="station")
router.register("parcels", views.ParcelViewSet, basename="parcel")

urlpatterns = router.urls
