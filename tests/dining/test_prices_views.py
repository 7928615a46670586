"""Price supervision pages: the public price board and index; violations, rules, figures, export."""

import csv
import datetime
import importlib
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dining.models import PriceChange, PriceIndexPoint, PriceRule
from logistics.roles import Role
from tests.dining.factories import (
    CanteenFactory,
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    PriceChangeFactory,
    PriceRuleFactory,
    canteen_staff_for,
)
from tests.logistics.factories import UserFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def canteen():
    return CanteenFactory(slug="north", name="北区食堂", name_en="North canteen")


@pytest.fixture
def other_canteen():
    return CanteenFactory(slug="south", name="南区食堂", name_en="South canteen")


def _violation(canteen, *, severity="warning", reason="", message="超出限价", by=None):
    from dining.models import PriceViolation

    rule = PriceRuleFactory(severity=severity)
    item = MenuItemFactory(menu=MenuFactory(window__canteen=canteen))
    return PriceViolation.objects.create(
        rule=rule,
        menu=item.menu,
        dish=item.dish,
        severity=severity,
        message=message,
        reason=reason,
        acknowledged_by=by if reason else None,
        acknowledged_at=timezone.now() if reason else None,
    )


# --- The price board ----------------------------------------------------------------------------


def test_it_shows_every_dish_on_offer_with_its_prices_on_the_price_board(client, canteen):
    dish = DishFactory(
        canteen=canteen,
        name="红烧肉",
        price=D("12.50"),
        price_employee=D("14.00"),
        price_other=None,
        portion_grams=250,
        portion_size="一碗",
    )
    change = PriceChangeFactory(dish=dish, old_price=D("12.00"), new_price=D("12.50"))
    PriceChange.objects.filter(pk=change.pk).update(
        changed_at=timezone.make_aware(datetime.datetime(2026, 10, 3, 9, 0))
    )
    DishFactory(canteen=canteen, name="下架菜", is_active=False)
    DishFactory(canteen=CanteenFactory(), name="别家菜")

    response = client.get(reverse("dining:price-board", args=["north"]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "红烧肉" in body and "¥12.50" in body and "¥14.00" in body and "约 250 克、一碗" in body
    assert "2026-10-03" in body
    assert "下架菜" not in body and "别家菜" not in body


def test_it_answers_404_for_an_unknown_or_closed_canteen_board(client):
    CanteenFactory(slug="closed", is_active=False)
    assert client.get(reverse("dining:price-board", args=["closed"])).status_code == 404
    assert client.get(reverse("dining:price-board", args=["nowhere"])).status_code == 404


def test_it_draws_the_price_board_in_a_fixed_number_of_queries(
    client, canteen, django_assert_num_queries
):
    for _ in range(5):
        PriceChangeFactory(dish=DishFactory(canteen=canteen))
    with django_assert_num_queries(2):
        response = client.get(reverse("dining:price-board", args=["north"]))
    assert response.content.decode().count("¥10.00") == 5


# --- The price index ----------------------------------------------------------------------------


def _points(canteen):
    today = timezone.localdate()
    for days, campus, own in ((2, "101.50", "104.25"), (1, "102.00", "106.75")):
        day = today - datetime.timedelta(days=days)
        PriceIndexPoint.objects.create(date=day, canteen=None, value=D(campus))
        PriceIndexPoint.objects.create(date=day, canteen=canteen, value=D(own))


def test_it_shows_the_campus_index_to_everyone_and_each_canteen_to_managers(
    client, canteen, manager
):
    _points(canteen)

    public = client.get(reverse("dining:price-index")).content.decode()
    client.force_login(manager)
    managed = client.get(reverse("dining:price-index")).content.decode()

    assert "<svg" in public and "102.00" in public
    assert "106.75" not in public and "北区食堂" not in public
    assert "106.75" in managed and "北区食堂" in managed


def test_it_answers_a_bad_index_period_with_a_message(client):
    response = client.get(reverse("dining:price-index"), {"start": "2026-13-01"})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()


# --- Violations ---------------------------------------------------------------------------------


def test_it_lists_violations_with_the_staff_reason_to_managers(client, canteen, manager):
    staff = canteen_staff_for(canteen)
    _violation(canteen, reason="猪肉进价上涨", by=staff, message="红烧肉 超出限价")
    client.force_login(manager)
    response = client.get(reverse("dining:violations"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "红烧肉 超出限价" in body and "猪肉进价上涨" in body


def test_it_keeps_violations_from_students_and_visitors(client, student):
    url = reverse("dining:violations")
    assert client.get(url).status_code == 302
    client.force_login(student)
    assert client.get(url).status_code == 403


def test_it_shows_canteen_staff_only_their_own_violations(client, canteen, other_canteen):
    _violation(canteen, message="本食堂违规")
    _violation(other_canteen, message="别的食堂违规")
    client.force_login(canteen_staff_for(canteen))
    body = client.get(reverse("dining:violations")).content.decode()
    assert "本食堂违规" in body and "别的食堂违规" not in body


def test_it_filters_violations(client, canteen, other_canteen, manager):
    _violation(canteen, message="甲 warning open")
    _violation(canteen, message="乙 warning acknowledged", reason="原因", by=manager)
    _violation(canteen, message="丙 block", severity="block")
    _violation(other_canteen, message="丁 other canteen")
    client.force_login(manager)
    url = reverse("dining:violations")

    def shown(**query):
        body = client.get(url, query).content.decode()
        return {m for m in ("甲", "乙", "丙", "丁") if f"{m} " in body}

    assert shown() == {"甲", "乙", "丙", "丁"}
    assert shown(canteen="south") == {"丁"}
    assert shown(severity="block") == {"丙"}
    assert shown(acknowledged="false", canteen="north") == {"甲", "丙"}
    assert shown(acknowledged="true") == {"乙"}
    assert shown(kind=PriceRule.Kind.CATEGORY_CAP) == {"甲", "乙", "丙", "丁"}
    assert client.get(url, {"severity": "nonsense"}).status_code == 400


def test_it_lists_violations_in_a_fixed_number_of_queries(
    client, canteen, manager, django_assert_num_queries
):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # asserts the English texts
    for _ in range(4):
        _violation(canteen, reason="原因", by=manager)
    client.force_login(manager)
    # user (with its roles and unread count); the canteen and rule choices of the filters; the
    # count, the page
    with django_assert_num_queries(5):
        response = client.get(reverse("dining:violations"))
    assert response.content.decode().count("原因") == 4


# --- Rules --------------------------------------------------------------------------------------


def test_it_lets_a_manager_add_a_rule(client, manager, canteen):
    client.force_login(manager)
    response = client.post(
        reverse("dining:price-rules"),
        {
            "name": "午餐低价菜比例",
            "kind": PriceRule.Kind.LOW_PRICE_SHARE,
            "severity": PriceRule.Severity.BLOCK,
            "canteen": canteen.pk,
            "meal": "lunch",
            "amount": "5.00",
            "percent": "20",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule = PriceRule.objects.get()
    assert (rule.kind, rule.severity, rule.canteen, rule.meal) == (
        "low_price_share",
        "block",
        canteen,
        "lunch",
    )
    assert "午餐低价菜比例" in client.get(reverse("dining:price-rules")).content.decode()


def test_it_explains_missing_numbers_of_a_rule(client, manager):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # asserts the English texts
    client.force_login(manager)
    response = client.post(
        reverse("dining:price-rules"),
        {"name": "x", "kind": PriceRule.Kind.CATEGORY_CAP, "severity": "warning"},
    )
    assert response.status_code == 400
    assert "A price cap needs an amount." in response.content.decode()
    assert not PriceRule.objects.exists()


def test_it_lets_a_manager_edit_a_rule(client, manager):
    rule = PriceRuleFactory(name="荤菜限价", amount=D("15.00"))
    client.force_login(manager)
    url = reverse("dining:price-rule-edit", args=[rule.pk])
    assert client.get(url).status_code == 200
    data = {"name": "荤菜限价", "kind": rule.kind, "severity": "block", "amount": "18"}
    assert client.post(url, data).status_code == 302
    rule.refresh_from_db()
    assert (rule.amount, rule.severity, rule.is_active) == (D("18.00"), "block", False)


def test_it_keeps_rules_for_managers(client, canteen):
    rule = PriceRuleFactory()
    client.force_login(canteen_staff_for(canteen))
    assert client.get(reverse("dining:price-rules")).status_code == 403
    url = reverse("dining:price-rule-edit", args=[rule.pk])
    assert client.post(url, {"name": "x", "kind": rule.kind, "amount": "99"}).status_code == 403
    rule.refresh_from_db()
    assert rule.amount == D("15.00")


# --- Figures and export -------------------------------------------------------------------------


def test_it_shows_the_figures_with_the_index_chart(client, canteen, manager):
    _points(canteen)
    MenuItemFactory(menu=MenuFactory(window__canteen=canteen), price=D("4.00"))
    client.force_login(manager)
    response = client.get(reverse("dining:figures"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<polyline" in body and "北区食堂" in body
    assert "100.0%" in body  # the only dish served costs 4 yuan, at or below the 5 yuan default
    today = timezone.localdate()
    assert f'value="{today.isoformat()}"' in body  # the default period is shown in the form


def test_it_lets_a_supervisor_see_the_figures_but_not_a_student(client, student):
    url = reverse("dining:figures")
    client.force_login(student)
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(roles=[Role.SUPERVISOR]))
    assert client.get(url).status_code == 200


def test_it_exports_the_price_changes_of_a_period_as_csv(client, canteen, other_canteen, manager):
    staff = canteen_staff_for(canteen)
    dish = DishFactory(canteen=canteen, name="=宫保鸡丁")
    PriceChangeFactory(
        dish=dish,
        old_price=D("10.00"),
        new_price=D("11.50"),
        changed_by=staff,
        reason="原料涨价",
    )
    PriceChangeFactory(dish=DishFactory(canteen=other_canteen, name="南区菜"))
    client.force_login(staff)
    today = timezone.localdate().isoformat()

    response = client.get(
        reverse("dining:export"),
        {"what": "price-changes", "start": today, "end": today, "headers": "keys"},
    )

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert response.status_code == 200
    assert [(r["dish"], r["old_price"], r["new_price"], r["change"]) for r in rows] == [
        ("'=宫保鸡丁", "10.00", "11.50", "1.50")
    ]
    assert rows[0]["changed_by"] == staff.username and rows[0]["reason"] == "原料涨价"


def test_it_exports_the_menus_of_a_period_as_xlsx(client, canteen, manager):
    item = MenuItemFactory(menu=MenuFactory(window__canteen=canteen), price=D("7.50"))
    client.force_login(manager)
    today = timezone.localdate().isoformat()

    response = client.get(
        reverse("dining:export"),
        {"what": "menus", "format": "xlsx", "start": today, "end": today, "headers": "keys"},
    )

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, *rows = list(sheet.values)
    assert response.status_code == 200
    assert header[:3] == ("date", "meal", "canteen")
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert (row["dish"], row["price"], row["canteen"]) == (item.dish.name, 7.5, "north")


def test_it_answers_a_bad_export_request_with_the_form(client, manager):
    client.force_login(manager)
    response = client.get(reverse("dining:export"), {"what": "everything", "start": "x"})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert client.get(reverse("dining:export")).status_code == 200


def test_it_adds_a_dining_section_to_the_manager_overview(client, canteen, manager):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # asserts the English texts
    MenuItemFactory(menu=MenuFactory(window__canteen=canteen))
    _violation(canteen)
    client.force_login(manager)
    body = client.get(reverse("manager-overview")).content.decode()
    assert "Dishes served, last 30 days" in body or "近30天" in body
    assert reverse("dining:figures") in body


# --- Admin --------------------------------------------------------------------------------------


@pytest.fixture
def admin_user_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_it_saves_a_rule_in_the_admin_with_its_numbers_checked(admin_user_client):
    admin_user_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # asserts the English texts
    url = reverse("admin:dining_pricerule_add")
    data = {"name": "荤菜限价", "kind": "category_cap", "severity": "warning", "meal": ""}
    response = admin_user_client.post(url, data)
    assert response.status_code == 200
    assert "A price cap needs an amount." in response.content.decode()
    assert admin_user_client.post(url, {**data, "amount": "15"}).status_code == 302
    assert PriceRule.objects.get().amount == D("15.00")


def test_it_shows_violations_and_the_index_read_only_in_the_admin(admin_user_client, canteen):
    violation = _violation(canteen, reason="原因")
    PriceIndexPoint.objects.create(date=timezone.localdate(), canteen=canteen, value=D("101"))
    change = reverse("admin:dining_priceviolation_change", args=[violation.pk])
    assert (
        "原因"
        in admin_user_client.get(reverse("admin:dining_priceviolation_changelist")).content.decode()
    )
    assert admin_user_client.get(change).status_code == 200
    delete = reverse("admin:dining_priceviolation_delete", args=[violation.pk])
    assert admin_user_client.post(delete, {"post": "yes"}).status_code == 403
    assert (
        admin_user_client.get(reverse("admin:dining_priceindexpoint_changelist")).status_code == 200
    )


def test_it_exports_price_cuts_as_numbers_under_translated_headers(client, canteen, manager):
    # A cut of 6 yuan was written as the text '-6.00 (the formula guard caught the minus).
    PriceChangeFactory(
        dish=DishFactory(canteen=canteen), old_price=D("16.00"), new_price=D("10.00")
    )
    client.force_login(manager)
    today = timezone.localdate().isoformat()
    query = {"what": "price-changes", "start": today, "end": today}

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    text = b"".join(client.get(reverse("dining:export"), query).streaming_content)
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    sheet = load_workbook(
        io.BytesIO(
            b"".join(
                client.get(reverse("dining:export"), {**query, "format": "xlsx"}).streaming_content
            )
        )
    ).active

    assert rows[0]["Change (yuan)"] == "-6.00"
    header = [cell.value for cell in sheet[1]]
    change = sheet.cell(row=2, column=header.index("Change (yuan)") + 1)
    assert (change.value, change.data_type, change.number_format) == (-6, "n", "0.00")
    changed_at = sheet.cell(row=2, column=header.index("Changed at") + 1).value
    assert isinstance(changed_at, datetime.datetime)


def test_it_writes_the_portion_in_the_readers_language(client, canteen):
    dish = DishFactory(canteen=canteen, name="红烧肉", portion_grams=250)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "about 250 g" in client.get(reverse("dining:price-board", args=["north"])).text
    assert "· about 250 g" in client.get(dish.get_absolute_url()).text
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert "约 250 克" in client.get(dish.get_absolute_url()).text


@pytest.mark.parametrize(
    ("words", "grams", "left"),
    [("约 250 g", 250, ""), ("250g", 250, ""), ("约300克", 300, ""), ("一碗", None, "一碗")],
)
def test_it_moves_weights_written_as_words_to_grams(canteen, words, grams, left):
    from django.apps import apps

    migration = importlib.import_module("dining.migrations.0004_dish_portion_grams")
    dish = DishFactory(canteen=canteen, portion_size=words)
    migration.weights_to_grams(apps, None)
    dish.refresh_from_db()
    assert (dish.portion_grams, dish.portion_size) == (grams, left)
