"""CSV/XLSX export of repair requests: columns, period, scope, access, bad input."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from logistics.models import StaffScope
from logistics.roles import Role
from repairs.export import COLUMNS, header_row
from repairs.models import RepairRequest
from tests.logistics.factories import BuildingFactory, RoomFactory, UserFactory
from tests.repairs.factories import CategoryFactory, RepairRequestFactory

pytestmark = pytest.mark.django_db


def filed(days_ago: float, **fields) -> RepairRequest:
    request = RepairRequestFactory(**fields)
    created = timezone.now() - timedelta(days=days_ago)
    RepairRequest.objects.filter(pk=request.pk).update(created_at=created)
    request.refresh_from_db()
    return request


def csv_rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # Excel needs the BOM to read UTF-8
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


def period(days=30) -> dict:
    today = timezone.localdate()
    return {
        "start": (today - timedelta(days=days - 1)).isoformat(),
        "end": today.isoformat(),
        "headers": "keys",
    }


def test_it_exports_one_csv_row_per_request_of_the_period(client, manager):
    room = RoomFactory(number="305")
    category = CategoryFactory(code="water-tap", name="水龙头")
    request = filed(2, room=room, category=category, description="水龙头漏水", rating=4)
    filed(3)
    filed(60)  # outside the period
    client.force_login(manager)

    response = client.get(reverse("repairs:export"), {**period(), "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert len(rows) == 2
    first = rows[1]  # oldest first: the one filed 3 days ago comes before
    assert list(first) == header_row()
    assert first["number"] == request.number
    assert first["category_code"] == "water-tap"
    assert first["category"] == "水龙头"
    assert first["room"] == "305"
    assert first["building_code"] == room.building.code
    assert first["description"] == "水龙头漏水"
    assert first["rating"] == "4"
    assert first["created_at"] == timezone.localtime(request.created_at).strftime(
        "%Y-%m-%d %H:%M:%S"
    )


def test_it_exports_xlsx_with_the_same_columns(client, manager):
    request = filed(1, description="灯不亮")
    client.force_login(manager)

    response = client.get(reverse("repairs:export"), {**period(), "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert list(rows[0]) == header_row()
    assert len(rows) == 2
    values = dict(zip(rows[0], rows[1], strict=True))
    assert values["number"] == request.number
    assert values["description"] == "灯不亮"
    assert values["created_at"] == timezone.localtime(request.created_at).replace(
        tzinfo=None, microsecond=0
    )
    assert values["reopen_count"] == 0


def test_it_labels_the_columns_in_the_users_language_unless_keys_are_asked(client, manager):
    filed(1)
    client.force_login(manager)
    query = {**period(), "format": "csv"}
    del query["headers"]

    chinese = b"".join(client.get(reverse("repairs:export"), query).streaming_content)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = b"".join(client.get(reverse("repairs:export"), query).streaming_content)

    assert chinese.decode("utf-8").startswith("\ufeff编号,")
    assert english.decode("utf-8").startswith("\ufeffNumber,Status code,Status,")


def test_it_defuses_cells_that_a_spreadsheet_would_run_as_formulas(client, manager):
    filed(1, description='=HYPERLINK("http://evil.example")')
    client.force_login(manager)

    rows = csv_rows(client.get(reverse("repairs:export"), period()))

    assert rows[0]["description"].startswith("'=")


def test_it_exports_only_what_a_dispatcher_may_see(client):
    mine, theirs = BuildingFactory(), BuildingFactory()
    dispatcher = UserFactory(roles=[Role.REPAIR_DISPATCHER])
    StaffScope.objects.create(user=dispatcher, role=Role.REPAIR_DISPATCHER, building=mine)
    visible = filed(1, room=RoomFactory(building=mine))
    filed(1, room=RoomFactory(building=theirs))
    client.force_login(dispatcher)

    rows = csv_rows(client.get(reverse("repairs:export"), period()))

    assert [row["number"] for row in rows] == [visible.number]


def test_it_refuses_the_export_to_students_and_technicians(client, student, technician):
    filed(1, requester=student)
    for user in (student, technician):
        client.force_login(user)
        assert client.get(reverse("repairs:export"), period()).status_code == 403


def test_it_answers_a_bad_period_with_the_form_errors(client, manager):
    client.force_login(manager)

    response = client.get(reverse("repairs:export"), {"start": "yesterday", "format": "csv"})

    assert response.status_code == 400
    assert response.context["form"].errors["start"]


def test_it_reads_the_export_in_one_query_whatever_the_size(
    client, manager, django_assert_max_num_queries
):
    for _ in range(30):
        filed(1, assigned=True)
    client.force_login(manager)
    manager.role_names  # noqa: B018

    # session, user, groups, the rows; a server-side cursor on PostgreSQL adds no queries
    with django_assert_max_num_queries(5):
        rows = csv_rows(client.get(reverse("repairs:export"), period()))
    assert len(rows) == 30


def test_it_documents_every_column(settings):
    doc = (settings.BASE_DIR / "docs" / "repairs-export.md").read_text()

    missing = [column.key for column in COLUMNS if f"`{column.key}`" not in doc]
    assert missing == []
