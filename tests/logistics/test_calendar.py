"""The work calendar: working hours added and counted over evenings, weekends and holidays."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from logistics.models import CalendarDay
from logistics.workcalendar import (
    WorkCalendar,
    add_working_hours,
    is_working_day,
    working_time_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_it_adds_hours_within_the_working_day():
    # 2026-11-25 is a Wednesday.
    assert add_working_hours(at(2026, 11, 25, 9, 0), 4) == at(2026, 11, 25, 13, 0)


def test_it_carries_the_rest_to_the_next_working_day_after_a_weekend():
    # Friday 17:00 + 4 h: 30 min on Friday, 3.5 h from Monday 08:30.
    assert add_working_hours(at(2026, 11, 27, 17, 0), 4) == at(2026, 11, 30, 12, 0)


def test_it_starts_counting_at_opening_time_when_filed_at_night():
    assert add_working_hours(at(2026, 11, 25, 6, 0), 1) == at(2026, 11, 25, 9, 30)
    assert add_working_hours(at(2026, 11, 25, 22, 0), 1) == at(2026, 11, 26, 9, 30)


def test_it_skips_a_holiday_on_a_weekday():
    CalendarDay.objects.create(date=date(2026, 11, 26), name="假日")
    assert add_working_hours(at(2026, 11, 25, 17, 0), 1) == at(2026, 11, 27, 9, 0)
    assert not is_working_day(date(2026, 11, 26))


def test_it_works_on_a_make_up_saturday():
    CalendarDay.objects.create(date=date(2026, 11, 28), is_workday=True, name="调休")
    assert add_working_hours(at(2026, 11, 27, 17, 30), 2) == at(2026, 11, 28, 10, 30)


def test_it_accepts_fractional_and_decimal_hours():
    from decimal import Decimal

    assert add_working_hours(at(2026, 11, 25, 9, 0), Decimal("1.5")) == at(2026, 11, 25, 10, 30)
    assert add_working_hours(at(2026, 11, 25, 9, 0), 0.25) == at(2026, 11, 25, 9, 15)


def test_it_returns_the_start_for_zero_hours():
    assert add_working_hours(at(2026, 11, 29, 3, 0), 0) == at(2026, 11, 29, 3, 0)


def test_it_spans_several_days_for_long_targets():
    # 24 working hours from Wednesday 08:30 = 2 days and 6 h: Friday 14:30.
    assert add_working_hours(at(2026, 11, 25, 8, 30), 24) == at(2026, 11, 27, 14, 30)
    # Exactly three 9-hour days end at Friday's closing; one hour more is Monday morning.
    assert add_working_hours(at(2026, 11, 25, 8, 30), 27) == at(2026, 11, 27, 17, 30)
    assert add_working_hours(at(2026, 11, 25, 8, 30), 28) == at(2026, 11, 30, 9, 30)


def test_it_counts_working_time_between_two_moments():
    # Friday 16:30 → Monday 09:30 is one hour on Friday and one on Monday.
    assert working_time_between(at(2026, 11, 27, 16, 30), at(2026, 11, 30, 9, 30)) == timedelta(
        hours=2
    )
    assert working_time_between(at(2026, 11, 30, 9, 30), at(2026, 11, 27, 16, 30)) == timedelta(0)


def test_it_counts_back_what_it_added():
    start = at(2026, 11, 25, 15, 10)
    end = add_working_hours(start, 13)
    assert working_time_between(start, end) == timedelta(hours=13)


def test_it_reads_the_working_hours_from_settings(settings):
    settings.WORK_DAY_START, settings.WORK_DAY_END = "09:00", "12:00"
    assert add_working_hours(at(2026, 11, 25, 11, 0), 2) == at(2026, 11, 26, 10, 0)


def test_it_refuses_a_malformed_working_day(settings):
    settings.WORK_DAY_START = "half past eight"
    with pytest.raises(ImproperlyConfigured, match="WORK_DAY_START"):
        WorkCalendar()
    settings.WORK_DAY_START, settings.WORK_DAY_END = "18:00", "09:00"
    with pytest.raises(ImproperlyConfigured, match="earlier"):
        WorkCalendar()


def test_it_counts_in_shanghai_time_whatever_the_input_zone():
    # 01:00 UTC on Wednesday is 09:00 in Shanghai.
    start = datetime(2026, 11, 25, 1, 0, tzinfo=ZoneInfo("UTC"))
    due = add_working_hours(start, 1)
    assert due == at(2026, 11, 25, 10, 0)
    assert due.utcoffset() == timedelta(hours=8)


def test_it_treats_naive_times_as_local():
    assert add_working_hours(datetime(2026, 11, 25, 9, 0), 1) == at(2026, 11, 25, 10, 0)


def test_it_reads_the_calendar_days_once_per_year(django_assert_num_queries):
    calendar = WorkCalendar()
    with django_assert_num_queries(2):
        calendar.add(at(2026, 12, 30, 9, 0), timedelta(hours=40))  # 2026 and 2027
        calendar.between(at(2026, 12, 1, 9, 0), at(2027, 1, 10, 9, 0))
