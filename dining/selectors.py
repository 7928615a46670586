"""Reads of the public dining pages and the API: the catalogue, one canteen's day, filters.

The shapes returned here are plain dicts and lists (picklable, language independent: both names
are kept) so that dining.cache can store them per canteen and date. Every builder runs a fixed
number of queries, whatever the number of canteens, menus or dishes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from logistics.search import search

from . import cache
from .models import (
    Allergen,
    Canteen,
    ClosedDay,
    Dish,
    Favourite,
    Meal,
    MenuItem,
    OpeningHours,
    PriceChange,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from logistics.models import User

SHANGHAI = ZoneInfo("Asia/Shanghai")
MEAL_ORDER = [meal.value for meal in Meal]


def local_now() -> datetime.datetime:
    """The current time on campus (Asia/Shanghai), whatever TIME_ZONE says."""
    return timezone.now().astimezone(SHANGHAI)


def pick(name: str, name_en: str) -> str:
    """The name in the active language (English when there is one and English is active)."""
    if name_en and (get_language() or "").startswith("en"):
        return name_en
    return name


# --- the catalogue: canteens with their hours, the allergen list ------------------------------


def _build_catalogue() -> dict:
    canteens = Canteen.objects.public().prefetch_related(
        Prefetch("hours", queryset=OpeningHours.objects.order_by("opens_at"))
    )
    return {
        "canteens": [
            {
                "id": c.pk,
                "slug": c.slug,
                "name": c.name,
                "name_en": c.name_en,
                "hours": [(h.meal, h.opens_at, h.closes_at) for h in c.hours.all()],
            }
            for c in canteens
        ],
        "allergens": [(a.code, a.name, a.name_en) for a in Allergen.objects.all()],
    }


def catalogue() -> dict:
    """The open canteens (id, slug, names, hours) and the allergens; cached until a canteen
    changes (canteen_changed bumps the global version)."""
    try:
        version = cache.global_version()
    except Exception:
        return {**_build_catalogue(), "version": ""}

    def build() -> dict:
        return {**_build_catalogue(), "version": version}

    return cache.local_get_or_build(cache.version_key("catalogue", version), build)


# What this process last read, per date: (epoch, catalogue, versions). Valid while the epoch is.
_known: dict = {}


def known_snapshot(date) -> tuple[str, dict, dict[int, str]] | None:
    """What this process last read for `date` (epoch, catalogue, versions), unchecked: current
    only if the epoch still is (catalogue_and_versions checks)."""
    return _known.get(date)


def catalogue_and_versions(date, read_epoch=None) -> tuple[str | None, dict, dict[int, str] | None]:
    """The epoch, the catalogue and each canteen's version of `date` (versions None when the
    cache is down, epoch None when it cannot be trusted). `read_epoch`: what reads an epoch GET
    already sent for this request (cache.epoch_begin()).

    Fast path, one round trip: the epoch; when this process has seen it for `date`, what it read
    then is still current (every change replaces the epoch after the tokens it follows)."""
    try:
        epoch = read_epoch() if read_epoch is not None else cache.epoch()
    except Exception:
        current = catalogue()
        return None, current, cache.safe_versions([c["id"] for c in current["canteens"]], date)
    known = _known.get(date)
    if epoch is not None and known is not None and known[0] == epoch:
        return known
    # Slow path (after a change, a new day, a new process): the epoch first, then the tokens, so
    # what is remembered under an epoch is never older than that epoch.
    try:
        epoch = epoch or cache.current_epoch()
    except Exception:
        epoch = None
    current = catalogue()
    versions = cache.safe_versions([c["id"] for c in current["canteens"]], date)
    if epoch is None or versions is None:
        return None, current, versions
    # Today's and tomorrow's (the two days /dining/ shows) stay known side by side.
    for other in [d for d in _known if abs((d - date).days) > 1]:
        del _known[other]
    _known[date] = (epoch, current, versions)
    return _known[date]


def meal_now(canteens: list[dict], now: datetime.datetime) -> str | None:
    """The meal served now at any canteen, else the next one today, else None."""
    moment = now.time()
    upcoming = []
    for canteen in canteens:
        for meal, opens, closes in canteen["hours"]:
            if opens <= moment < closes:
                return meal
            if moment < opens:
                upcoming.append((opens, meal))
    return min(upcoming)[1] if upcoming else None


def first_opening(canteens: list[dict]) -> tuple[datetime.time, str] | None:
    """When the first meal of a day opens at any of `canteens` (opens at, meal), or None."""
    openings = [(opens, meal) for canteen in canteens for meal, opens, _ in canteen["hours"]]
    return min(openings) if openings else None


def meal_sequence(first: str | None) -> list[str]:
    """The meals in the order the page shows them: the meal now first, then the day's order."""
    if first is None:
        return list(MEAL_ORDER)
    return [first] + [m for m in MEAL_ORDER if m != first]


# --- one canteen's day -------------------------------------------------------------------------


def _money(value) -> str | None:
    return None if value is None else str(value)


def _item(item: MenuItem) -> dict:
    dish = item.dish
    return {
        "id": item.pk,
        "dish_id": dish.pk,
        "name": dish.name,
        "name_en": dish.name_en,
        "category": dish.category.name,
        "category_en": dish.category.name_en,
        "price": _money(item.price),
        "price_employee": _money(item.price_employee),
        "price_other": _money(item.price_other),
        "unit": dish.pricing_unit,
        "portion_grams": dish.portion_grams,
        "portion_size": dish.portion_size,
        "sold_out": item.sold_out,
        "allergens": [a.code for a in dish.allergens.all()],
        "vegetarian": dish.is_vegetarian,
        "halal": dish.is_halal,
        "spicy": dish.spicy_level,
        "kcal": dish.kcal,
        "photo": dish.photo.url if dish.photo else "",
    }


def build_range(canteen_ids: list[int], dates: list) -> dict[tuple[int, object], dict]:
    """The published menus of each canteen on each of `dates`, in three queries:
    {(canteen id, date): {"closed": reason or None, "menus": [...]}}."""
    days = {(cid, d): {"closed": None, "menus": []} for cid in canteen_ids for d in dates}
    for closed in ClosedDay.objects.filter(canteen_id__in=canteen_ids, date__in=dates):
        days[(closed.canteen_id, closed.date)]["closed"] = closed.reason or "-"
    items = (
        MenuItem.objects.filter(
            menu__canteen_id__in=canteen_ids, menu__date__in=dates, menu__status="published"
        )
        .select_related("menu__window", "dish__category")
        .prefetch_related("dish__allergens")
        .order_by(
            "menu__date", "menu__window__sort_order", "menu__window__code", "sort_order", "id"
        )
    )
    menus: dict[int, dict] = {}
    for item in items:
        menu = item.menu
        if menu.pk not in menus:
            menus[menu.pk] = {
                "id": menu.pk,
                "meal": menu.meal,
                "window": menu.window.name,
                "window_en": menu.window.name_en,
                "window_code": menu.window.code,
                "items": [],
            }
            days[(menu.canteen_id, menu.date)]["menus"].append(menus[menu.pk])
        menus[menu.pk]["items"].append(_item(item))
    return days


def build_days(canteen_ids: list[int], date) -> dict[int, dict]:
    """The published menus of `date` of each canteen, in three queries."""
    built = build_range(canteen_ids, [date])
    return {cid: built[(cid, date)] for cid in canteen_ids}


def canteen_days(canteen_ids: list[int], date) -> dict[int, dict]:
    """build_days() through the cache: one entry per canteen and date, under its version."""
    found = cache.safe_versions(canteen_ids, date)
    if found is None:
        return build_days(canteen_ids, date)
    keys = {cid: cache.version_key("day", cid, date.isoformat(), found[cid]) for cid in found}
    try:
        cached = cache.cache.get_many(list(keys.values()))
    except Exception:
        return build_days(canteen_ids, date)
    days = {cid: cached[key] for cid, key in keys.items() if key in cached}
    missing = [cid for cid in canteen_ids if cid not in days]
    if missing:
        built = build_days(missing, date)
        days.update(built)
        try:
            cache.cache.set_many({keys[cid]: built[cid] for cid in missing}, cache._timeout())
        except Exception:  # the cache is down: the page still shows, from the database
            cache.logger.warning("dining cache unreachable on write", exc_info=True)
    return days


# --- filters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DishFilter:
    """What a visitor narrowed the menus to; `key()` is its normalized form for cache keys."""

    canteen: str = ""
    meal: str = ""
    exclude: tuple[str, ...] = ()
    halal: bool = False
    vegetarian: bool = False
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    kcal_max: int | None = None

    def key(self) -> tuple:
        return (
            self.canteen,
            self.meal,
            tuple(sorted(self.exclude)),
            self.halal,
            self.vegetarian,
            str(self.price_min),
            str(self.price_max),
            self.kcal_max,
        )

    @property
    def active(self) -> bool:
        return self != DishFilter()

    def keeps(self, item: dict) -> bool:
        if self.exclude and set(self.exclude) & set(item["allergens"]):
            return False
        if self.halal and not item["halal"]:
            return False
        if self.vegetarian and not item["vegetarian"]:
            return False
        price = Decimal(item["price"])
        if self.price_min is not None and price < self.price_min:
            return False
        if self.price_max is not None and price > self.price_max:
            return False
        # A dish without nutrition data cannot promise to stay under a kcal limit.
        return not (
            self.kcal_max is not None and (item["kcal"] is None or item["kcal"] > self.kcal_max)
        )


def filter_menus(menus: list[dict], dish_filter: DishFilter) -> list[dict]:
    """The menus with only the dishes the filter keeps (menus left empty are dropped)."""
    kept = []
    for menu in menus:
        if dish_filter.meal and menu["meal"] != dish_filter.meal:
            continue
        items = [item for item in menu["items"] if dish_filter.keeps(item)]
        if items:
            kept.append({**menu, "items": items})
    return kept


# --- dishes --------------------------------------------------------------------------------------


# What a dish search looks in (through Dish.search_tokens' index, logistics.search).
DISH_SEARCH_FIELDS = ("name", "name_en")


def dish_search(query: str, *, limit: int = 50) -> QuerySet[Dish]:
    """Active dishes of open canteens whose Chinese or English name contains `query`."""
    query = query.strip()
    if not query:
        return Dish.objects.none()
    on_offer = Dish.objects.filter(is_active=True, canteen__is_active=True)
    return (
        search(on_offer, query, fields=DISH_SEARCH_FIELDS)
        .select_related("canteen", "category")
        .prefetch_related("allergens")
        .order_by("canteen__sort_order", "name")[:limit]
    )


def dish_detail(pk: int) -> Dish | None:
    return (
        Dish.objects.filter(pk=pk, canteen__is_active=True)
        .select_related("canteen", "window", "category")
        .prefetch_related("allergens")
        .first()
    )


def price_history(dish: Dish, *, limit: int = 30) -> list[PriceChange]:
    return list(
        PriceChange.objects.filter(dish=dish)
        .select_related("changed_by", "menu_item__menu")
        .order_by("-changed_at", "-id")[:limit]
    )


def is_favourite(user: User | AnonymousUser, dish: Dish) -> bool:
    return user.is_authenticated and Favourite.objects.filter(user=user, dish=dish).exists()


def favourite_dishes(user: User) -> QuerySet[Dish]:
    return (
        Dish.objects.filter(favourites__user=user)
        .select_related("canteen", "category")
        .prefetch_related("allergens")
        .order_by("canteen__sort_order", "name")
    )
