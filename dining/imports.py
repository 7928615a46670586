"""The menu import (CSV/XLSX): one row per dish on a menu, all or nothing (logistics.tabular)."""

from collections import defaultdict

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from logistics.tabular import Column, TabularImport

from .models import Dish, Meal, Menu, Window

COLUMNS = [
    Column("date", _("date"), required=True, example="2026-03-02"),
    Column(
        "meal",
        _("meal"),
        required=True,
        help_text=_("breakfast, lunch, dinner or late_night"),
        example="lunch",
    ),
    Column("window", _("window code"), required=True, example="W1"),
    Column("dish", _("dish name"), required=True, example="宫保鸡丁"),
    Column("price", _("price"), help_text=_("empty: the dish's standard price"), example="12.00"),
    Column("price_employee", _("price (employee)"), example="14.00"),
    Column("price_other", _("price (other)"), example="16.00"),
]


def _meal_value(text: str) -> str | None:
    """A meal from its code or its name in Chinese or English."""
    text = text.strip().lower()
    for value, label in Meal.choices:
        if text in {value, str(label).lower(), value.replace("_", " ")}:
            return value
    return {"早餐": "breakfast", "午餐": "lunch", "晚餐": "dinner", "夜宵": "late_night"}.get(text)


class MenuImportRowForm(forms.Form):
    """One row of the menu import; windows and dishes are looked up in the canteen's own."""

    date = forms.DateField(
        label=_("date"),
        # ISO as in the template, an XLSX date cell ("2026-03-02T00:00:00"), or 2026/3/2.
        input_formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d"],
    )
    meal = forms.CharField(label=_("meal"))
    window = forms.CharField(label=_("window code"))
    dish = forms.CharField(label=_("dish name"))
    price = forms.DecimalField(
        label=_("price"), required=False, min_value=0, max_digits=8, decimal_places=2
    )
    price_employee = forms.DecimalField(
        label=_("price (employee)"), required=False, min_value=0, max_digits=8, decimal_places=2
    )
    price_other = forms.DecimalField(
        label=_("price (other)"), required=False, min_value=0, max_digits=8, decimal_places=2
    )

    def __init__(self, *args, windows: dict, dishes: dict, locked: set, **kwargs):
        super().__init__(*args, **kwargs)
        self.windows, self.dishes, self.locked = windows, dishes, locked

    def clean_meal(self):
        meal = _meal_value(self.cleaned_data["meal"])
        if meal is None:
            raise ValidationError(_("Unknown meal; use breakfast, lunch, dinner or late_night."))
        return meal

    def clean_window(self):
        window = self.windows.get(self.cleaned_data["window"].strip().lower())
        if window is None:
            raise ValidationError(_("No window with this code in this canteen."))
        return window

    def clean_dish(self):
        dish = self.dishes.get(self.cleaned_data["dish"].strip().lower())
        if dish is None:
            raise ValidationError(_("No dish with this name in this canteen."))
        return dish

    def clean(self):
        data = super().clean()
        key = (data.get("window"), data.get("date"), data.get("meal"))
        if all(key) and (key[0].pk, key[1], key[2]) in self.locked:
            raise ValidationError(
                _("This menu is already published or scheduled; take it back to draft first.")
            )
        return data


def menu_import_spec(*, by, canteen) -> TabularImport:
    """The import of menu rows into `canteen`'s draft menus."""
    from .services import menu_get_or_create, menu_set_items

    def form_kwargs():
        windows = {w.code.lower(): w for w in Window.objects.filter(canteen=canteen)}
        dishes, english = {}, {}
        for dish in Dish.objects.filter(canteen=canteen):
            dishes[dish.name.strip().lower()] = dish
            if dish.name_en:
                english[dish.name_en.strip().lower()] = dish
        dishes = english | dishes  # the Chinese name wins when an English one equals it
        locked = set(
            Menu.objects.filter(canteen=canteen)
            .exclude(status=Menu.Status.DRAFT)
            .values_list("window_id", "date", "meal")
        )
        return {"windows": windows, "dishes": dishes, "locked": locked}

    def save(rows: list[dict], present: set[str]) -> tuple[int, int]:
        menus = defaultdict(list)
        for row in rows:
            menus[(row["window"], row["date"], row["meal"])].append(row)
        for (window, date, meal), items in menus.items():
            menu = menu_get_or_create(by=by, canteen=canteen, window=window, date=date, meal=meal)
            menu_set_items(by=by, menu=menu, items=items)
        return len(rows), 0

    return TabularImport(
        columns=COLUMNS,
        form_class=MenuImportRowForm,
        save=save,
        key=lambda row: (row["window"].pk, row["date"], row["meal"], row["dish"].pk),
        form_kwargs=form_kwargs,
    )
