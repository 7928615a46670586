"""The dish page's small print (issue 12, item 9): the window and category named once when they
are the same, and each price change saying what it applies to (a day's menu or the standard)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tests.dining.factories import (
    DishCategoryFactory,
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    PriceChangeFactory,
    WindowFactory,
)

pytestmark = pytest.mark.django_db


def _page(dish) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    return client.get(reverse("dining:dish", args=[dish.pk])).content.decode()


def _place_line(html: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(r'<p class="muted">(.*?)</p>', html).group(1))


def test_it_names_a_window_and_category_of_the_same_name_once():
    window = WindowFactory(name="面食", name_en="Noodles")
    category = DishCategoryFactory(code="noodles", name="面食", name_en="Noodles")
    dish = DishFactory(canteen=window.canteen, window=window, category=category)
    assert _place_line(_page(dish)).count("面食") == 1


def test_it_names_both_when_they_differ():
    window = WindowFactory(name="2号窗口")
    category = DishCategoryFactory(code="noodles", name="面食")
    dish = DishFactory(canteen=window.canteen, window=window, category=category)
    line = _place_line(_page(dish))
    assert "2号窗口" in line and "面食" in line


def test_it_says_which_menu_a_price_change_applies_to():
    dish = DishFactory(price=Decimal("13.00"))
    tomorrow = datetime.date(2026, 12, 6)
    item = MenuItemFactory(menu=MenuFactory(window=WindowFactory(canteen=dish.canteen),
                                            date=tomorrow, meal="lunch"), dish=dish)  # fmt: skip
    PriceChangeFactory(dish=dish, menu_item=item, old_price=Decimal("13"), new_price=Decimal("15"))
    PriceChangeFactory(dish=dish, old_price=Decimal("12"), new_price=Decimal("13"))
    html = _page(dish)
    assert "用于 2026-12-06 午餐的菜单" in html
    assert "标准价" in html
