"""The shared CSV/XLSX writer: labels or keys, typed cells, BOM, formula-safe text, XLSX layout."""

import datetime
import io
from decimal import Decimal as D
from types import SimpleNamespace

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

from logistics.spreadsheets import (
    DATE,
    DATETIME,
    DECIMAL,
    INTEGER,
    Export,
    ExportColumn,
    csv_response,
    safe_cell,
    xlsx_response,
)

CHANGED = timezone.make_aware(datetime.datetime(2026, 11, 28, 8, 30, 5, 123))

COLUMNS = [
    ExportColumn("name", _("Name"), lambda r: r.name),
    ExportColumn("note", _("Note"), lambda r: r.note, width=40),
    ExportColumn("count", _("Count"), lambda r: r.count, INTEGER),
    ExportColumn("change", _("Change"), lambda r: r.change, DECIMAL),
    ExportColumn("day", _("Date"), lambda r: r.day, DATE),
    ExportColumn("at", _("Changed at"), lambda r: r.at, DATETIME),
]


def sample() -> Export:
    records = [
        SimpleNamespace(
            name="张三",
            note='=HYPERLINK("http://x")',
            count=3,
            change=D("-6"),
            day=datetime.date(2026, 11, 28),
            at=CHANGED,
        ),
        SimpleNamespace(name="李四", note="-1+2", count=0, change=None, day=None, at=None),
    ]
    return Export(name="sample", columns=COLUMNS, records=lambda: iter(records))


def csv_text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_it_makes_formula_cells_plain_text():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("普通文本") == "普通文本"
    assert safe_cell(5) == 5


def test_it_leaves_negative_numbers_alone():
    assert safe_cell(D("-6.00")) == D("-6.00")
    assert safe_cell(-3) == -3


def test_it_streams_csv_with_a_bom_labels_and_safe_text():
    with translation.override("en"):
        response = csv_response(sample(), "sample")
        body = csv_text(response)
    assert response["Content-Disposition"] == 'attachment; filename="sample.csv"'
    assert body.startswith("\ufeffName,Note,Count,Change,Date,Changed at\r\n")
    assert "'=HYPERLINK" in body
    assert "'-1+2" in body


def test_it_writes_the_header_in_the_users_language():
    with translation.override("zh-hans"):
        body = csv_text(csv_response(sample(), "sample"))
    assert body.startswith("\ufeff名称,")


def test_it_writes_the_keys_when_asked():
    with translation.override("zh-hans"):
        body = csv_text(csv_response(sample(), "sample", keys=True))
    assert body.startswith("\ufeffname,note,count,change,day,at\r\n")


def test_it_writes_numbers_and_dates_as_such_in_csv():
    lines = csv_text(csv_response(sample(), "sample", keys=True)).splitlines()
    assert lines[1].endswith(",3,-6.00,2026-11-28,2026-11-28 08:30:05")
    assert lines[2] == "李四,'-1+2,0,,,"


def test_it_writes_xlsx_with_typed_cells():
    with translation.override("en"):
        sheet = workbook(xlsx_response(sample(), "sample"))["sample"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Name", "Note", "Count", "Change", "Date", "Changed at"]
    assert rows[1] == [
        "张三",
        '\'=HYPERLINK("http://x")',
        3,
        -6,
        datetime.datetime(2026, 11, 28),
        datetime.datetime(2026, 11, 28, 8, 30, 5),
    ]
    assert rows[2] == ["李四", "'-1+2", 0, None, None, None]
    assert sheet["D2"].number_format == "0.00"
    assert sheet["E2"].number_format == "yyyy-mm-dd"
    assert sheet["F2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert sheet["D2"].data_type == "n"
    assert len(rows) == 3


def test_it_freezes_the_header_and_sizes_the_columns():
    with translation.override("zh-hans"):
        sheet = workbook(xlsx_response(sample(), "sample"))["sample"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["B"].width == 40  # as the column asks
    assert sheet.column_dimensions["F"].width >= 20  # a whole timestamp shows


def test_it_writes_xlsx_whatever_control_characters_a_stored_row_holds():
    # openpyxl refuses them with an error (XLSX is XML), which was a 500 on every export.
    bad = "".join(chr(c) for c in range(1, 32) if c not in (9, 10, 13)) + "\ufffe"
    columns = [ExportColumn("note", "note", lambda r: r)]
    export = Export(name="sample", columns=columns, records=lambda: iter([f"漏{bad}水"]))
    sheet = workbook(xlsx_response(export, "sample"))["sample"]
    assert sheet["A2"].value == "漏水"
