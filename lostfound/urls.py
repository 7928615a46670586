"""The lost-and-found pages: app_name "lostfound", mounted at /lostfound/."""

from django.urls import path

from lostfound import feeds
from lostfound.views import claims, desk, disposals, figures, lost, manage, messages, public

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
    path("found/<int:pk>/claim/", claims.claim_create, name="claim-create"),
    path("found/<int:pk>/messages/", messages.item_messages, name="messages"),
    path(
        "found/<int:pk>/messages/<int:conversation_pk>/",
        messages.conversation,
        name="conversation",
    ),
    path("found/<int:pk>/hand-over/", claims.finder_hand_over, name="finder-hand-over"),
    path("claims/<int:pk>/", claims.claim_detail, name="claim-detail"),
    *(
        path(f"claims/<int:pk>/{slug}/", claims.act, {"action": action}, name=f"claim-{slug}")
        for slug, action in (
            ("approve", "approve"),
            ("reject", "reject"),
            ("hand-over", "hand_over"),
            ("confirm-handover", "confirm_handover"),
        )
    ),
    path("matches/<int:pk>/decline/", claims.match_decline, name="match-decline"),
    path("desk/claims/", claims.desk_claims, name="desk-claims"),
    path("lost/new/", lost.lost_create, name="lost-create"),
    path("lost/<int:pk>/", lost.lost_detail, name="lost-detail"),
    path("lost/<int:pk>/photo/", lost.lost_photo, name="lost-photo"),
    path("desk/", desk.inventory, name="desk"),
    path("desk/intake/", desk.intake, name="intake"),
    path("desk/labels/", desk.label_sheet, name="labels"),
    path("desk/disposals/", disposals.disposal_list, name="disposals"),
    path("desk/register/", disposals.register, name="register"),
    path("found/<int:pk>/dispose/", disposals.disposal_propose, name="disposal-propose"),
    path("disposals/<int:pk>/approve/", disposals.disposal_approve, name="disposal-approve"),
    path("disposals/<int:pk>/cancel/", disposals.disposal_cancel, name="disposal-cancel"),
    path("figures/", figures.figures, name="figures"),
    path("feeds/campus/<str:code>.atom", feeds.FoundItemFeed(), name="feed-campus"),
    path("categories/", manage.categories, name="categories"),
    path("categories/new/", manage.category_edit, name="category-create"),
    path("categories/<int:pk>/", manage.category_edit, name="category-edit"),
]
