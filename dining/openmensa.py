"""The OpenMensa feed v2.1 (https://openmensa.org): one XML feed per canteen, and their list.

Mapping (documented in docs/openmensa.md):
- canteen metadata: name (Chinese), address (or the building), phone, availability "public",
  opening times (earliest opening to latest closing of the day's meals, every weekday);
- days: today and the next FEED_DAYS - 1 days; a closed day is <closed/>; a day without a
  published menu is left out;
- categories: one per meal and window, named "<meal> · <window>" (午餐 · 1号窗口), because a
  window is where students queue and the meal tells when;
- meals: the dish name; notes: its category, "按500克计价" for dishes priced by weight, the
  portion size, diet tags (清真, 素食, 辣度) and allergens (their Chinese names);
- prices: our tiers map to the roles student / employee / other.

Feeds are cached per canteen under the versions of every day they show (dining.cache).
"""

import datetime
from xml.etree import ElementTree as ET

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET

from logistics.validation import xml_text

from . import cache, selectors
from .models import Allergen, Canteen, Meal, portion_label

NAMESPACE = "http://openmensa.org/open-mensa-v2"
SCHEMA_LOCATION = f"{NAMESPACE} http://openmensa.org/open-mensa-v2.xsd"
FEED_DAYS = 14
FEED_VERSION = "portal-dining-1"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TIERS = (("price", "student"), ("price_employee", "employee"), ("price_other", "other"))
# Feed texts are Chinese whatever the visitor's language: OpenMensa shows them as given.
MEAL_NAMES = {"breakfast": "早餐", "lunch": "午餐", "dinner": "晚餐", "late_night": "夜宵"}
SPICY = {1: "微辣", 2: "中辣", 3: "特辣"}


def _sub(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    # Stored names may predate the input check: a forbidden character would break the feed.
    attrs = {name: xml_text(value) for name, value in attrs.items()}
    element = ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attrs)
    if text is not None:
        element.text = xml_text(text)
    return element


def _clip(text: str) -> str:
    return text[:250]


def _times(parent, hours: list) -> None:
    if not hours:
        return
    opens = min(h[1] for h in hours).strftime("%H:%M")
    closes = max(h[2] for h in hours).strftime("%H:%M")
    times = _sub(parent, "times", type="opening")
    for day in WEEKDAYS:
        _sub(times, day, open=f"{opens}-{closes}")


def _notes(item: dict, allergen_names: dict) -> list[str]:
    notes = [item["category"]]
    if item["unit"] == "per_500g":
        notes.append("按500克计价")
    with translation.override("zh-hans"):  # the feed's notes are Chinese, as its names are
        portion = portion_label(item.get("portion_grams"), item["portion_size"])
    if portion:
        notes.append(portion)
    if item["halal"]:
        notes.append("清真")
    if item["vegetarian"]:
        notes.append("素食")
    if item["spicy"]:
        notes.append(SPICY.get(item["spicy"], "辣"))
    notes += [allergen_names.get(code, code) for code in item["allergens"]]
    return [_clip(note) for note in notes if note]


def _day(parent, date, day: dict, allergen_names: dict) -> None:
    if day["closed"]:
        element = _sub(parent, "day", date=date.isoformat())
        _sub(element, "closed")
        return
    if not day["menus"]:
        return
    element = _sub(parent, "day", date=date.isoformat())
    meal_rank = {m.value: i for i, m in enumerate(Meal)}
    for menu in sorted(day["menus"], key=lambda m: meal_rank[m["meal"]]):
        category = _sub(
            element, "category", name=_clip(f"{MEAL_NAMES[menu['meal']]} · {menu['window']}")
        )
        for item in menu["items"]:
            meal = _sub(category, "meal")
            _sub(meal, "name", _clip(item["name"]))
            for note in _notes(item, allergen_names):
                _sub(meal, "note", note)
            for field, role in TIERS:
                if item[field] is not None:
                    _sub(meal, "price", item[field], role=role)


def feed_xml(*, canteen: Canteen, start: datetime.date, feed_url: str) -> bytes:
    """The OpenMensa v2.1 document of a canteen for FEED_DAYS days from `start`."""
    dates = [start + datetime.timedelta(days=n) for n in range(FEED_DAYS)]
    days = selectors.build_range([canteen.pk], dates)
    allergen_names = dict(Allergen.objects.values_list("code", "name"))
    hours = [(h.meal, h.opens_at, h.closes_at) for h in canteen.hours.all()]
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(
        f"{{{NAMESPACE}}}openmensa",
        {
            "version": "2.1",
            "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation": SCHEMA_LOCATION,
        },
    )
    _sub(root, "version", FEED_VERSION)
    element = _sub(root, "canteen")
    _sub(element, "name", canteen.name)
    _sub(element, "address", canteen.address or str(canteen.building))
    if canteen.phone:
        _sub(element, "phone", canteen.phone)
    _sub(element, "availability", "public")
    _times(element, hours)
    feed = _sub(element, "feed", name="full", priority="0")
    _sub(feed, "schedule", hour="5-22", minute="0", retry="30 1")
    _sub(feed, "url", feed_url)
    for date in dates:
        _day(element, date, days[(canteen.pk, date)], allergen_names)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _feed_canteens():
    return Canteen.objects.public().select_related("building")


@require_GET
def feed(request, slug):
    """/dining/openmensa/<slug>.xml: the canteen's feed, cached until its menus change."""
    canteen = _feed_canteens().prefetch_related("hours").filter(slug=slug).first()
    if canteen is None:
        raise Http404
    start = selectors.local_now().date()
    dates = [start + datetime.timedelta(days=n) for n in range(FEED_DAYS)]
    feed_url = request.build_absolute_uri(reverse("dining:openmensa-feed", args=[slug]))

    def build() -> bytes:
        return feed_xml(canteen=canteen, start=start, feed_url=feed_url)

    try:
        version = cache.range_version(canteen.pk, dates)
    except Exception:
        body = build()
    else:
        body = cache.get_or_build(
            cache.version_key("openmensa", canteen.pk, version, feed_url), build
        )
    return HttpResponse(body, content_type="application/xml; charset=utf-8")


def _feed_urls(request) -> list[tuple[Canteen, str]]:
    return [
        (c, request.build_absolute_uri(reverse("dining:openmensa-feed", args=[c.slug])))
        for c in _feed_canteens()
    ]


@require_GET
def feed_list(request):
    """/dining/openmensa/: the feed of each canteen, to add to openmensa.org."""
    return render(request, "dining/openmensa.html", {"feeds": _feed_urls(request)})


@require_GET
def feed_list_text(request):
    """/dining/openmensa/feeds.txt: the same list for machines, one URL a line."""
    body = "".join(f"{url}\n" for _, url in _feed_urls(request))
    return HttpResponse(body, content_type="text/plain; charset=utf-8")
