"""/api/v1/dining/: canteens, windows, dishes, menus (app_name "dining-api")."""

from rest_framework.routers import SimpleRouter

from dining.pricing import api as prices

from . import views

app_name = "dining-api"

router = SimpleRouter(trailing_slash=True)
router.register("canteens", views.CanteenViewSet, basename="canteen")
router.register("windows", views.WindowViewSet, basename="window")
router.register("dishes", views.DishViewSet, basename="dish")
router.register("menus", views.MenuViewSet, basename="menu")
router.register("price-changes", prices.PriceChangeViewSet, basename="price-change")
router.register("price-index", prices.PriceIndexViewSet, basename="price-index")

urlpatterns = [
    *router.urls,
]
