"""CSV and XLSX export of a period's price changes and menus: one row per record, a header row
of labels in the user's language (`?headers=keys` gives the stable column keys documented in
docs/user-guide.md, "Price supervision").

The files are written by logistics.spreadsheets (streamed CSV with a BOM, write-only XLSX,
typed, formula-safe cells); rows are read with one query through a server-side cursor.
"""

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from logistics.spreadsheets import (
    DATE,
    DATETIME,
    DECIMAL,
    INTEGER,
    Export,
    ExportColumn,
)

from .models import MenuItem, PriceChange

__all__ = ["menus_export", "price_changes_export"]

CHUNK_SIZE = 2000


def _export(name: str, columns: list[ExportColumn], queryset) -> Export:
    def records() -> Iterator:
        return queryset.iterator(chunk_size=CHUNK_SIZE)

    return Export(name=name, columns=columns, records=records)


def _change(c: PriceChange):
    return None if c.old_price is None else c.new_price - c.old_price


def _menu_date(c: PriceChange):
    return c.menu_item.menu.date if c.menu_item_id else None


def _menu_meal(c: PriceChange) -> str:
    return c.menu_item.menu.meal if c.menu_item_id else ""


PRICE_CHANGE_COLUMNS = [
    ExportColumn("changed_at", _("Changed at"), lambda c: c.changed_at, DATETIME),
    ExportColumn("canteen", _("Canteen code"), lambda c: c.dish.canteen.slug),
    ExportColumn("canteen_name", _("Canteen"), lambda c: c.dish.canteen.name),
    ExportColumn("dish_id", _("Dish ID"), lambda c: c.dish_id, INTEGER),
    ExportColumn("dish", _("Dish"), lambda c: c.dish.name, width=24),
    ExportColumn("category", _("Category code"), lambda c: c.dish.category.code),
    ExportColumn("tier", _("Price tier"), lambda c: c.tier),
    ExportColumn("old_price", _("Old price (yuan)"), lambda c: c.old_price, DECIMAL),
    ExportColumn("new_price", _("New price (yuan)"), lambda c: c.new_price, DECIMAL),
    ExportColumn("change", _("Change (yuan)"), _change, DECIMAL),
    ExportColumn("menu_date", _("Menu date"), _menu_date, DATE),
    ExportColumn("meal", _("Meal"), _menu_meal),
    ExportColumn(
        "changed_by",
        _("Changed by"),
        lambda c: c.changed_by.username if c.changed_by_id else "",
    ),
    ExportColumn("reason", _("Reason"), lambda c: c.reason, width=30),
]


MENU_COLUMNS = [
    ExportColumn("date", _("Date"), lambda i: i.menu.date, DATE),
    ExportColumn("meal", _("Meal"), lambda i: i.menu.meal),
    ExportColumn("canteen", _("Canteen code"), lambda i: i.menu.canteen.slug),
    ExportColumn("canteen_name", _("Canteen"), lambda i: i.menu.canteen.name),
    ExportColumn("window", _("Window code"), lambda i: i.menu.window.code),
    ExportColumn("status", _("Status code"), lambda i: i.menu.status),
    ExportColumn("dish_id", _("Dish ID"), lambda i: i.dish_id, INTEGER),
    ExportColumn("dish", _("Dish"), lambda i: i.dish.name, width=24),
    ExportColumn("category", _("Category code"), lambda i: i.dish.category.code),
    ExportColumn("pricing_unit", _("Pricing unit"), lambda i: i.dish.pricing_unit),
    ExportColumn("price", _("Price (yuan)"), lambda i: i.price, DECIMAL),
    ExportColumn("price_employee", _("Staff price (yuan)"), lambda i: i.price_employee, DECIMAL),
    ExportColumn("price_other", _("Visitor price (yuan)"), lambda i: i.price_other, DECIMAL),
    ExportColumn("sold_out", _("Sold out"), lambda i: "yes" if i.sold_out else "no"),
]


def price_changes_export(*, canteens, lower, upper) -> Export:
    """The price changes of dishes of `canteens` in [lower, upper), oldest first."""
    queryset = (
        PriceChange.objects.filter(
            dish__canteen__in=canteens, changed_at__gte=lower, changed_at__lt=upper
        )
        .select_related("dish__canteen", "dish__category", "menu_item__menu", "changed_by")
        .order_by("changed_at", "id")
    )
    return _export("price-changes", PRICE_CHANGE_COLUMNS, queryset)


def menus_export(*, canteens, start, end) -> Export:
    """The items of the menus (any status) of `canteens` dated start..end."""
    queryset = (
        MenuItem.objects.filter(
            menu__canteen__in=canteens, menu__date__gte=start, menu__date__lte=end
        )
        .select_related("menu__canteen", "menu__window", "dish__category")
        .order_by("menu__date", "menu__canteen_id", "menu__meal", "menu__window_id", "sort_order")
    )
    return _export("menus", MENU_COLUMNS, queryset)
