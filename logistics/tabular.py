"""All-or-nothing CSV/XLSX import, for every app: read rows, validate each, save only if all pass.

An app describes its import with a `TabularImport`: the columns, a Django form (or DRF
serializer) that validates one row, an optional key that must be unique within the file, and a
`save` callable that receives every cleaned row at once (so it can write in bulk) and the keys
of the columns the file has (so an update can leave absent columns alone). `run_import`
reads a CSV (UTF-8 with or without BOM, or GBK/GB18030 as Excel on Chinese Windows saves it) or
an XLSX workbook (first sheet), validates every row, and returns an `ImportReport`. When any row
is bad the report lists each bad row with its line number and the messages by column, in the
active language, and nothing is written. Otherwise `save` runs inside one transaction; a save
whose own rules refuse some rows (checked in bulk, against the database) raises `RowErrors`
with their positions among the rows it got, and the report names their lines (nothing is kept).
"""

import csv
import io
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20000
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format


class TabularError(Exception):
    """The file as a whole cannot be imported (unreadable, wrong columns, too big …)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RowErrors(Exception):
    """Raised by a `save`: the rows it refuses, by position in the list it got (from 0), each
    with its messages by column key. The import keeps nothing and reports their lines."""

    def __init__(self, errors: dict[int, dict[str, list[str]]]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Column:
    """One column: its key in the header row, its label for people, and whether it must be there."""

    key: str
    label: Any = ""
    required: bool = False
    help_text: Any = ""
    example: str = ""

    def names(self) -> set[str]:
        """Header texts that mean this column: the key, or the label in the active language."""
        return {self.key.lower(), str(self.label or self.key).strip().lower()}


@dataclass
class RowError:
    line: int
    messages: dict[str, list[str]]

    def items(self) -> list[tuple[str, str]]:
        """(column, message) pairs; row-level messages have an empty column."""
        return [
            ("" if column == NON_FIELD_ERRORS else column, message)
            for column, messages in self.messages.items()
            for message in messages
        ]


@dataclass
class ImportReport:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""
    created: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error


@dataclass
class TabularImport:
    """What an app's import looks like; see the module docstring."""

    columns: Sequence[Column]
    form_class: type
    save: Callable[[list[dict], set[str]], tuple[int, int]]
    key: Callable[[dict], Any] | None = None
    form_kwargs: Callable[[], dict] = dict
    max_rows: int = MAX_ROWS

    def template_csv(self) -> bytes:
        """A CSV with the header row and one example row; UTF-8 with BOM so Excel opens it."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([c.key for c in self.columns])
        writer.writerow([c.example for c in self.columns])
        return ("\ufeff" + out.getvalue()).encode()


def run_import(spec: TabularImport, upload: BinaryIO) -> ImportReport:
    """Reads, validates and (only if every row is good) saves the rows of `upload`."""
    report = ImportReport()
    present: set[str] = set()
    try:
        rows = list(read_rows(upload, spec.columns, present=present, max_rows=spec.max_rows))
    except TabularError as exc:
        report.file_error = exc.message
        return report
    report.rows = len(rows)
    if not rows:
        report.file_error = _("The file holds no rows below the header.")
        return report
    lines, cleaned = _validate(spec, rows, report)
    if report.errors:
        return report
    try:
        with transaction.atomic():
            report.created, report.updated = spec.save(cleaned, present)
    except RowErrors as exc:
        report.errors = [RowError(lines[i], exc.errors[i]) for i in sorted(exc.errors)]
    except (ValidationError, DatabaseError) as exc:
        # Another import or edit changed the same rows meanwhile; nothing was kept.
        report.file_error = _("Nothing was imported: %(error)s Please try again.") % {
            "error": "; ".join(getattr(exc, "messages", [str(exc)]))
        }
    return report


def _validate(spec: TabularImport, rows, report: ImportReport) -> tuple[list[int], list[dict]]:
    """The lines and cleaned values of the good rows; the bad ones go to the report."""
    kwargs = spec.form_kwargs()
    lines, cleaned_rows, seen = [], [], {}
    for line, values in rows:
        data, errors = _clean_row(spec.form_class, values, kwargs)
        if errors:
            report.errors.append(RowError(line, errors))
            continue
        key = spec.key(data) if spec.key else None
        if key is not None and key in seen:
            message = _("Same as line %(line)d; each row must be unique.") % {"line": seen[key]}
            report.errors.append(RowError(line, {NON_FIELD_ERRORS: [message]}))
            continue
        seen[key] = line
        lines.append(line)
        cleaned_rows.append(data)
    return lines, cleaned_rows


def _clean_row(form_class, values: dict, kwargs: dict) -> tuple[dict, dict[str, list[str]]]:
    """Validates one row with a Django form or a DRF serializer."""
    validator = form_class(data=values, **kwargs)
    if validator.is_valid():
        data = getattr(validator, "cleaned_data", None)
        return (data if data is not None else dict(validator.validated_data)), {}
    errors = validator.errors
    return {}, {str(k): [str(m) for m in v] for k, v in errors.items()}


def read_rows(
    upload: BinaryIO,
    columns: Sequence[Column],
    *,
    present: set[str] | None = None,
    max_rows: int = MAX_ROWS,
) -> Iterator[tuple[int, dict]]:
    """(line number, {column key: text}) for each non-blank row; the header is line 1.

    Only the columns the file has are keys; `present`, if given, receives their keys.
    """
    content = upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise TabularError(
            _("The file is larger than %(mb)d MB; split it.") % {"mb": MAX_BYTES // 2**20}
        )
    if content.startswith(OLE_MAGIC):
        raise TabularError(_("Old .xls workbooks cannot be read; save the file as XLSX or CSV."))
    table = _xlsx_rows(content) if content.startswith(XLSX_MAGIC) else _csv_rows(content)
    header = next(table, None)
    if header is None:
        raise TabularError(_("The file is empty."))
    keys = _map_header(header, columns)
    if present is not None:
        present.update(keys.values())
    count = 0
    for line, cells in enumerate(table, start=2):
        values = {key: (cells[i] if i < len(cells) else "") for i, key in keys.items()}
        if not any(values.values()):
            continue
        count += 1
        if count > max_rows:
            raise TabularError(
                _("The file has more than %(max)d rows; split it.") % {"max": max_rows}
            )
        yield line, values


def _map_header(header: list[str], columns: Sequence[Column]) -> dict[int, str]:
    by_name = {name: c.key for c in columns for name in c.names()}
    keys, unknown = {}, []
    for index, text in enumerate(header):
        name = text.strip().lower()
        if not name:
            continue
        if name not in by_name:
            unknown.append(text.strip())
        elif by_name[name] in keys.values():
            raise TabularError(_("The column %(column)s appears twice.") % {"column": text})
        else:
            keys[index] = by_name[name]
    missing = [c.key for c in columns if c.required and c.key not in keys.values()]
    if unknown or missing:
        raise TabularError(_header_message(unknown, missing, columns))
    return keys


def _header_message(unknown: list[str], missing: list[str], columns: Sequence[Column]) -> str:
    parts = []
    if unknown:
        parts.append(_("Unknown column(s): %(columns)s.") % {"columns": ", ".join(unknown)})
    if missing:
        parts.append(_("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)})
    expected = ", ".join(c.key for c in columns)
    parts.append(_("The first row must name the columns: %(columns)s.") % {"columns": expected})
    return " ".join(parts)


def _decode(content: bytes) -> str:
    # Excel on Chinese Windows saves "CSV" as GBK; GB18030 is its superset, so try it second.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TabularError(_("The file is neither UTF-8 nor GBK text; save it as CSV (UTF-8) or XLSX."))


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    text = _decode(content)
    if "\x00" in text:
        raise TabularError(_("The file is not a CSV text file; upload CSV or XLSX."))
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            yield [c.strip() for c in cells]
    except csv.Error as exc:
        raise TabularError(_("The CSV file is malformed: %(error)s") % {"error": exc}) from None


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise TabularError(
            _("The workbook cannot be read (%(error)s); save it again as XLSX or CSV.")
            % {"error": type(exc).__name__}
        ) from None
    try:
        yield from ([_cell_text(c) for c in cells] for cells in _sheet_rows(workbook))
    finally:
        workbook.close()


def _sheet_rows(workbook) -> Iterator[tuple]:
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001  (a damaged sheet is the uploader's problem, not a 500)
            raise TabularError(
                _("The workbook is damaged (%(error)s); save it again as XLSX or CSV.")
                % {"error": type(exc).__name__}
            ) from None
        yield cells


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 301 as 301.0
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


__all__ = [
    "Column",
    "ImportReport",
    "RowError",
    "RowErrors",
    "TabularError",
    "TabularImport",
    "read_rows",
    "run_import",
]
