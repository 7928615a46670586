"""The OpenMensa v2.1 feed: valid against the published XSD, with prices per role, notes and
closed days; and the list of feeds."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from lxml import etree

from dining.models import Meal
from dining.selectors import local_now
from tests.dining.factories import (
    CanteenFactory,
    ClosedDayFactory,
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    OpeningHoursFactory,
    WindowFactory,
)

# A copy of ../shared/standards/openmensa/open-mensa-v2.xsd, so the test runs from any checkout.
XSD = Path(__file__).parent / "data" / "open-mensa-v2.xsd"
NS = {"om": "http://openmensa.org/open-mensa-v2"}

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(XSD)))


def _feed(client, canteen):
    response = client.get(reverse("dining:openmensa-feed", args=[canteen.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return etree.fromstring(response.content)


def test_it_serves_a_feed_valid_against_the_openmensa_schema(client, schema):
    today = local_now().date()
    window = WindowFactory(name="一号窗口", canteen=CanteenFactory(name="第一食堂", phone="010-1"))
    canteen = window.canteen
    OpeningHoursFactory(
        canteen=canteen,
        meal=Meal.BREAKFAST,
        opens_at=datetime.time(6, 30),
        closes_at=datetime.time(9, 0),
    )
    OpeningHoursFactory(
        canteen=canteen,
        meal=Meal.DINNER,
        opens_at=datetime.time(17, 0),
        closes_at=datetime.time(19, 30),
    )
    dish = DishFactory(
        canteen=canteen,
        name="花生<炒>肉&",
        allergens=["peanuts", "soy"],
        is_halal=True,
        spicy_level=2,
        price=Decimal("8.50"),
        price_employee=Decimal("10.00"),
        price_other=None,
    )
    MenuItemFactory(menu=MenuFactory(window=window, date=today), dish=dish)
    ClosedDayFactory(canteen=canteen, date=today + datetime.timedelta(days=2))
    root = _feed(client, canteen)

    schema.assertValid(root)
    assert root.get("version") == "2.1"
    assert root.findtext("om:canteen/om:name", namespaces=NS) == "第一食堂"
    assert root.find("om:canteen/om:times/om:monday", NS).get("open") == "06:30-19:30"
    day = root.find(f"om:canteen/om:day[@date='{today.isoformat()}']", NS)
    category = day.find("om:category", NS)
    assert category.get("name") == "午餐 · 一号窗口"
    meal = category.find("om:meal", NS)
    assert meal.findtext("om:name", namespaces=NS) == "花生<炒>肉&"
    notes = [n.text for n in meal.findall("om:note", NS)]
    assert {"清真", "中辣", "花生", "大豆"} <= set(notes)
    prices = {p.get("role"): p.text for p in meal.findall("om:price", NS)}
    assert prices == {"student": "8.50", "employee": "10.00"}
    closed = root.find(
        f"om:canteen/om:day[@date='{(today + datetime.timedelta(days=2)).isoformat()}']", NS
    )
    assert closed.find("om:closed", NS) is not None


def test_it_serves_a_valid_feed_for_a_canteen_without_menus(client, schema):
    root = _feed(client, CanteenFactory())
    schema.assertValid(root)
    assert root.findall("om:canteen/om:day", NS) == []


def test_it_leaves_drafts_out_of_the_feed(client):
    menu = MenuFactory(status="draft")
    MenuItemFactory(menu=menu, dish=DishFactory(canteen=menu.canteen, name="草稿菜"))
    assert (
        b"\xe8\x8d\x89\xe7\xa8\xbf"
        not in client.get(reverse("dining:openmensa-feed", args=[menu.canteen.slug])).content
    )


def test_it_lists_the_feed_of_every_open_canteen(client):
    open_one = CanteenFactory(slug="north")
    CanteenFactory(slug="gone", is_active=False)
    page = client.get(reverse("dining:openmensa")).content.decode()
    text = client.get(reverse("dining:openmensa-list")).content.decode()
    assert "http://testserver/dining/openmensa/north.xml" in page
    assert text.splitlines() == [f"http://testserver/dining/openmensa/{open_one.slug}.xml"]


def test_it_answers_404_for_an_unknown_or_closed_down_canteen(client):
    CanteenFactory(slug="gone", is_active=False)
    assert client.get("/dining/openmensa/gone.xml").status_code == 404
    assert client.get("/dining/openmensa/nowhere.xml").status_code == 404


# Every character XML 1.0 forbids that PostgreSQL can store (it refuses NUL and lone surrogates).
FORBIDDEN = [chr(c) for c in range(1, 32) if c not in (9, 10, 13)] + ["\ufffe", "\uffff"]


def test_it_serves_a_well_formed_feed_whatever_control_characters_are_stored(client, schema):
    # Written straight to the database, as rows from before the input check would be.
    bad = "".join(FORBIDDEN)
    canteen = CanteenFactory(name=f"第一{bad}食堂", address=f"学{bad}一路")
    window = WindowFactory(name=f"一号{bad}窗口", canteen=canteen)
    dish = DishFactory(canteen=canteen, name=f"宫保{bad}鸡丁", portion_size=f"大{bad}份")
    MenuItemFactory(menu=MenuFactory(window=window, date=local_now().date()), dish=dish)

    root = _feed(client, canteen)  # lxml raises on a feed that is not well-formed

    schema.assertValid(root)
    assert root.findtext("om:canteen/om:name", namespaces=NS) == "第一食堂"
    meal = root.find("om:canteen/om:day/om:category/om:meal", NS)
    assert meal.findtext("om:name", namespaces=NS) == "宫保鸡丁"
    assert "大份" in [n.text for n in meal.findall("om:note", NS)]
    assert root.find("om:canteen/om:day/om:category", NS).get("name") == "午餐 · 一号窗口"
