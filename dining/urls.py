"""URLs of the dining app (mounted at /dining/)."""

from django.urls import path

from dining import openmensa
from dining.pricing import views as prices
from dining.views import public, staff

app_name = "dining"

# Canteen staff: menus, import, dishes, the sold-out switch.
staff_patterns = [
    path("staff/", staff.staff_home, name="staff-home"),
    path(
        "staff/<slug:slug>/menu/<str:date>/<slug:meal>/<str:window>/",
        staff.staff_menu,
        name="staff-menu",
    ),
    path("staff/<slug:slug>/dish-search/", staff.staff_dish_search, name="staff-dish-search"),
    path("staff/<slug:slug>/import/", staff.staff_import, name="staff-import"),
    path(
        "staff/<slug:slug>/import/template.csv",
        staff.staff_import_template,
        name="staff-import-template",
    ),
    path("staff/<slug:slug>/dishes/", staff.staff_dishes, name="staff-dishes"),
    path("staff/<slug:slug>/dishes/new/", staff.staff_dish_edit, name="staff-dish-new"),
    path("staff/<slug:slug>/dishes/<int:pk>/", staff.staff_dish_edit, name="staff-dish-edit"),
    path("staff/items/<int:pk>/sold-out/", staff.staff_sold_out, name="staff-sold-out"),
]

# Everyone: today's menus, search, canteens, dishes, favourites, the OpenMensa feeds.
public_patterns = [
    path("", public.index, name="index"),
    path("search/", public.search, name="search"),
    path("canteens/<slug:slug>/", public.canteen, name="canteen"),
    path("dishes/<int:pk>/", public.dish, name="dish"),
    path("dishes/<int:pk>/favourite/", public.favourite_toggle, name="favourite-toggle"),
    path("dishes/<int:pk>/rate/", public.dish_rate, name="dish-rate"),
    path("favourites/", public.favourites, name="favourites"),
    path("openmensa/", openmensa.feed_list, name="openmensa"),
    path("openmensa/feeds.txt", openmensa.feed_list_text, name="openmensa-list"),
    path("openmensa/<slug:slug>.xml", openmensa.feed, name="openmensa-feed"),
]

# Price supervision: the public price board and index; managers' violations, rules, figures.
price_patterns = [
    path("canteens/<slug:slug>/prices/", prices.price_board, name="price-board"),
    path("price-index/", prices.price_index, name="price-index"),
    path("violations/", prices.violations, name="violations"),
    path("price-rules/", prices.price_rules, name="price-rules"),
    path("price-rules/<int:pk>/", prices.price_rule_edit, name="price-rule-edit"),
    path("figures/", prices.figures, name="figures"),
    path("export/", prices.export_period, name="export"),
]

urlpatterns = [
    *public_patterns,
    *staff_patterns,
    *price_patterns,
]
