"""CSV and XLSX export of a period's price changes and menus: one row per record, a header row
of stable column keys (documented in docs/user-guide.md, "Price supervision").

The files are written by logistics.spreadsheets (streamed CSV with a BOM, write-only XLSX,
formula-safe cells); rows are read with one query through a server-side cursor.
"""

from collections.abc import Callable, Iterator
from typing import Any

from logistics.spreadsheets import Export, csv_response, local_time, xlsx_response

from .models import MenuItem, PriceChange

__all__ = ["csv_response", "menus_export", "price_changes_export", "xlsx_response"]

CHUNK_SIZE = 2000


Columns = list[tuple[str, Callable[[Any], Any]]]


def _export(name: str, columns: Columns, queryset) -> Export:
    def rows() -> Iterator[list]:
        for record in queryset.iterator(chunk_size=CHUNK_SIZE):
            yield [value(record) for _key, value in columns]

    return Export(name=name, header=[key for key, _value in columns], rows=rows)


def _money(value) -> str:
    return "" if value is None else f"{value:.2f}"


def _change(c: PriceChange) -> str:
    return "" if c.old_price is None else _money(c.new_price - c.old_price)


PRICE_CHANGE_COLUMNS = [
    ("changed_at", lambda c: local_time(c.changed_at)),
    ("canteen", lambda c: c.dish.canteen.slug),
    ("canteen_name", lambda c: c.dish.canteen.name),
    ("dish_id", lambda c: c.dish_id),
    ("dish", lambda c: c.dish.name),
    ("category", lambda c: c.dish.category.code),
    ("tier", lambda c: c.tier),
    ("old_price", lambda c: _money(c.old_price)),
    ("new_price", lambda c: _money(c.new_price)),
    ("change", _change),
    ("menu_date", lambda c: c.menu_item.menu.date.isoformat() if c.menu_item_id else ""),
    ("meal", lambda c: c.menu_item.menu.meal if c.menu_item_id else ""),
    ("changed_by", lambda c: c.changed_by.username if c.changed_by_id else ""),
    ("reason", lambda c: c.reason),
]

MENU_COLUMNS = [
    ("date", lambda i: i.menu.date.isoformat()),
    ("meal", lambda i: i.menu.meal),
    ("canteen", lambda i: i.menu.canteen.slug),
    ("canteen_name", lambda i: i.menu.canteen.name),
    ("window", lambda i: i.menu.window.code),
    ("status", lambda i: i.menu.status),
    ("dish_id", lambda i: i.dish_id),
    ("dish", lambda i: i.dish.name),
    ("category", lambda i: i.dish.category.code),
    ("pricing_unit", lambda i: i.dish.pricing_unit),
    ("price", lambda i: _money(i.price)),
    ("price_employee", lambda i: _money(i.price_employee)),
    ("price_other", lambda i: _money(i.price_other)),
    ("sold_out", lambda i: "yes" if i.sold_out else "no"),
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
