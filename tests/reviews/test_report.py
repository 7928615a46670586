"""The reviews tables of the weekly report (reviews/report.py): complaints closed within their
deadline per unit and the satisfaction rankings, from stored indicator values and index rows."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from logistics.indicators import Period
from logistics.models import IndicatorValue
from logistics.reports import build
from logistics.reports.show import report_view
from reviews.models import IndexRow
from tests.logistics.factories import DepartmentFactory
from tests.reviews.factories import IndexRowFactory, SubjectFactory

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
    assert titles == ["投诉", "各项服务满意度排名", "服务单位满意度排名"]
