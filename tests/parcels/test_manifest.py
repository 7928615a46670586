"""The clerk's manifest import (CSV/XLSX): every row stored or none, each bad row reported by
line and column in the user's language, a file sent again stores nothing twice, files that
are not tables refused by their content, the template in the user's language, and the scope."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from logistics.roles import Role
from parcels.models import Parcel, ParcelEvent
from tests.logistics.factories import UserFactory
from tests.parcels.factories import clerk_of, station_with_shelves

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
HEADER = "tracking_number,recipient,recipient_name,recipient_phone,size_class,carrier\n"


@pytest.fixture
def station():
    return station_with_shelves(code="EAST", name="东区驿站", name_en="East station")


@pytest.fixture
def clerk(station):
    return clerk_of(station)


@pytest.fixture
def zhang(db):
    return UserFactory(
        username="2024001", display_name="张伟", phone="13812341234", roles=[Role.STUDENT]
    )


@pytest.fixture
def li(db):
    return UserFactory(
        username="2024002", display_name="李娜", phone="13912345678", roles=[Role.STUDENT]
    )


def as_user(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def upload(client, station, content: bytes, name="manifest.csv", **extra):
    url = reverse("parcels:manifest", args=[station.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)}, **extra)


def csv_file(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


GOOD = csv_file(
    "SF1000000000001,2024001,,,small,",
    "SF1000000000002,,李娜,139-1234-5678,medium,sf",
    "YT100000000003,,王芳,13700001111,,",
)


def test_it_stores_every_row_of_a_good_csv(station, clerk, zhang, li):
    response = upload(as_user(clerk), station, GOOD)
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 new, 0 already in care." in html
    parcels = {p.tracking_number: p for p in Parcel.objects.filter(station=station)}
    assert set(parcels) == {"SF1000000000001", "SF1000000000002", "YT100000000003"}
    assert parcels["SF1000000000001"].recipient == zhang
    assert parcels["SF1000000000002"].recipient == li
    assert parcels["SF1000000000002"].size_class == "medium"
    assert parcels["YT100000000003"].recipient is None  # unknown, yet stored and findable
    assert parcels["YT100000000003"].carrier == "yto"
    for parcel in parcels.values():
        assert parcel.pickup_code in html
    assert ParcelEvent.objects.filter(action="scanned_in").count() == 3


def test_it_stores_a_good_xlsx_with_chinese_headers_and_names(station, clerk, zhang):
    book = Workbook()
    sheet = book.active
    sheet.append(["快递单号", "收件人", "收件人姓名", "电话", "尺寸", "快递公司"])
    sheet.append(["SF1000000000011", "2024001", None, None, "大件", "顺丰速运"])
    sheet.append(["JT1000000000012", None, "张伟", 13812341234, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(as_user(clerk), station, buffer.getvalue(), name="到件.xlsx")
    assert "2 new, 0 already in care." in response.content.decode()
    first, second = Parcel.objects.order_by("tracking_number")
    assert (second.tracking_number, second.size_class, second.carrier) == (
        "SF1000000000011",
        "large",
        "sf",
    )
    assert first.recipient == zhang and second.recipient == zhang


def test_a_file_with_two_bad_rows_stores_nothing_and_reports_both(station, clerk, zhang):
    bad = csv_file(
        "SF1000000000021,2024001,,,small,",
        "SF1000000000022,,,,huge,",
        "SF1000000000023,,,,small,",
        "SF1000000000024,,,,small,dhl",
    )
    response = upload(as_user(clerk), station, bad)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was stored" in html and "2 of 4 rows are bad" in html
    assert "<td>3</td><td>Size</td>" in html and "<td>5</td><td>Carrier</td>" in html
    assert "huge" in html and "dhl" in html
    assert not Parcel.objects.exists()


def test_the_numbers_are_checked_in_bulk_and_reported_on_their_lines_in_chinese(station, clerk):
    bad = csv_file(
        "SF1000000000031,,,,small,",
        "EE123456784CN,,,,small,",  # S10 with a wrong check digit
        ",,,,,",  # a blank line is skipped, and still counted
        "A-?,,,,small,",
    )
    html = upload(as_user(clerk, "zh-hans"), station, bad).content.decode()
    assert "没有存入任何包裹" in html
    assert "<td>3</td><td>快递单号</td>" in html and "<td>5</td><td>快递单号</td>" in html
    assert "EE123456784CN" in html
    assert not Parcel.objects.exists()


def test_a_file_sent_again_says_already_in_care(station, clerk, zhang, li):
    client = as_user(clerk)
    upload(client, station, GOOD)
    codes = set(Parcel.objects.values_list("pickup_code", flat=True))
    html = upload(client, station, GOOD).content.decode()
    assert "0 new, 3 already in care." in html and html.count("Already in care") == 3
    assert set(Parcel.objects.values_list("pickup_code", flat=True)) == codes
    assert Parcel.objects.count() == 3


def test_htmx_gets_the_report_alone(station, clerk):
    response = upload(as_user(clerk), station, GOOD, **HTMX)
    html = response.content.decode()
    assert "3 new" in html and "<html" not in html and "<form" not in html


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "manifest.csv", "This file is a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "manifest.xlsx", "This file is an image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "manifest.xls", "Old .xls workbooks"),
        (b"PK\x03\x04garbage", "manifest.xlsx", "The workbook cannot be read"),
        (b"\x00\x01\x02\x03binary", "manifest.csv", "not a CSV or XLSX file"),
        (b"number,who\nSF1,x\n", "manifest.csv", "Unknown column(s): number, who"),
        (HEADER.encode(), "manifest.csv", "The file holds no rows below the header."),
    ],
)
def test_it_refuses_what_is_not_a_manifest_with_a_clear_message(
    station, clerk, content, name, message
):
    response = upload(as_user(clerk), station, content, name=name)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Parcel.objects.exists()


def test_it_refuses_more_than_500_rows(station, clerk):
    rows = [f"SF{2000000000000 + n},,,,small," for n in range(501)]
    html = upload(as_user(clerk), station, csv_file(*rows)).content.decode()
    assert "more than 500 rows" in html and not Parcel.objects.exists()


def test_it_refuses_a_file_over_the_size_limit(station, clerk):
    big = csv_file("SF1000000000041,,,,small,") + b" " * (2 * 1024 * 1024)
    html = upload(as_user(clerk), station, big).content.decode()
    assert "larger than 2 MB" in html and not Parcel.objects.exists()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_template_has_the_headers_in_the_users_language_and_imports(
    station, clerk, zhang, file_format
):
    client = as_user(clerk, "zh-hans")
    url = reverse("parcels:manifest-template", args=[station.pk, file_format])
    response = client.get(url)
    content = b"".join(response.streaming_content) if response.streaming else b"".join(response)
    assert response.status_code == 200
    if file_format == "csv":
        header = content.decode("utf-8-sig").splitlines()[0]
    else:
        sheet = load_workbook(io.BytesIO(content)).active
        header = ",".join(cell.value for cell in sheet[1])
    assert header == "快递单号,收件人,收件人姓名,电话,尺寸,快递公司"
    response = upload(as_user(clerk), station, content, name=f"template.{file_format}")
    assert "1 new, 0 already in care." in response.content.decode()


def test_only_the_stations_clerks_may_import(station, clerk):
    other = station_with_shelves(code="WEST")
    url = reverse("parcels:manifest", args=[other.pk])
    assert as_user(clerk).get(url).status_code == 404
    assert as_user(clerk).post(url, {"file": SimpleUploadedFile("m.csv", GOOD)}).status_code == 404
    template = reverse("parcels:manifest-template", args=[other.pk, "csv"])
    assert as_user(clerk).get(template).status_code == 404
    student = UserFactory(roles=[Role.STUDENT])
    own = reverse("parcels:manifest", args=[station.pk])
    assert as_user(student).get(own).status_code == 403
    assert (
        as_user(student).post(own, {"file": SimpleUploadedFile("m.csv", GOOD)}).status_code == 403
    )
    assert not Parcel.objects.exists()
    assert as_user(clerk).get(own).status_code == 200


def test_the_page_is_in_chinese(station, clerk):
    html = as_user(clerk, "zh-hans").get(reverse("parcels:manifest", args=[station.pk]))
    html = html.content.decode()
    for text in (
        "到件清单导入",
        "检查并入库",
        "模板（XLSX）",
        "快递单号",
        "收件人姓名",
        "留空为小件",
    ):
        assert text in html, text
    for english in ("Manifest import", "Check and store", "Template (", "Recipient name"):
        assert english not in html, english
