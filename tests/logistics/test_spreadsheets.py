"""The shared CSV/XLSX writer: header row, BOM, formula-safe cells, rows read lazily."""

import io

from openpyxl import load_workbook

from logistics.spreadsheets import Export, csv_response, safe_cell, xlsx_response


def sample() -> Export:
    return Export(
        name="sample",
        header=["name", "note", "count"],
        rows=lambda: iter([["张三", '=HYPERLINK("http://x")', 3], ["李四", "-1+2", 0]]),
    )


def test_it_makes_formula_cells_plain_text():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("普通文本") == "普通文本"
    assert safe_cell(5) == 5


def test_it_streams_csv_with_a_bom_and_safe_cells():
    response = csv_response(sample(), "sample")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert response["Content-Disposition"] == 'attachment; filename="sample.csv"'
    assert body.startswith("\ufeffname,note,count\r\n")
    assert "'=HYPERLINK" in body
    assert "'-1+2" in body


def test_it_writes_xlsx_that_reads_back():
    response = xlsx_response(sample(), "sample")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["sample"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["name", "note", "count"]
    assert rows[1] == ["张三", '\'=HYPERLINK("http://x")', 3]
    assert len(rows) == 3


def test_it_writes_xlsx_whatever_control_characters_a_stored_row_holds():
    # openpyxl refuses them with an error (XLSX is XML), which was a 500 on every export.
    bad = "".join(chr(c) for c in range(1, 32) if c not in (9, 10, 13)) + "\ufffe"
    export = Export(name="sample", header=["note"], rows=lambda: iter([[f"漏{bad}水"]]))
    response = xlsx_response(export, "sample")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook["sample"]["A2"].value == "漏水"
