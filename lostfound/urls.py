"""The lost-and-found pages: app_name "lostfound", mounted at /lostfound/."""

from django.urls import path

from lostfound.views import desk, lost, manage, public

app_name = "lostfound"

urlpatterns = [
    path("", public.board, name="index"),
    path("mine/", public.mine, name="mine"),
    path("found/new/", public.found_create, name="found-create"),
    path("found/<int:pk>/", public.found_detail, name="found-detail"),
    path("found/<int:item_pk>/photos/<int:photo_pk>/", public.found_photo, name="found-photo"),
    path("found/<int:pk>/label/", desk.label, name="found-label"),
    path("found/<int:pk>/receive/", desk.act, {"action": "receive"}, name="receive"),
    path(
        "found/<int:pk>/confirm-intake/",
        desk.act,
        {"action": "confirm_intake"},
        name="confirm-intake",
    ),
    path("lost/new/", lost.lost_create, name="lost-create"),
    path("lost/<int:pk>/", lost.lost_detail, name="lost-detail"),
    path("lost/<int:pk>/photo/", lost.lost_photo, name="lost-photo"),
    path("desk/", desk.inventory, name="desk"),
    path("desk/intake/", desk.intake, name="intake"),
    path("desk/labels/", desk.label_sheet, name="labels"),
    path("categories/", manage.categories, name="categories"),
    path("categories/new/", manage.category_edit, name="category-create"),
    path("categories/<int:pk>/", manage.category_edit, name="category-edit"),
]
