"""The main pages in English carry no Chinese text of their own (#12 item 4).

A student with an English name reads the home page, the repair form and their requests, the
menus and the reviews page in English; every row has its English name. Any Chinese text left
on the page is then the portal's own, untranslated — except ALLOWED, which is Chinese on purpose.
"""

import datetime
import re
from decimal import Decimal

import pytest

from dining.models import Meal, Menu
from dining.selectors import local_now
from logistics.roles import Role
from repairs import services
from tests.browser.conftest import new_page, sign_in
from tests.dining.factories import (
    CanteenFactory,
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    OpeningHoursFactory,
    WindowFactory,
)
from tests.logistics.factories import BuildingFactory, RoomFactory, UserFactory
from tests.repairs.factories import CategoryFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PAGES = ("/", "/repairs/new/", "/repairs/mine/", "/dining/", "/dining/?date=tomorrow", "/reviews/")

# Chinese on purpose: the language switch names Chinese in Chinese, and the halal label keeps
# the word on the canteens' signs.
ALLOWED = ("简体中文", "清真")

# Every text node with a Chinese character, with the element it sits in.
CHINESE_TEXT = r"""() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    if (/[\u3400-\u9fff]/.test(text)) {
      const parent = node.parentElement;
      found.push(parent.tagName.toLowerCase() + "." + parent.className + ": " + text.slice(0, 80));
    }
  }
  for (const element of document.querySelectorAll("[placeholder], [title], [aria-label], [alt]")) {
    for (const name of ["placeholder", "title", "aria-label", "alt"]) {
      const value = element.getAttribute(name) || "";
      if (/[\u3400-\u9fff]/.test(value)) found.push(name + ": " + value.slice(0, 80));
    }
  }
  return found;
}"""


def _english_rows():
    """A campus, a repair category and a canteen with English names, a dish served today."""
    building = BuildingFactory()
    room = RoomFactory(building=building, number="101")
    parent = CategoryFactory(code="power", name="水电", name_en="Water and power")
    category = CategoryFactory(code="lamp", name="灯具", name_en="Lights", parent=parent)
    canteen = CanteenFactory(name="第一食堂", name_en="First canteen")
    OpeningHoursFactory(
        canteen=canteen,
        meal=Meal.LUNCH,
        opens_at=datetime.time(0, 0),
        closes_at=datetime.time(23, 59, 59),
    )
    window = WindowFactory(canteen=canteen, name="面食", name_en="Noodles")
    for day in (0, 1):
        menu = MenuFactory(
            window=window,
            date=local_now().date() + datetime.timedelta(days=day),
            meal=Meal.LUNCH,
            status=Menu.Status.PUBLISHED,
        )
        dish = DishFactory(
            canteen=canteen,
            name=f"牛肉面{day}",
            name_en=f"Beef noodles {day}",
            price=Decimal("12.00"),
            portion_grams=250,
        )
        MenuItemFactory(menu=menu, dish=dish)
    return room, category


def test_it_shows_no_untranslated_chinese_on_the_main_pages_in_english(browser, live_server):
    room, category = _english_rows()
    student = UserFactory(
        username="s2024950", display_name="Zhang Wei", roles=[Role.STUDENT], dorm_room=room
    )
    services.repair_request_create(
        requester=student, category=category, room=room, description="The lamp is dead"
    )
    page = new_page(browser, live_server.url, locale="en-US", timeout=15_000)
    sign_in(page, student.username)
    chinese = {}
    for url in PAGES:
        page.goto(url)
        assert page.get_attribute("html", "lang") == "en"
        assert page.text_content(".menu-roles") == "Student"  # the role's name, not its key
        left = [text for text in page.evaluate(CHINESE_TEXT) if not _allowed(text)]
        if left:
            chinese[url] = left
    page.context.close()
    assert chinese == {}


def _allowed(text: str) -> bool:
    return not re.search(r"[\u3400-\u9fff]", re.sub("|".join(ALLOWED), "", text))
