"""CSV and XLSX downloads for every app: one row per record, a header row, formula-safe cells.

CSV is streamed row by row (UTF-8 with a BOM, so Excel on Chinese Windows opens it correctly);
XLSX is written with openpyxl's write-only workbook into a temporary file that spills to disk
when large. An app describes its export as an `Export` whose rows are read lazily (one query
through a server-side cursor), so memory stays flat whatever the period.
"""

import csv
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from logistics.validation import xml_text

# Spreadsheet programs run cells that start with these as formulas (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Export:
    """One download: the sheet's name, the header row and a callable giving the rows."""

    name: str
    header: list[str]
    rows: Callable[[], Iterable[list]]

    def safe_rows(self) -> Iterable[list]:
        for row in self.rows():
            yield [safe_cell(value) for value in row]


def safe_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, made plain text; characters XLSX
    (XML) cannot hold, which openpyxl refuses with an error, dropped."""
    if isinstance(value, str):
        value = xml_text(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def local_time(value: datetime | None) -> str:
    """A timestamp in the portal's time zone, as spreadsheets sort it."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(export: Export) -> Iterable[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(export.header)
    for row in export.safe_rows():
        yield writer.writerow(row)


def csv_response(export: Export, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(export), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(export: Export, filename: str) -> FileResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=export.name)
    sheet.append(export.header)
    for row in export.safe_rows():
        sheet.append(row)
    # Spills to disk beyond 8 MB, so a large export does not sit in memory.
    buffer = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    workbook.save(buffer)
    buffer.seek(0)
    return FileResponse(
        buffer, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE
    )
