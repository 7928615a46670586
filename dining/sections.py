"""Dining's home-page and manager-overview sections (registered in DiningConfig.ready()).

"Today's menu" reads the cached day data, so it adds no query once warm.
"""

import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors
from .figures import dining_figures
from .models import Canteen, Meal, Menu

SHOWN_DISHES = 4
OVERVIEW_DAYS = 30


def todays_menu_context(request) -> dict:
    """The meal served now (or next) at each canteen; after the day's last meal, tomorrow's
    first meal, linked to tomorrow's menus."""
    now = selectors.local_now()
    catalogue = selectors.catalogue()
    canteens = catalogue["canteens"]
    first = selectors.meal_now(canteens, now)
    opening = selectors.first_opening(canteens)
    tomorrow = first is None and opening is not None
    if tomorrow:
        first = opening[1]
    first = first or Meal.LUNCH
    day = now.date() + datetime.timedelta(days=1) if tomorrow else now.date()
    days = selectors.canteen_days([c["id"] for c in canteens], day)
    labels = dict(Meal.choices)
    status = _("Tomorrow: %(meal)s") % {"meal": labels[first]} if tomorrow else labels[first]
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
                "url": reverse("dining:canteen", args=[canteen["slug"]])
                + (f"?date={day.isoformat()}" if tomorrow else ""),
                "status": status,
                "meta": shown,
            }
        )
    return {
        "items": items,
        "empty_text": _("No menu published for the next meal yet."),
        "more_url": reverse("dining:index") + ("?date=tomorrow" if tomorrow else ""),
    }


def my_canteen_context(request) -> dict:
    """'My canteen today': per canteen and meal, how many of today's menus are published."""
    today = timezone.localdate()
    canteens = list(
        Canteen.objects.editable_by(request.user)
        .filter(is_active=True)
        .annotate(window_count=Count("windows", filter=Q(windows__is_active=True)))
    )
    counts = (
        Menu.objects.filter(canteen__in=canteens, date=today, status=Menu.Status.PUBLISHED)
        .values("canteen_id", "meal")
        .annotate(n=Count("id"))
    )
    published = {(c["canteen_id"], c["meal"]): c["n"] for c in counts}
    home = reverse("dining:staff-home")
    items = [
        {
            "title": f"{canteen} · {label}",
            "url": f"{home}#canteen-{canteen.slug}",
            "status": _("%(published)d of %(windows)d published")
            % {"published": published.get((canteen.pk, meal), 0), "windows": canteen.window_count},
        }
        for canteen in canteens
        for meal, label in Meal.choices
        if (canteen.pk, meal) in published or meal != Meal.LATE_NIGHT
    ]
    return {
        "items": items,
        "empty_text": _("You are not assigned to a canteen yet."),
        "more_url": home,
    }


def overview_context(request) -> dict:
    """The dining section of the manager overview: the last 30 days in a few figures."""
    end = timezone.localdate()
    start = end - datetime.timedelta(days=OVERVIEW_DAYS - 1)
    data = dining_figures(user=request.user, start=start, end=end)
    url = reverse("dining:figures")
    violations_url = reverse("dining:violations")
    figures_list = [
        {"label": _("Dishes served, last 30 days"), "value": data.items, "url": url},
        {"label": _("Campus price index"), "value": data.campus_index or "—", "url": ""},
        {"label": _("Price rule violations"), "value": data.violations, "url": violations_url},
        {
            "label": _("Warnings not acknowledged"),
            "value": data.unacknowledged,
            "url": violations_url + "?acknowledged=false",
        },
        {
            "label": _("Low-price share (≤ %(price)s yuan)") % {"price": data.threshold},
            "value": "—" if data.low_share is None else f"{data.low_share}%",
            "url": "",
        },
    ]
    return {"figures": figures_list, "figures_url": url, "rows": data.rows}
