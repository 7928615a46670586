"""The work calendar: working days (Mon–Fri plus CalendarDay exceptions) and working hours.

Any app that promises a deadline to a person counts in working time here:

    due = add_working_hours(timezone.now(), 4)          # 4 working hours from now
    spent = working_time_between(start, end)            # a timedelta of working time

Working hours come from settings.WORK_DAY_START / WORK_DAY_END ("08:30" / "17:30"), read at
call time; public holidays and make-up working days (调休) are logistics.CalendarDay rows.
Times are counted in settings.TIME_ZONE (Asia/Shanghai); results are aware datetimes.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

# No calendar has ten years without a working day; past that the configuration is broken.
MAX_DAYS = 3660


def _parse_time(name: str, value: str) -> time:
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{name} must look like 08:30, not {value!r}") from None


class WorkCalendar:
    """Working days and hours; one instance caches the CalendarDay rows it has read."""

    def __init__(self, *, day_start: time | None = None, day_end: time | None = None):
        self.day_start = day_start or _parse_time("WORK_DAY_START", settings.WORK_DAY_START)
        self.day_end = day_end or _parse_time("WORK_DAY_END", settings.WORK_DAY_END)
        if self.day_start >= self.day_end:
            raise ImproperlyConfigured("WORK_DAY_START must be earlier than WORK_DAY_END")
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self._exceptions: dict[date, bool] = {}
        self._years: set[int] = set()

    def is_workday(self, day: date) -> bool:
        if day.year not in self._years:
            self._load_year(day.year)
        if day in self._exceptions:
            return self._exceptions[day]
        return day.weekday() < 5

    def _load_year(self, year: int) -> None:
        from logistics.models import CalendarDay

        rows = CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday")
        self._exceptions.update(rows)
        self._years.add(year)

    def _local(self, moment: datetime) -> datetime:
        if timezone.is_naive(moment):
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def _window(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.day_start, tzinfo=self.tz),
            datetime.combine(day, self.day_end, tzinfo=self.tz),
        )

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The moment `amount` of working time after `start`."""
        cursor = self._local(start)
        if amount <= timedelta(0):
            return cursor
        remaining = amount
        day = cursor.date()
        for _ in range(MAX_DAYS):
            if self.is_workday(day):
                opens, closes = self._window(day)
                begin = max(cursor, opens)
                if begin < closes:
                    if remaining <= closes - begin:
                        return begin + remaining
                    remaining -= closes - begin
            day += timedelta(days=1)
            cursor = datetime.combine(day, time.min, tzinfo=self.tz)
        raise ImproperlyConfigured("The work calendar has no working day in ten years.")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The working time from `start` to `end` (zero when end is not after start)."""
        start, end = self._local(start), self._local(end)
        total = timedelta(0)
        day = start.date()
        while day <= end.date():
            if self.is_workday(day):
                opens, closes = self._window(day)
                overlap = min(closes, end) - max(opens, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total


def _hours(hours) -> timedelta:
    return timedelta(seconds=float(Decimal(str(hours)) * 3600))


def add_working_hours(start: datetime, hours, *, calendar: WorkCalendar | None = None) -> datetime:
    """`start` plus `hours` (int, float or Decimal) working hours on the work calendar."""
    return (calendar or WorkCalendar()).add(start, _hours(hours))


def add_working_time(
    start: datetime, amount: timedelta, *, calendar: WorkCalendar | None = None
) -> datetime:
    """`start` plus a timedelta of working time on the work calendar."""
    return (calendar or WorkCalendar()).add(start, amount)


def working_time_between(
    start: datetime, end: datetime, *, calendar: WorkCalendar | None = None
) -> timedelta:
    """The working time between two moments on the work calendar."""
    return (calendar or WorkCalendar()).between(start, end)


def is_working_day(day: date, *, calendar: WorkCalendar | None = None) -> bool:
    """True on Mon–Fri that are no holiday, and on make-up working days."""
    return (calendar or WorkCalendar()).is_workday(day)
