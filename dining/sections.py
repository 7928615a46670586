"""The home page section "Today's menu": per canteen, the meal served now (or next) from the
cached day data, so it adds no query once warm."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics.sections import register_home_section

from . import selectors
from .models import Meal

SHOWN_DISHES = 4


def todays_menu_context(request) -> dict:
    now = selectors.local_now()
    catalogue = selectors.catalogue()
    canteens = catalogue["canteens"]
    first = selectors.meal_now(canteens, now) or Meal.LUNCH
    days = selectors.canteen_days([c["id"] for c in canteens], now.date())
    labels = dict(Meal.choices)
    items = []
    for canteen in canteens:
        dishes = [
            selectors.pick(item["name"], item["name_en"])
            for menu in days[canteen["id"]]["menus"]
            if menu["meal"] == first
            for item in menu["items"]
            if not item["sold_out"]
        ]
        if not dishes:
            continue
        shown = "、".join(dishes[:SHOWN_DISHES]) + ("…" if len(dishes) > SHOWN_DISHES else "")
        items.append(
            {
                "title": selectors.pick(canteen["name"], canteen["name_en"]),
                "url": reverse("dining:canteen", args=[canteen["slug"]]),
                "status": labels[first],
                "meta": shown,
            }
        )
    return {
        "items": items,
        "empty_text": _("No menu published for the next meal yet."),
        "more_url": reverse("dining:index"),
    }


def register() -> None:
    register_home_section(
        "dining.todays-menu",
        title=gettext_lazy("Today's menu"),
        template="includes/_item_list.html",
        context=todays_menu_context,
        order=20,
    )
