"""CSV and XLSX export of a period's price changes and menus: one row per record, a header row
of stable column keys (documented in docs/user-guide.md, "Price supervision").

CSV is streamed (UTF-8 with a BOM, so Excel on Chinese Windows opens it); XLSX is written with
openpyxl's write-only workbook into a temporary file that spills to disk when large. Rows are
read with one query through a server-side cursor.
"""

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from .models import MenuItem, PriceChange

CHUNK_SIZE = 2000
# Spreadsheet programs run cells that start with these as formulas (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Export:
    """What one export holds: its sheet name, columns and rows."""

    name: str
    columns: list[tuple[str, Callable[[Any], Any]]]
    queryset: Any

    def header(self) -> list[str]:
        return [key for key, _value in self.columns]

    def rows(self) -> Iterator[list]:
        for record in self.queryset.iterator(chunk_size=CHUNK_SIZE):
            yield [_safe(value(record)) for _key, value in self.columns]


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _money(value) -> str:
    return "" if value is None else f"{value:.2f}"


def _change(c: PriceChange) -> str:
    return "" if c.old_price is None else _money(c.new_price - c.old_price)


PRICE_CHANGE_COLUMNS = [
    ("changed_at", lambda c: _local(c.changed_at)),
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
    return Export("price-changes", PRICE_CHANGE_COLUMNS, queryset)


def menus_export(*, canteens, start, end) -> Export:
    """The items of the menus (any status) of `canteens` dated start..end."""
    queryset = (
        MenuItem.objects.filter(
            menu__canteen__in=canteens, menu__date__gte=start, menu__date__lte=end
        )
        .select_related("menu__canteen", "menu__window", "dish__category")
        .order_by("menu__date", "menu__canteen_id", "menu__meal", "menu__window_id", "sort_order")
    )
    return Export("menus", MENU_COLUMNS, queryset)


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(export: Export) -> Iterable[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(export.header())
    for row in export.rows():
        yield writer.writerow(row)


def csv_response(export: Export, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(export), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(export: Export, filename: str) -> FileResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=export.name)
    sheet.append(export.header())
    for row in export.rows():
        sheet.append(row)
    # Spills to disk beyond 8 MB, so a large export does not sit in memory.
    buffer = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    workbook.save(buffer)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
