"""URLs of the dining app (mounted at /dining/)."""

from django.urls import path

from dining.views import staff

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

urlpatterns = [
    *staff_patterns,
]
