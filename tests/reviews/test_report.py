"""The reviews tables of the weekly report (reviews/report.py): complaints closed within their
deadline per unit and the satisfaction rankings, from stored indicator values and index rows."""

import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import load_workbook

from logistics import outbox
from logistics.indicators import Period
from logistics.models import IndicatorValue, OutboxMessage
from logistics.reports import build
from logistics.reports import mail as reports_mail
from logistics.reports.show import report_view
from reviews.complaints.workflow import overdue_q
from reviews.models import Complaint, IndexRow
from reviews.report import open_complaints_table
from tests.logistics.factories import DepartmentFactory
from tests.reviews.factories import ComplaintFactory, IndexRowFactory, SubjectFactory

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 23)


def stored(key, value, *, start=WEEK, scope=("site", 0)):
    IndicatorValue.objects.create(
        key=key,
        scope_kind=scope[0],
        scope_id=scope[1],
        period=Period.WEEK,
        start=start,
        end=start + timedelta(days=6),
        value=value,
        computed_at=timezone.now(),
    )


def sections(start=WEEK):
    return {s["key"]: s for s in build.snapshot(start)["sections"]}


def test_complaints_list_the_site_then_the_units_with_the_lowest_share_first():
    water = DepartmentFactory(name="水电中心", name_en="Utilities")
    canteens = DepartmentFactory(name="饮食中心", name_en="Canteens")
    stored("reviews.complaints", 12)
    stored("reviews.complaints_on_time", 75)
    stored("reviews.complaints_on_time", 80, start=WEEK - timedelta(days=7))
    for unit, filed, on_time in ((water, 4, 90), (canteens, 8, 50)):
        stored("reviews.complaints", filed, scope=("department", unit.id))
        stored("reviews.complaints_on_time", on_time, scope=("department", unit.id))

    table = sections()["reviews.complaints"]

    assert [row[0]["en"] for row in table["rows"]] == ["Whole site", "Canteens", "Utilities"]
    assert table["rows"][0][1:] == [12, 75, -5]
    assert table["rows"][1][0]["zh-hans"] == "饮食中心"
    assert table["columns"][2]["label"]["zh-hans"] == "按时办结"


def test_services_are_ranked_by_their_satisfaction():
    stored("reviews.satisfaction.repairs", 3.9)
    stored("reviews.satisfaction.dining", 4.4)
    stored("reviews.satisfaction.dining", 4.0, start=WEEK - timedelta(days=7))

    table = sections()["reviews.services"]

    assert [row[1] for row in table["rows"]] == [4.4, 3.9]
    assert table["rows"][0][3] == pytest.approx(0.4)


def test_units_are_ranked_by_the_weeks_index_rows():
    for name, adjusted, reviews in (("A", 3.1, 20), ("B", 4.6, 12), ("C", 4.9, 2)):
        IndexRowFactory(
            subject=SubjectFactory(name=f"单位{name}", name_en=f"Unit {name}"),
            period=IndexRow.Period.WEEK,
            period_start=WEEK,
            adjusted_mean=adjusted,
            reviews=reviews,
            satisfied_share=0.5,
        )

    table = sections()["reviews.units"]

    assert [row[0]["en"] for row in table["rows"]] == ["Unit B", "Unit A"]  # C: too few reviews
    assert table["rows"][0][1:] == [4.6, 12, 50]
    assert table["note"]["en"] == "Units with at least 5 reviews this week."


def test_the_tables_show_in_the_report_in_each_language(settings):
    stored("reviews.satisfaction.repairs", 3.9)
    report = build.report_build(start=WEEK, now=timezone.now())

    from django.utils import translation

    with translation.override("zh-hans"):
        titles = [s["title"] for s in report_view(report).sections]
    assert titles == ["投诉", "当前未办结与超时的投诉", "各项服务满意度排名", "服务单位满意度排名"]


@pytest.fixture
def open_complaints(db):
    """Utilities: three open, two of them overdue (one not acknowledged in time, one not
    resolved in time), one closed long overdue; Canteens: one open, in time."""
    water = DepartmentFactory(name="水电中心", name_en="Utilities")
    canteens = DepartmentFactory(name="饮食中心", name_en="Canteens")
    old = timezone.now() - timedelta(days=5)
    Status = Complaint.Status
    ComplaintFactory(department=water, created_at=old)  # submitted, never acknowledged
    ComplaintFactory(department=water, created_at=old, status=Status.ACKNOWLEDGED)
    ComplaintFactory(department=water)  # in time
    ComplaintFactory(department=water, created_at=old, status=Status.CLOSED)
    ComplaintFactory(department=canteens)
    return water, canteens


def test_the_complaints_open_and_overdue_now_per_unit_by_the_inboxs_rule(
    open_complaints, django_assert_num_queries
):
    water, _canteens = open_complaints
    with django_assert_num_queries(2):  # the counts by unit, the units' names
        table = open_complaints_table(WEEK)

    rows = [[name if isinstance(name, Promise) else name(), *rest] for name, *rest in table.rows]
    assert [row[1:] for row in rows] == [[4, 2], [3, 2], [1, 0]]  # the site, the most overdue
    assert str(rows[0][0]) == "Whole site" and rows[1][0] == str(water)
    # the same complaints the inbox's "Overdue" filter lists
    assert Complaint.objects.filter(overdue_q()).count() == 2
    assert table.link == reverse("reviews:complaint-list") + "?overdue=true"


def test_the_report_page_mail_and_workbook_show_them_with_the_overdue_link(
    open_complaints, client, manager
):
    report = build.report_build(start=WEEK, now=timezone.now())
    inbox = reverse("reviews:complaint-list") + "?overdue=true"
    client.force_login(manager)

    page = client.get(report.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Complaints open and overdue now" in page
    assert f'href="{inbox}"' in page

    manager.language = "en"
    manager.save(update_fields=["language"])
    reports_mail.report_mail(report=report)
    for message_id in OutboxMessage.objects.values_list("id", flat=True):
        outbox.deliver(str(message_id))
    [sent] = [m for m in mail.outbox if m.to == [manager.email]]
    html = sent.alternatives[0][0]
    assert f'href="{outbox.absolute_url(inbox)}"' in html
    assert "Utilities: Open now 3, Overdue now 2" in sent.body
    assert outbox.absolute_url(inbox) in sent.body

    workbook = load_workbook(io.BytesIO(sent.attachments[0][1]))
    rows = list(workbook["Complaints open and overdue now"].iter_rows(values_only=True))
    assert rows[0] == ("Service unit", "Open now", "Overdue now")
    assert rows[1:] == [("Whole site", 4, 2), ("Utilities", 3, 2), ("Canteens", 1, 0)]
