"""The weekly reports' pages: the list, one report compared with another week, its workbook;
for logistics managers, supervisors and superusers only."""

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from logistics.models import WeeklyReport
from logistics.roles import Role
from tests.logistics.factories import UserFactory

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 23)  # 2026-W48


def snapshot(week: str, start: date, overdue: float, previous: float | None) -> dict:
    label = {"zh-hans": "超时", "en": "Overdue"}
    return {
        "version": 1,
        "week": week,
        "start": start.isoformat(),
        "end": (start + timedelta(days=6)).isoformat(),
        "services": [{"key": "repairs", "label": {"zh-hans": "报修", "en": "Repairs"}}],
        "indicators": {
            "t.overdue": {
                "service": "repairs",
                "label": label,
                "unit": "count",
                "good": "down",
                "threshold": 3,
                "link": "/repairs/queue/?overdue=true",
            }
        },
        "site": [
            {"key": "t.overdue", "value": overdue, "previous": previous, "attention": overdue > 3}
        ],
        "worst": [
            {
                "service": "repairs",
                "lead": "t.overdue",
                "rows": [
                    {
                        "kind": "building",
                        "id": 7,
                        "name": {"zh-hans": "一号楼", "en": "Hall 1"},
                        "values": {"t.overdue": 4},
                        "attention": ["t.overdue"],
                    }
                ],
            }
        ],
        "sections": [
            {
                "key": "test.ranking",
                "title": {"zh-hans": "满意度排名", "en": "Satisfaction ranking"},
                "note": None,
                "columns": [
                    {"key": "who", "label": {"zh-hans": "单位", "en": "Unit"}, "unit": ""},
                    {"key": "mean", "label": {"zh-hans": "均分", "en": "Mean"}, "unit": "score"},
                ],
                "rows": [[{"zh-hans": "膳食科", "en": "Dining office"}, 4.5]],
            }
        ],
    }


def make_report(start: date, overdue: float, previous: float | None = None) -> WeeklyReport:
    year, week, _ = start.isocalendar()
    label = f"{year}-W{week:02d}"
    return WeeklyReport.objects.create(
        week=label,
        start=start,
        built_at=timezone.now(),
        attention=int(overdue > 3),
        snapshot=snapshot(label, start, overdue, previous),
    )


@pytest.fixture
def supervisor(db):
    return UserFactory(username="v1001", roles=[Role.SUPERVISOR])


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_it_lists_the_reports_newest_first_in_constant_queries(
    client, manager, django_assert_num_queries
):
    for back in range(3):
        make_report(WEEK - timedelta(weeks=back), overdue=back)
    client.force_login(manager)
    client.get("/manage/reports/")  # warm the session's caches

    with django_assert_num_queries(2):
        response = client.get("/manage/reports/")
    for back in range(3, 8):
        make_report(WEEK - timedelta(weeks=back), overdue=back)
    with django_assert_num_queries(2):
        response = client.get("/manage/reports/")

    weeks = [r.week for r in response.context["page"]]
    assert weeks[:3] == ["2026-W48", "2026-W47", "2026-W46"] and len(weeks) == 8


def test_a_report_has_a_permanent_page_with_its_change(
    client, manager, english, django_assert_num_queries
):
    for back in range(1, 4):
        make_report(WEEK - timedelta(weeks=back), overdue=back)
    make_report(WEEK, overdue=5, previous=2)
    client.force_login(manager)
    english.get("/manage/reports/2026-W48/")

    with django_assert_num_queries(
        3
    ):  # session, user (with its roles and unread count), the report, the weeks to compare
        response = english.get("/manage/reports/2026-W48/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "Weekly report 2026-W48" in text and "2026-11-23 to 2026-11-29" in text
    assert 'href="/repairs/queue/?overdue=true"' in text
    assert "+3" in text and "needs attention" in text
    assert "Hall 1" in text and "Dining office" in text and "4.5" in text
    assert "reports-print.css" in text and 'media="print"' in text


def test_it_compares_with_another_stored_report(client, manager, english):
    make_report(WEEK - timedelta(weeks=2), overdue=9)
    make_report(WEEK, overdue=5, previous=2)
    client.force_login(manager)

    response = english.get("/manage/reports/2026-W48/?compare=2026-W46")

    (line,) = response.context["shown"].groups[0]["lines"]
    assert (line.previous, line.shown_change, line.better) == (9, "-4", True)
    assert '<option value="2026-W46" selected>' in response.content.decode()


def test_an_unknown_week_to_compare_is_answered_with_a_message(client, manager, english):
    make_report(WEEK, overdue=5, previous=2)
    client.force_login(manager)

    response = english.get("/manage/reports/2026-W48/?compare=<b>nonsense")

    assert response.status_code == 200
    assert "There is no report of week &lt;b&gt;nonsense" in response.content.decode()
    assert response.context["shown"].groups[0]["lines"][0].previous == 2


def test_the_report_page_speaks_chinese_by_default(client, supervisor):
    make_report(WEEK, overdue=5, previous=2)
    client.force_login(supervisor)

    text = client.get("/manage/reports/2026-W48/").content.decode()

    assert "周报 2026-W48" in text and "超时" in text and "一号楼" in text


def test_the_workbook_downloads_with_numbers_as_numbers(client, supervisor, english):
    make_report(WEEK, overdue=5, previous=2)
    client.force_login(supervisor)

    response = english.get("/manage/reports/2026-W48/xlsx")

    assert response["Content-Disposition"] == 'attachment; filename="weekly-report-2026-W48.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Indicators", "Five worst", "Satisfaction ranking"]
    rows = list(book["Indicators"].iter_rows(values_only=True))
    assert rows[1][:6] == ("Repairs", "Overdue", "t.overdue", 5, 2, 3)
    assert list(book["Satisfaction ranking"].iter_rows(values_only=True))[1] == (
        "Dining office",
        4.5,
    )


@pytest.mark.parametrize("path", ["/manage/reports/", "/manage/reports/2026-W48/"])
def test_only_managers_and_supervisors_see_reports(client, student, technician, path):
    make_report(WEEK, overdue=5)
    assert client.get(path).status_code == 302  # to the sign-in page
    for user in (student, technician):
        client.force_login(user)
        assert client.get(path).status_code == 403


def test_a_week_without_a_report_is_not_found(client, manager):
    make_report(WEEK, overdue=5)
    client.force_login(manager)

    assert client.get("/manage/reports/2026-W47/").status_code == 404
    assert client.get("/manage/reports/nonsense/").status_code == 404
    assert client.get("/manage/reports/2026-W47/xlsx").status_code == 404


def test_the_manager_overview_links_the_latest_reports(client, manager, english):
    make_report(WEEK - timedelta(weeks=1), overdue=1)
    make_report(WEEK, overdue=5)
    client.force_login(manager)

    text = english.get("/manage/overview/").content.decode()

    assert 'href="/manage/reports/2026-W48/"' in text and "1 needs attention" in text
    assert text.index("2026-W48") < text.index("2026-W47")
    assert 'href="/manage/reports/"' in text
