"""The dining services: permissions, dishes, menus (build, copy, template, import, publish,
schedule, sold out), favourites."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dining import services
from dining.models import Dish, Favourite, Menu, MenuItem, PriceChange, PriceRule, PriceViolation
from logistics.models import Notification
from logistics.roles import Role
from tests.dining.factories import (
    CanteenFactory,
    DishCategoryFactory,
    DishFactory,
    FavouriteFactory,
    MenuFactory,
    MenuItemFactory,
    MenuTemplateFactory,
    MenuTemplateItemFactory,
    PriceRuleFactory,
    WindowFactory,
    allergen,
    canteen_staff_for,
)
from tests.logistics.factories import UserFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 4)  # a Wednesday


@pytest.fixture
def canteen():
    return CanteenFactory(slug="north")


@pytest.fixture
def window(canteen):
    return WindowFactory(canteen=canteen, code="W1")


@pytest.fixture
def staff(canteen):
    return canteen_staff_for(canteen)


def _draft(by, window, date=TODAY, meal="lunch"):
    return services.menu_get_or_create(
        by=by, canteen=window.canteen, window=window, date=date, meal=meal
    )


# --- Permissions --------------------------------------------------------------------------------


def test_it_lets_staff_edit_only_their_own_canteen(staff, window):
    other = WindowFactory(canteen=CanteenFactory(slug="south"))
    assert _draft(staff, window).canteen == window.canteen
    with pytest.raises(PermissionDenied):
        _draft(staff, other)


def test_it_refuses_students_and_lets_managers_edit_every_canteen(student, manager, window):
    with pytest.raises(PermissionDenied):
        _draft(student, window)
    assert _draft(manager, window).status == Menu.Status.DRAFT


def test_it_refuses_a_window_of_another_canteen(manager, canteen):
    other = WindowFactory(canteen=CanteenFactory(slug="south"))
    with pytest.raises(services.DiningError):
        services.menu_get_or_create(
            by=manager, canteen=canteen, window=other, date=TODAY, meal="lunch"
        )


# --- Dishes -------------------------------------------------------------------------------------


def test_it_creates_a_dish_and_records_its_first_prices(staff, canteen):
    category = DishCategoryFactory(code="meat")
    dish = services.dish_save(
        by=staff,
        canteen=canteen,
        data={
            "name": "宫保鸡丁",
            "name_en": "Kung Pao chicken",
            "category": category,
            "price": Decimal("12.00"),
            "price_employee": Decimal("14.00"),
            "allergens": [allergen("peanuts")],
            "spicy_level": 2,
        },
    )
    assert list(dish.allergens.values_list("code", flat=True)) == ["peanuts"]
    changes = {c.tier: (c.old_price, c.new_price, c.changed_by) for c in dish.price_changes.all()}
    assert changes == {
        "student": (None, Decimal("12.00"), staff),
        "employee": (None, Decimal("14.00"), staff),
    }


def test_it_records_a_standard_price_change_with_its_reason(staff, canteen):
    dish = DishFactory(canteen=canteen, price=Decimal("10.00"))
    dish.price = Decimal("11.50")  # as a ModelForm leaves it: the old price must come from the DB
    services.dish_save(
        by=staff, canteen=canteen, dish=dish, data={"price": Decimal("11.50")}, reason="猪肉涨价"
    )
    change = PriceChange.objects.get(dish=dish)
    assert (change.old_price, change.new_price, change.reason) == (
        Decimal("10.00"),
        Decimal("11.50"),
        "猪肉涨价",
    )


def test_it_rejects_an_invalid_dish_and_saves_nothing(staff, canteen):
    with pytest.raises(ValidationError):
        services.dish_save(
            by=staff,
            canteen=canteen,
            data={"name": "x", "category": DishCategoryFactory(), "price": Decimal("-1")},
        )
    assert not Dish.objects.exists()


def test_it_refuses_a_dish_of_another_canteen(staff, canteen):
    dish = DishFactory(canteen=CanteenFactory(slug="south"))
    with pytest.raises((PermissionDenied, services.DiningError)):
        services.dish_save(by=staff, canteen=canteen, dish=dish, data={"price": Decimal("1")})


# --- Menu items ---------------------------------------------------------------------------------


def test_it_sets_items_with_standard_prices_and_records_a_changed_price(staff, window):
    rice, pork = DishFactory(canteen=window.canteen), DishFactory(canteen=window.canteen)
    menu = _draft(staff, window)
    services.menu_set_items(
        by=staff,
        menu=menu,
        items=[{"dish": pork, "price": Decimal("13.00")}, {"dish": rice}],
    )
    items = list(menu.items.order_by("sort_order"))
    assert [(i.dish, i.price, i.price_other) for i in items] == [
        (pork, Decimal("13.00"), pork.price_other),
        (rice, rice.price, rice.price_other),
    ]
    change = PriceChange.objects.get()
    assert (change.dish, change.old_price, change.new_price, change.menu_item) == (
        pork,
        Decimal("10.00"),
        Decimal("13.00"),
        items[0],
    )


def test_it_does_not_record_the_same_menu_price_again_the_next_day(staff, window):
    pork = DishFactory(canteen=window.canteen)
    for day in (TODAY, TODAY + datetime.timedelta(days=1)):
        menu = _draft(staff, window, date=day)
        services.menu_set_items(by=staff, menu=menu, items=[{"dish": pork, "price": Decimal("13")}])
    assert PriceChange.objects.count() == 1


def test_it_replaces_items_keeps_sold_out_and_removes_the_rest(staff, window):
    menu = MenuFactory(window=window, status=Menu.Status.DRAFT)
    kept = MenuItemFactory(menu=menu, sold_out=True)
    MenuItemFactory(menu=menu)
    services.menu_set_items(by=staff, menu=menu, items=[{"dish": kept.dish}])
    assert list(menu.items.values_list("pk", "sold_out")) == [(kept.pk, True)]


def test_it_refuses_a_dish_of_another_canteen_on_a_menu(staff, window):
    menu = _draft(staff, window)
    with pytest.raises(services.DiningError):
        services.menu_set_items(
            by=staff, menu=menu, items=[{"dish": DishFactory(canteen=CanteenFactory())}]
        )
    with pytest.raises(services.DiningError):
        dish = DishFactory(canteen=window.canteen)
        services.menu_set_items(by=staff, menu=menu, items=[{"dish": dish}, {"dish": dish}])


def test_it_takes_a_changed_published_menu_back_to_draft(staff, window):
    menu = MenuFactory(window=window, status=Menu.Status.PUBLISHED, published_at=timezone.now())
    item = MenuItemFactory(menu=menu)
    services.menu_set_items(by=staff, menu=menu, items=[{"dish": item.dish}])
    menu.refresh_from_db()
    assert (menu.status, menu.published_at) == (Menu.Status.DRAFT, None)


# --- Copy and template --------------------------------------------------------------------------


def test_it_copies_yesterdays_lunch_as_drafts_with_that_days_prices(staff, window):
    yesterday = MenuFactory(window=window, date=TODAY - datetime.timedelta(days=1))
    item = MenuItemFactory(menu=yesterday, price=Decimal("9.00"), sort_order=3)
    MenuItemFactory(menu=MenuFactory(window=window, date=yesterday.date, meal="dinner"))
    copied = services.menus_copy(
        by=staff,
        canteen=window.canteen,
        from_date=yesterday.date,
        to_date=TODAY,
        meals=["lunch"],
    )
    assert [(m.date, m.meal, m.status) for m in copied] == [(TODAY, "lunch", "draft")]
    assert list(copied[0].items.values_list("dish", "price")) == [(item.dish_id, Decimal("9.00"))]


def test_it_copies_a_week_and_never_overwrites_a_published_menu(staff, window):
    monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    last_week = monday - datetime.timedelta(days=7)
    for offset in range(3):
        MenuItemFactory(
            menu=MenuFactory(window=window, date=last_week + datetime.timedelta(offset))
        )
    published = MenuFactory(window=window, date=monday, status=Menu.Status.PUBLISHED)
    mine = MenuItemFactory(menu=published)
    copied = services.menus_copy(
        by=staff, canteen=window.canteen, from_date=last_week, to_date=monday, days=7
    )
    assert sorted(m.date for m in copied) == [
        monday + datetime.timedelta(1),
        monday + datetime.timedelta(2),
    ]
    assert list(published.items.all()) == [mine]


def test_it_refuses_copying_a_day_onto_itself(staff, window):
    with pytest.raises(services.DiningError):
        services.menus_copy(by=staff, canteen=window.canteen, from_date=TODAY, to_date=TODAY)


def test_it_applies_a_weekly_template_to_a_monday(staff, window):
    template = MenuTemplateFactory(canteen=window.canteen)
    first = MenuTemplateItemFactory(template=template, weekday=0, window=window)
    MenuTemplateItemFactory(template=template, weekday=2, window=window, meal="dinner")
    monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    with pytest.raises(services.DiningError):
        services.menus_apply_template(by=staff, template=template, week_start=TODAY)
    menus = services.menus_apply_template(by=staff, template=template, week_start=monday)
    assert sorted((m.date.weekday(), m.meal) for m in menus) == [(0, "lunch"), (2, "dinner")]
    monday_menu = Menu.objects.get(date=monday, meal="lunch")
    assert list(monday_menu.items.values_list("dish", "price")) == [
        (first.dish_id, first.dish.price)
    ]


# --- Import -------------------------------------------------------------------------------------


def _csv(*lines) -> io.BytesIO:
    header = "date,meal,window,dish,price,price_employee,price_other"
    return io.BytesIO(("\n".join([header, *lines]) + "\n").encode())


def test_it_imports_menu_rows_into_drafts(staff, window):
    DishFactory(canteen=window.canteen, name="米饭", price=Decimal("1.00"))
    DishFactory(canteen=window.canteen, name="红烧肉", name_en="Braised pork")
    report = services.menus_import(
        by=staff,
        canteen=window.canteen,
        upload=_csv(
            "2026-03-05,lunch,W1,红烧肉,16.00,18,20",
            "2026-03-05,午餐,w1,米饭,,,",
            "2026-03-05,dinner,W1,Braised pork,15,,",
        ),
    )
    assert report.ok and report.created == 3
    lunch = Menu.objects.get(date="2026-03-05", meal="lunch")
    assert list(lunch.items.values_list("dish__name", "price", "price_employee")) == [
        ("红烧肉", Decimal("16.00"), Decimal("18.00")),
        ("米饭", Decimal("1.00"), Decimal("12.00")),
    ]
    assert Menu.objects.get(date="2026-03-05", meal="dinner").status == Menu.Status.DRAFT


def test_it_imports_nothing_and_lists_every_bad_row(staff, window):
    DishFactory(canteen=window.canteen, name="米饭")
    MenuFactory(window=window, date=datetime.date(2026, 3, 6), status=Menu.Status.PUBLISHED)
    report = services.menus_import(
        by=staff,
        canteen=window.canteen,
        upload=_csv(
            "2026-03-05,lunch,W1,米饭,2,,",
            "2026-03-05,brunch,W9,鱼香肉丝,-1,,",
            "not-a-date,lunch,W1,米饭,2,,",
            "2026-03-06,lunch,W1,米饭,2,,",
            "2026-03-05,lunch,W1,米饭,3,,",
        ),
    )
    assert not report.ok
    errors = {e.line: set(e.messages) for e in report.errors}
    assert errors == {
        3: {"meal", "window", "dish", "price"},
        4: {"date"},
        5: {"__all__"},
        6: {"__all__"},
    }
    assert not MenuItem.objects.exists()


def test_it_refuses_an_import_by_staff_of_another_canteen(staff):
    with pytest.raises(PermissionDenied):
        services.menus_import(by=staff, canteen=CanteenFactory(), upload=_csv())


# --- Publishing ---------------------------------------------------------------------------------


@pytest.fixture
def menu(staff, window):
    menu = _draft(staff, window)
    dish = DishFactory(canteen=window.canteen, category=DishCategoryFactory(code="meat"))
    return services.menu_set_items(by=staff, menu=menu, items=[{"dish": dish}])


def test_it_publishes_now(staff, menu):
    published = services.menu_publish(by=staff, menu=menu)
    menu.refresh_from_db()
    assert (menu.status, menu.published_by) == (Menu.Status.PUBLISHED, staff)
    assert published.published_at is not None


def test_it_refuses_publishing_an_empty_menu(staff, window):
    with pytest.raises(services.DiningError):
        services.menu_publish(by=staff, menu=_draft(staff, window))


def test_it_schedules_up_to_14_days_ahead_and_publishes_when_due(staff, menu):
    too_late = timezone.now() + datetime.timedelta(days=14, minutes=5)
    with pytest.raises(services.DiningError):
        services.menu_publish(by=staff, menu=menu, publish_at=too_late)
    at = timezone.now() + datetime.timedelta(hours=3)
    services.menu_publish(by=staff, menu=menu, publish_at=at)
    menu.refresh_from_db()
    assert (menu.status, menu.publish_at) == (Menu.Status.SCHEDULED, at)
    assert services.menus_publish_due(now=at - datetime.timedelta(minutes=1)) == 0
    assert services.menus_publish_due(now=at) == 1
    menu.refresh_from_db()
    assert (menu.status, menu.published_at) == (Menu.Status.PUBLISHED, at)
    assert services.menus_publish_due(now=at) == 0


def test_it_asks_for_a_reason_when_a_warning_rule_is_broken(staff, menu):
    PriceRuleFactory(
        kind=PriceRule.Kind.CATEGORY_CAP,
        category=DishCategoryFactory(code="meat"),
        amount=Decimal("8.00"),
        severity=PriceRule.Severity.WARNING,
    )
    with pytest.raises(services.AcknowledgementRequired) as raised:
        services.menu_publish(by=staff, menu=menu)
    assert len(raised.value.findings) == 1
    menu.refresh_from_db()
    assert menu.status == Menu.Status.DRAFT
    services.menu_publish(by=staff, menu=menu, acknowledge_reason="节日特供")
    violation = PriceViolation.objects.get()
    assert (violation.reason, violation.acknowledged_by, violation.menu) == (
        "节日特供",
        staff,
        menu,
    )
    menu.refresh_from_db()
    assert menu.status == Menu.Status.PUBLISHED


def test_it_blocks_publishing_even_with_a_reason(staff, menu):
    PriceRuleFactory(
        kind=PriceRule.Kind.CATEGORY_CAP, amount=Decimal("8.00"), severity=PriceRule.Severity.BLOCK
    )
    with pytest.raises(services.PublishBlocked) as raised:
        services.menu_publish(by=staff, menu=menu, acknowledge_reason="please")
    assert raised.value.findings[0].severity == "block"
    menu.refresh_from_db()
    assert menu.status == Menu.Status.DRAFT
    assert not PriceViolation.objects.exists()


def test_it_unpublishes_a_menu(staff, menu):
    services.menu_publish(by=staff, menu=menu)
    services.menu_unpublish(by=staff, menu=menu)
    menu.refresh_from_db()
    assert menu.status == Menu.Status.DRAFT


# --- Sold out -----------------------------------------------------------------------------------


def test_it_switches_sold_out_on_and_off(staff, window):
    item = MenuItemFactory(menu=MenuFactory(window=window))
    services.menu_item_set_sold_out(by=staff, item=item, sold_out=True)
    item.refresh_from_db()
    assert item.sold_out and item.sold_out_at is not None
    services.menu_item_set_sold_out(by=staff, item=item, sold_out=False)
    item.refresh_from_db()
    assert (item.sold_out, item.sold_out_at) == (False, None)


def test_it_refuses_sold_out_for_another_canteen(staff):
    item = MenuItemFactory()
    with pytest.raises(PermissionDenied):
        services.menu_item_set_sold_out(by=staff, item=item, sold_out=True)


# --- Favourites ---------------------------------------------------------------------------------


def test_it_toggles_a_favourite(student):
    dish = DishFactory()
    assert services.favourite_toggle(user=student, dish=dish) is True
    assert services.favourite_toggle(user=student, dish=dish) is False
    assert not Favourite.objects.exists()


def test_it_notifies_favourites_on_tomorrows_published_menu_once(student, other_student):
    tomorrow = TODAY + datetime.timedelta(days=1)
    on_menu = MenuItemFactory(menu=MenuFactory(date=tomorrow)).dish
    draft_only = MenuItemFactory(menu=MenuFactory(date=tomorrow, status=Menu.Status.DRAFT)).dish
    FavouriteFactory(user=student, dish=on_menu)
    FavouriteFactory(user=other_student, dish=draft_only)
    assert services.favourites_notify_tomorrow(today=TODAY) == 1
    notification = Notification.objects.get()
    assert notification.recipient == student and notification.kind == "dining.favourite_tomorrow"
    assert on_menu.name in notification.title
    assert services.favourites_notify_tomorrow(today=TODAY) == 0


def test_it_does_not_notify_an_inactive_user():
    user = UserFactory(is_active=False, roles=[Role.STUDENT])
    FavouriteFactory(
        user=user, dish=MenuItemFactory(menu=MenuFactory(date=TODAY + datetime.timedelta(1))).dish
    )
    assert services.favourites_notify_tomorrow(today=TODAY) == 0


def test_it_imports_an_xlsx_workbook_with_date_cells(staff, window):
    from openpyxl import Workbook

    DishFactory(canteen=window.canteen, name="米饭")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["date", "meal", "window", "dish", "price"])
    sheet.append([datetime.datetime(2026, 3, 5), "lunch", "W1", "米饭", 1.5])
    sheet.append(["2026/3/6", "dinner", "W1", "米饭", 2])
    upload = io.BytesIO()
    workbook.save(upload)
    upload.seek(0)
    report = services.menus_import(by=staff, canteen=window.canteen, upload=upload)
    assert report.ok, report.errors
    assert sorted(MenuItem.objects.values_list("menu__date", "price")) == [
        (datetime.date(2026, 3, 5), Decimal("1.50")),
        (datetime.date(2026, 3, 6), Decimal("2.00")),
    ]
