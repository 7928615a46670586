"""All-or-nothing CSV/XLSX import of buildings and rooms (logistics.tabular + logistics.places)."""

import io
from decimal import Decimal
from io import StringIO

import pytest
from django import forms
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.utils import translation
from openpyxl import Workbook

from logistics.models import Building, Campus, Room
from logistics.places import place_import
from logistics.tabular import Column, RowErrors, TabularImport, run_import
from tests.logistics.factories import BuildingFactory, CampusFactory

pytestmark = pytest.mark.django_db

BUILDINGS_CSV = """campus,code,name,name_en,kind,floors,latitude,longitude
main,D1,学一楼,Dormitory 1,dormitory,6,39.999000,116.326000
main,C1,第一食堂,Canteen 1,canteen,3,,
east,T1,东区教学楼,,teaching,,,
"""


@pytest.fixture
def campuses(db):
    return CampusFactory(code="main", name="本部"), CampusFactory(code="east", name="东校区")


def csv_file(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def xlsx_file(rows: list[list]) -> io.BytesIO:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


def test_it_imports_buildings_from_a_utf8_csv_with_bom(campuses, manager):
    report = place_import(kind="buildings", upload=csv_file(BUILDINGS_CSV, "utf-8-sig"), by=manager)
    assert report.ok, (report.file_error, report.errors)
    assert (report.rows, report.created, report.updated) == (3, 3, 0)
    d1 = Building.objects.get(campus__code="main", code="D1")
    assert (d1.name, d1.kind, d1.floors) == ("学一楼", "dormitory", 6)
    assert d1.latitude == Decimal("39.999000")
    t1 = Building.objects.get(code="T1")
    assert (t1.campus.code, t1.floors, t1.name_en, t1.latitude) == ("east", 1, "", None)


def test_it_imports_a_gbk_csv_as_excel_saves_it(campuses, manager):
    report = place_import(kind="buildings", upload=csv_file(BUILDINGS_CSV, "gbk"), by=manager)
    assert report.ok, report.errors
    assert Building.objects.get(code="C1").name == "第一食堂"


def test_it_imports_rooms_from_xlsx(campuses, manager):
    BuildingFactory(campus=campuses[0], code="D1", floors=6)
    upload = xlsx_file(
        [
            ["campus", "building", "number", "floor", "kind", "capacity"],
            ["main", "D1", 101, 1, "dorm", 4],
            [None, None, None, None, None, None],  # Excel's blank rows are skipped
            ["main", "D1", "102", 1.0, "", None],
        ]
    )
    report = place_import(kind="rooms", upload=upload, by=manager)
    assert report.ok, (report.file_error, report.errors)
    assert report.created == 2
    assert list(Room.objects.values_list("number", "floor", "kind", "capacity")) == [
        ("101", 1, "dorm", 4),
        ("102", 1, "other", None),
    ]


def test_it_reports_every_bad_row_with_its_line_and_imports_nothing(campuses, manager):
    text = (
        "campus,code,name,kind,floors\n"
        "main,OK1,好楼,dormitory,6\n"  # line 2: good
        "moon,X1,月球楼,dormitory,6\n"  # line 3: unknown campus
        "main,bad code!,坏楼,castle,0\n"  # line 4: three bad cells
        "main,OK2,,other,2\n"  # line 5: no name
        "main,OK1,重复,other,2\n"  # line 6: same as line 2
    )
    with translation.override("en"):
        report = place_import(kind="buildings", upload=csv_file(text), by=manager)
    assert not report.ok
    assert [row.line for row in report.errors] == [3, 4, 5, 6]
    by_line = {row.line: row.messages for row in report.errors}
    assert set(by_line[3]) == {"campus"}
    assert "moon" in by_line[3]["campus"][0]
    assert set(by_line[4]) == {"code", "kind", "floors"}
    assert set(by_line[5]) == {"name"}
    assert "line 2" in by_line[6]["__all__"][0]
    assert not Building.objects.exists()


def test_it_reports_in_the_users_language(campuses, manager):
    text = "campus,code,name\nmain,A,\n"
    with translation.override("en"):
        report = place_import(kind="buildings", upload=csv_file(text), by=manager)
    assert report.errors[0].messages["name"] == ["This field is required."]
    with translation.override("zh-hans"):
        report = place_import(kind="buildings", upload=csv_file(text), by=manager)
    assert "必填" in report.errors[0].messages["name"][0]


def test_it_checks_rooms_against_their_building(campuses, manager):
    BuildingFactory(campus=campuses[0], code="D1", floors=6)
    text = (
        "campus,building,number,floor\n"
        "main,D1,101,1\n"
        "main,D404,101,1\n"  # no such building
        "main,D1,901,9\n"  # above the top floor
        "main,D1,B01,-6\n"  # below the lowest floor
    )
    report = place_import(kind="rooms", upload=csv_file(text), by=manager)
    assert [(r.line, sorted(r.messages)) for r in report.errors] == [
        (3, ["building"]),
        (4, ["floor"]),
        (5, ["floor"]),
    ]
    assert not Room.objects.exists()


def test_it_updates_matching_rows_and_leaves_absent_columns_alone(campuses, manager):
    building = BuildingFactory(campus=campuses[0], code="D1", name="旧名", floors=6)
    building.latitude = Decimal("30.1")
    building.save()
    text = "campus,code,name,kind\nmain,D1,学一楼,dormitory\nmain,D2,学二楼,\n"
    report = place_import(kind="buildings", upload=csv_file(text), by=manager)
    assert (report.created, report.updated) == (1, 1)
    building.refresh_from_db()
    assert (building.name, building.floors, building.latitude) == ("学一楼", 6, Decimal("30.1"))
    assert Building.objects.get(code="D2").kind == "other"


def test_it_updates_rooms_in_place(campuses, manager):
    BuildingFactory(campus=campuses[0], code="D1", floors=6)
    place_import(
        kind="rooms",
        upload=csv_file("campus,building,number,capacity\nmain,D1,101,4\n"),
        by=manager,
    )
    report = place_import(
        kind="rooms",
        upload=csv_file("campus,building,number,capacity\nmain,D1,101,6\nmain,D1,102,2\n"),
        by=manager,
    )
    assert (report.created, report.updated) == (1, 1)
    assert dict(Room.objects.values_list("number", "capacity")) == {"101": 6, "102": 2}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"campus,code,name\n", "no rows"),
        (b"campus,code\nmain,D1\n", "Missing column(s): name"),
        (b"campus,code,name,flors\nmain,D1,x,2\n", "Unknown column(s): flors"),
        (b"campus,code,name,code\nmain,D1,x,D2\n", "appears twice"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Old .xls"),
        (b"PK\x03\x04 this is not a workbook", "cannot be read"),
        (b"\x81\x30\xff\xfe\x00\x00", "neither UTF-8 nor GBK"),
    ],
)
def test_it_refuses_a_bad_file_as_a_whole(campuses, manager, content, message):
    with translation.override("en"):
        report = place_import(kind="buildings", upload=io.BytesIO(content), by=manager)
    assert message in report.file_error
    assert not Building.objects.exists()


def test_it_accepts_headers_in_any_case_and_semicolons(campuses, manager):
    text = "Campus;CODE;Name\nmain;D1;学一楼\n"
    report = place_import(kind="buildings", upload=csv_file(text), by=manager)
    assert report.ok, (report.file_error, report.errors)


def test_it_refuses_an_import_by_a_non_manager(student):
    with pytest.raises(PermissionDenied):
        place_import(kind="buildings", upload=csv_file(BUILDINGS_CSV), by=student)


# --- The helper on its own, as other apps will use it -------------------------------------------


class MenuRowForm(forms.Form):
    dish = forms.CharField(max_length=20)
    price = forms.DecimalField(min_value=0, decimal_places=2)


def test_it_saves_nothing_when_one_row_is_bad_and_all_rows_when_all_are_good():
    saved = []
    spec = TabularImport(
        columns=[Column("dish", required=True), Column("price", required=True)],
        form_class=MenuRowForm,
        save=lambda rows, present: (saved.extend(rows) or len(rows), 0),
        key=lambda row: row["dish"],
    )
    bad = run_import(spec, csv_file("dish,price\n宫保鸡丁,12.5\n麻婆豆腐,-1\n"))
    assert [(e.line, list(e.messages)) for e in bad.errors] == [(3, ["price"])]
    assert saved == []
    good = run_import(spec, csv_file("dish,price\n宫保鸡丁,12.5\n麻婆豆腐,8\n"))
    assert good.ok and good.created == 2
    assert [row["dish"] for row in saved] == ["宫保鸡丁", "麻婆豆腐"]


def test_it_validates_rows_with_a_drf_serializer_too():
    from rest_framework import serializers

    class DishSerializer(serializers.Serializer):
        dish = serializers.CharField(max_length=20)

    spec = TabularImport(
        columns=[Column("dish", required=True)],
        form_class=DishSerializer,
        save=lambda rows, present: (len(rows), 0),
    )
    assert run_import(spec, csv_file("dish\n" + "x" * 21 + "\n")).errors[0].line == 2
    assert run_import(spec, csv_file("dish\nok\n")).created == 1


def test_it_rolls_back_everything_when_saving_fails():
    def save(rows, present):
        CampusFactory(code="kept-if-no-rollback")
        raise IntegrityError("duplicate key")

    spec = TabularImport(
        columns=[Column("dish"), Column("price")], form_class=MenuRowForm, save=save
    )
    report = run_import(spec, csv_file("dish,price\na,1\n"))
    assert "duplicate key" in report.file_error
    assert not Campus.objects.filter(code="kept-if-no-rollback").exists()


def test_a_save_refusing_rows_keeps_nothing_and_the_report_names_their_lines():
    def save(rows, present):
        CampusFactory(code="kept-if-no-rollback")
        refused = [i for i, row in enumerate(rows) if row["dish"].startswith("x")]
        if refused:
            raise RowErrors({i: {"dish": ["Not on the menu."]} for i in refused})
        return len(rows), 0

    spec = TabularImport(
        columns=[Column("dish"), Column("price")], form_class=MenuRowForm, save=save
    )
    report = run_import(spec, csv_file("dish,price\nxa,1\nb,2\n,\nxc,3\n"))
    assert [(e.line, e.items()) for e in report.errors] == [
        (2, [("dish", "Not on the menu.")]),
        (5, [("dish", "Not on the menu.")]),  # the blank line 4 still counts
    ]
    assert not report.ok and not Campus.objects.filter(code="kept-if-no-rollback").exists()


def test_an_import_may_allow_fewer_rows():
    spec = TabularImport(
        columns=[Column("dish"), Column("price")],
        form_class=MenuRowForm,
        save=lambda rows, present: (len(rows), 0),
        max_rows=2,
    )
    assert run_import(spec, csv_file("dish,price\na,1\nb,2\n")).created == 2
    report = run_import(spec, csv_file("dish,price\na,1\nb,2\nc,3\n"))
    assert "more than 2 rows" in report.file_error


# --- manage.py import_places -------------------------------------------------------------------


def test_it_imports_from_the_command_line(campuses, manager, tmp_path):
    path = tmp_path / "buildings.csv"
    path.write_bytes(BUILDINGS_CSV.encode("gbk"))
    out = StringIO()
    call_command("import_places", "buildings", str(path), "--as", manager.username, stdout=out)
    assert "3 created" in out.getvalue()
    assert Building.objects.count() == 3


def test_it_lists_bad_rows_on_the_command_line(campuses, manager, tmp_path):
    path = tmp_path / "buildings.csv"
    path.write_text("campus,code,name\nmain,D1,ok\nmoon,D2,bad\n")
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 2 rows are bad"):
        call_command("import_places", "buildings", str(path), "--as", manager.username, stderr=err)
    assert "line 3: campus:" in err.getvalue()
    assert not Building.objects.exists()


def test_it_refuses_the_command_for_a_non_manager(student, tmp_path):
    path = tmp_path / "b.csv"
    path.write_text(BUILDINGS_CSV)
    with pytest.raises(CommandError, match="logistics manager"):
        call_command("import_places", "buildings", str(path), "--as", student.username)
