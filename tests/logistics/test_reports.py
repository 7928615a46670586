"""The weekly report (logistics.reports): built once from stored indicator values, due on the
first working day from Monday, mailed once to the managers with HTML and an XLSX attached."""

import io
from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

from logistics import indicators, outbox, reports
from logistics.indicators import DOWN, NEUTRAL, UP, Indicator, Period, Unit
from logistics.models import CalendarDay, IndicatorValue, Notification, OutboxMessage, WeeklyReport
from logistics.reports import build
from logistics.reports import mail as reports_mail
from logistics.reports.show import report_view
from logistics.roles import Role
from tests.logistics.factories import BuildingFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

WEEK = date(2026, 11, 23)  # a Monday: ISO week 2026-W48
BEFORE = WEEK - timedelta(days=7)
NEXT_MONDAY = WEEK + timedelta(days=7)


@pytest.fixture
def registry(monkeypatch):
    """Two services' test indicators, and no report sections but the test's own."""
    monkeypatch.setattr(indicators, "_INDICATORS", {})
    monkeypatch.setattr(indicators, "_SERVICES", {})
    monkeypatch.setattr(reports, "_SECTIONS", {})

    def total(key):
        return indicators.total(key)

    indicators.register_indicators(
        "repairs",
        [
            Indicator("t.filed", _("Filed"), Unit.COUNT, NEUTRAL, total("t.filed")),
            Indicator("t.overdue", _("Overdue"), Unit.COUNT, DOWN, total("t.overdue"), threshold=3),
            Indicator("t.on_time", "On time", Unit.PERCENT, UP, total("t.on_time"), threshold=80),
        ],
    )
    indicators.register_indicators(
        "parcels",
        [Indicator("t.dwell", "Dwell", Unit.HOURS, DOWN, total("t.dwell"), threshold=48)],
    )


def stored(key, value, *, start=WEEK, scope=("site", 0), attention=False):
    kind, scope_id = scope
    return IndicatorValue.objects.create(
        key=key,
        scope_kind=kind,
        scope_id=scope_id,
        period=Period.WEEK,
        start=start,
        end=start + timedelta(days=6),
        value=value,
        attention=attention,
        computed_at=timezone.now(),
    )


def at(day: date, hour=8) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))


@pytest.fixture
def week_values(registry):
    stored("t.filed", 40)
    stored("t.filed", 30, start=BEFORE)
    stored("t.overdue", 5, attention=True)
    stored("t.overdue", 2, start=BEFORE)
    stored("t.on_time", 90.5)
    stored("t.dwell", 20.25)
    stored("t.dwell", 30, start=BEFORE)


def test_it_builds_the_weeks_indicators_with_their_change(week_values):
    report = build.report_build(start=WEEK + timedelta(days=3), now=at(NEXT_MONDAY))

    assert (report.week, report.start, report.attention) == ("2026-W48", WEEK, 1)
    data = report.snapshot
    assert [s["key"] for s in data["services"]] == ["repairs", "parcels"]
    assert data["services"][0]["label"] == {"zh-hans": "报修", "en": "Repairs"}
    site = {row["key"]: row for row in data["site"]}
    assert site["t.overdue"] == {"key": "t.overdue", "value": 5, "previous": 2, "attention": True}
    assert site["t.on_time"]["previous"] is None  # no value the week before
    assert data["indicators"]["t.overdue"]["label"] == {"zh-hans": "超时", "en": "Overdue"}

    shown = report_view(report)
    repairs = shown.groups[0]
    assert [line.key for line in repairs["lines"]] == ["t.filed", "t.overdue", "t.on_time"]
    overdue = repairs["lines"][1]
    assert (overdue.change, overdue.better, overdue.shown_change) == (3, False, "+3")
    assert shown.groups[1]["lines"][0].better is True  # dwell went down
    assert [line.key for line in shown.attention] == ["t.overdue"]


def test_a_report_is_built_once_and_never_changes(week_values):
    first = build.report_build(start=WEEK, now=at(NEXT_MONDAY))
    IndicatorValue.objects.filter(key="t.overdue", start=WEEK).update(value=99)

    again = build.report_build(start=WEEK, now=at(NEXT_MONDAY + timedelta(days=1)))

    assert again.pk == first.pk and WeeklyReport.objects.count() == 1
    assert {r["key"]: r["value"] for r in again.snapshot["site"]}["t.overdue"] == 5
    assert again.built_at == at(NEXT_MONDAY)


def test_it_refuses_a_week_that_is_not_over(registry):
    with pytest.raises(ValueError, match="not over"):
        build.report_build(start=WEEK, now=at(WEEK + timedelta(days=6), hour=23))


def test_it_ranks_the_five_worst_buildings_and_units_per_service(registry):
    buildings = [BuildingFactory(name=f"楼{n}", name_en=f"Hall {n}") for n in range(6)]
    unit = DepartmentFactory(name="水电中心", name_en="Utilities")
    stored("t.overdue", 1)
    # two flagged indicators beat one; among equals the lead (overdue) decides, worst first
    for building, overdue, flagged in zip(
        buildings, [1, 9, 4, 7, 2, 8], [0, 1, 0, 1, 0, 1], strict=True
    ):
        scope = ("building", building.id)
        stored("t.overdue", overdue, scope=scope, attention=bool(flagged))
        stored("t.filed", 1000, scope=scope)  # a volume never ranks
    stored("t.on_time", 10, scope=("building", buildings[0].id), attention=True)
    stored("t.overdue", 8, scope=("department", unit.id), attention=True)
    stored("t.on_time", 50, scope=("department", unit.id), attention=True)
    stored("t.dwell", 100, scope=("building", buildings[2].id), attention=True)

    report = build.report_build(start=WEEK, now=at(NEXT_MONDAY))

    repairs, parcels = report.snapshot["worst"]
    assert repairs["service"] == "repairs" and repairs["lead"] == "t.overdue"
    ranked = [row["name"]["en"] for row in repairs["rows"]]
    assert ranked == ["Utilities", "Hall 1", "Hall 5", "Hall 3", "Hall 0"]
    assert repairs["rows"][0]["attention"] == ["t.overdue", "t.on_time"]
    assert [row["name"]["zh-hans"] for row in parcels["rows"]] == ["楼2"]
    shown = report_view(report)
    assert shown.worst[0]["rows"][0]["flagged"] == "Overdue 8; On time 50.0%"


def test_a_registered_section_is_kept_in_every_language(week_values):
    unit = DepartmentFactory(name="膳食科", name_en="Dining office")
    reports.register_report_section(
        "test.ranking",
        title=_("Satisfaction ranking"),
        build=lambda start: reports.Table(
            columns=[
                reports.Column("who", _("Unit")),
                reports.Column("score", _("Mean"), Unit.SCORE),
            ],
            rows=[[{"zh-hans": unit.name, "en": unit.name_en}, 4.25], [_("Whole site"), None]],
            note="as of " + start.isoformat(),
        ),
    )

    report = build.report_build(start=WEEK, now=at(NEXT_MONDAY))

    (section,) = report.snapshot["sections"]
    assert section["title"]["en"] == "Satisfaction ranking"
    assert section["rows"][0] == [{"zh-hans": "膳食科", "en": "Dining office"}, 4.25]
    assert section["note"]["en"] == "as of 2026-11-23"
    assert report_view(report).sections[0]["rows"][0][1]["shown"] == "4.2"


# --- when it is due ----------------------------------------------------------------------------


def test_it_is_due_on_monday_or_the_next_working_day():
    assert build.due_day(WEEK) == NEXT_MONDAY
    CalendarDay.objects.create(date=NEXT_MONDAY, name="假日")
    assert build.due_day(WEEK) == NEXT_MONDAY + timedelta(days=1)


def test_a_holiday_monday_waits_for_the_next_working_day(registry):
    CalendarDay.objects.create(date=NEXT_MONDAY, name="假日")

    assert build.weeks_due(NEXT_MONDAY) == []
    assert build.weeks_due(NEXT_MONDAY + timedelta(days=1)) == [WEEK]


def test_a_holiday_week_sends_both_missed_weeks_on_the_first_working_day(registry):
    stored("t.overdue", 1, start=BEFORE)
    WeeklyReport.objects.create(
        week="2026-W46", start=BEFORE - timedelta(days=7), built_at=at(BEFORE), mailed_at=at(BEFORE)
    )
    # the Monday after BEFORE and the whole week after it off: both reports come on Tuesday
    for offset in range(8):
        CalendarDay.objects.create(date=WEEK + timedelta(days=offset), name="春节")
    tuesday = NEXT_MONDAY + timedelta(days=1)
    assert build.weeks_due(NEXT_MONDAY) == []
    assert build.weeks_due(tuesday) == [BEFORE, WEEK]


def test_a_deleted_latest_report_is_built_again(week_values):
    build.report_build(start=BEFORE, now=at(WEEK)).delete()
    mailed = build.report_build(start=BEFORE - timedelta(days=7), now=at(WEEK))
    WeeklyReport.objects.filter(pk=mailed.pk).update(mailed_at=at(WEEK))
    assert build.weeks_due(NEXT_MONDAY) == [BEFORE, WEEK]


def test_a_portal_without_reports_starts_with_last_week(registry):
    assert build.weeks_due(NEXT_MONDAY + timedelta(days=10)) == [NEXT_MONDAY]


# --- mailing -----------------------------------------------------------------------------------


@pytest.fixture
def managers(db):
    return [
        UserFactory(username="m2001", roles=[Role.LOGISTICS_MANAGER], language="zh-hans"),
        UserFactory(username="m2002", roles=[Role.LOGISTICS_MANAGER], language="en"),
        UserFactory(username="m2003", roles=[Role.LOGISTICS_MANAGER], email=""),
        UserFactory(username="m2004", roles=[Role.LOGISTICS_MANAGER], is_active=False),
        UserFactory(username="s2001", roles=[Role.SUPERVISOR]),
    ]


def deliver_all():
    for message_id in OutboxMessage.objects.values_list("id", flat=True):
        outbox.deliver(str(message_id))


def test_it_mails_the_week_once_to_each_manager(week_values, managers):
    assert reports_mail.weekly_reports_send(now=at(NEXT_MONDAY)) == ["2026-W48"]
    assert reports_mail.weekly_reports_send(now=at(NEXT_MONDAY, hour=9)) == []
    assert reports_mail.weekly_reports_send(now=at(NEXT_MONDAY + timedelta(days=1))) == []
    deliver_all()

    notified = Notification.objects.filter(kind=reports_mail.KIND)
    assert sorted(n.recipient.username for n in notified) == ["m2001", "m2002", "m2003"]
    assert sorted(m.to[0] for m in mail.outbox) == ["m2001@example.edu.cn", "m2002@example.edu.cn"]
    report = WeeklyReport.objects.get()
    assert report.mailed_at == at(NEXT_MONDAY)
    assert notified.first().url == "/manage/reports/2026-W48/"


def test_a_second_claim_of_a_mailed_report_sends_nothing(week_values, managers):
    report = build.report_build(start=WEEK, now=at(NEXT_MONDAY))
    stale = WeeklyReport.objects.get(pk=report.pk)  # as a racing run read it

    assert reports_mail.report_mail(report=report, now=at(NEXT_MONDAY)) is True
    assert reports_mail.report_mail(report=stale, now=at(NEXT_MONDAY)) is False
    assert OutboxMessage.objects.count() == 2


def test_the_email_has_an_html_body_and_the_workbook_in_each_language(week_values, managers):
    reports_mail.weekly_reports_send(now=at(NEXT_MONDAY))
    deliver_all()

    by_address = {m.to[0]: m for m in mail.outbox}
    chinese, english = by_address["m2001@example.edu.cn"], by_address["m2002@example.edu.cn"]
    assert chinese.subject == "周报 2026-W48" and english.subject == "Weekly report 2026-W48"
    html, mimetype = english.alternatives[0]
    assert mimetype == "text/html"
    assert "Overdue" in html and "needs attention" in html and "http://" in html
    assert "超时" in chinese.alternatives[0][0]
    assert "Overdue: 5 (+3)" in english.body

    (filename, content, mimetype) = english.attachments[0]
    assert filename == "weekly-report-2026-W48.xlsx" and "spreadsheetml" in mimetype
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["Indicators"]
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("Service", "Indicator", "Key", "This week", "Week before", "Change")
    overdue = next(row for row in rows if row[2] == "t.overdue")
    assert overdue[3:6] == (5, 2, 3) and isinstance(overdue[3], int | float)
    assert sheet.column_dimensions["B"].width >= 10
    chinese_book = load_workbook(io.BytesIO(chinese.attachments[0][1]))
    assert chinese_book.sheetnames[0] == "指标"


def test_an_email_of_a_deleted_report_fails_for_good(week_values, managers):
    reports_mail.weekly_reports_send(now=at(NEXT_MONDAY))
    WeeklyReport.objects.all().delete()
    deliver_all()

    assert mail.outbox == []
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"failed"}
