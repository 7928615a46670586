"""CSV and XLSX downloads for every app: one row per record, a header row, typed and safe cells.

An app describes its export once as a list of `ExportColumn`s (key, label, type, how to read the
value from a record) and an `Export` whose records are read lazily (one query through a
server-side cursor), so memory stays flat whatever the period. `export_response` answers a
request with it:

- the header row holds the labels in the user's language (people open these in Excel);
  `?headers=keys` gives the stable column keys instead, for programs;
- numbers are numbers and dates are dates (XLSX cells of those types with a display format;
  CSV `-6.00`, `2026-11-28`, `2026-11-28 08:30:00`, which Excel reads as such);
- only text can hold a formula, so only text cells get the CSV-injection guard;
- CSV is streamed row by row (UTF-8 with a BOM, so Excel on Chinese Windows opens it correctly);
  XLSX is written with openpyxl's write-only workbook into a temporary file that spills to disk
  when large, with the header row frozen and each column as wide as its contents need.
"""

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils import timezone

from logistics.validation import xml_text

# Spreadsheet programs run cells that start with these as formulas (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TEXT = "text"
INTEGER = "integer"
DECIMAL = "decimal"  # money and other fixed-point numbers: two decimals
RATIO = "ratio"  # shares, means: as many decimals as the value has
DATE = "date"
DATETIME = "datetime"

# How XLSX shows each type, and how wide (in characters) its column is at least.
NUMBER_FORMATS = {
    INTEGER: "0",
    DECIMAL: "0.00",
    RATIO: "General",
    DATE: "yyyy-mm-dd",
    DATETIME: "yyyy-mm-dd hh:mm:ss",
}
MIN_WIDTHS = {TEXT: 10, INTEGER: 8, DECIMAL: 10, RATIO: 10, DATE: 12, DATETIME: 20}
MAX_WIDTH = 60


@dataclass(frozen=True)
class ExportColumn:
    """One column: its stable key, its label for people, its type, and its value for a record.

    `width` (characters) overrides the computed XLSX column width, for long free text.
    """

    key: str
    label: Any
    value: Callable[[Any], Any]
    type: str = TEXT
    width: int | None = None

    def cell(self, record: Any) -> Any:
        """The typed value for `record`: a number, a date, a naive local datetime, text or None."""
        return typed(self.value(record), self.type)

    def xlsx_width(self) -> int:
        label = str(self.label)
        return self.width or max(MIN_WIDTHS.get(self.type, 10), min(_text_width(label) + 2, 30))


@dataclass(frozen=True)
class Export:
    """One download: the sheet's name, its columns and a callable giving the records."""

    name: str
    columns: Sequence[ExportColumn]
    records: Callable[[], Iterable[Any]]

    def header(self, *, keys: bool = False) -> list[str]:
        """The labels in the active language, or the stable keys (`keys=True`)."""
        return [column.key if keys else str(column.label) for column in self.columns]

    def rows(self) -> Iterable[list]:
        """Each record as a list of typed, formula-safe cells."""
        for record in self.records():
            yield [safe_cell(column.cell(record)) for column in self.columns]


def typed(value: Any, kind: str) -> Any:
    """`value` as the column's type; empty ("" or None) stays None."""
    if value is None or value == "":
        return None
    if kind == INTEGER:
        return int(value)
    if kind == DECIMAL:
        return Decimal(value).quantize(Decimal("0.01"))
    if kind == RATIO:
        return value if isinstance(value, int | float | Decimal) else Decimal(value)
    if kind == DATETIME:
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    if kind == DATE and isinstance(value, datetime.datetime):
        return timezone.localtime(value).date()
    return value


def safe_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, made plain text; characters XLSX
    (XML) cannot hold, which openpyxl refuses with an error, dropped. Numbers and dates are
    left alone: `-6.00` is a number, not a formula."""
    if not isinstance(value, str):
        return value
    value = xml_text(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def local_time(value: datetime.datetime | None) -> str:
    """A timestamp in the portal's time zone as text (for places that are not exports)."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _text_width(text: str) -> int:
    # Chinese characters take two columns in a spreadsheet's default font.
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def _csv_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(export: Export, keys: bool) -> Iterable[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(export.header(keys=keys))
    for row in export.rows():
        yield writer.writerow([_csv_text(value) for value in row])


def csv_response(export: Export, filename: str, *, keys: bool = False) -> StreamingHttpResponse:
    lines = _csv_lines(export, keys)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(export: Export, filename: str, *, keys: bool = False) -> FileResponse:
    # Spills to disk beyond 8 MB, so a large export does not sit in memory.
    buffer = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    write_xlsx([export], buffer, keys=keys)
    buffer.seek(0)
    return FileResponse(
        buffer, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE
    )


def write_xlsx(exports: Sequence[Export], file, *, keys: bool = False) -> None:
    """Writes a workbook with one sheet per export (in order) to the binary `file`."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for export in exports:
        _write_sheet(workbook, export, keys)
    workbook.save(file)


def _write_sheet(workbook, export: Export, keys: bool) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title=export.name[:31])  # Excel's limit on sheet names
    sheet.freeze_panes = "A2"
    for index, column in enumerate(export.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(
            column.xlsx_width(), MAX_WIDTH
        )
    bold = Font(bold=True)
    header = []
    for text in export.header(keys=keys):
        cell = WriteOnlyCell(sheet, text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    formats = [NUMBER_FORMATS.get(column.type) for column in export.columns]
    for row in export.rows():
        sheet.append(
            [
                _xlsx_cell(sheet, value, fmt, WriteOnlyCell)
                for value, fmt in zip(row, formats, strict=True)
            ]
        )


def _xlsx_cell(sheet, value, number_format, cell_class):
    if value is None or number_format is None or isinstance(value, str):
        return value
    cell = cell_class(sheet, value)
    cell.number_format = number_format
    return cell


def wants_keys(request: HttpRequest) -> bool:
    """`?headers=keys`: the stable column keys in the header row instead of the labels."""
    return request.GET.get("headers") == "keys"


def export_response(request: HttpRequest, export: Export, filename: str, file_format: str):
    """The export as `file_format` ("csv" or "xlsx"), with the header row the request asks for."""
    keys = wants_keys(request)
    if file_format == "xlsx":
        return xlsx_response(export, filename, keys=keys)
    return csv_response(export, filename, keys=keys)
