"""When a station is open: every day but its own closed days (StationClosedDay) and, when it
follows them, the campus calendar's holidays (logistics.CalendarDay, the work calendar's
exceptions). Free storage and the return period count open days: each closed day in between
moves a deadline one day later, and a deadline never falls on a closed day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from logistics.models import CalendarDay
from parcels.models import Station, StationClosedDay

# Days read at once past what a deadline needs; a longer closure reads the next stretch.
MARGIN_DAYS = 45
# No station is closed for ten years: past that the calendar is wrong, not the parcel.
MAX_DAYS = 3660


class StationCalendar:
    """The open days of one station; reads its closed days (one query) as far as asked."""

    def __init__(self, station: Station):
        self.station = station
        self._closed: set[date] = set()
        self._read: tuple[date, date] | None = None

    def is_open(self, day: date) -> bool:
        self._cover(day)
        return day not in self._closed

    def _cover(self, day: date) -> None:
        if self._read and self._read[0] <= day <= self._read[1]:
            return
        start = min(day, self._read[0]) if self._read else day
        end = max(day, self._read[1] if self._read else day)
        end += timedelta(days=self.station.return_days + MARGIN_DAYS)
        self._closed = self._closed_between(start, end)
        self._read = (start, end)

    def _closed_between(self, start: date, end: date) -> set[date]:
        own = StationClosedDay.objects.filter(station=self.station, date__range=(start, end))
        # unordered: SQLite refuses ORDER BY (the models' default) inside a UNION
        dates = own.order_by().values_list("date", flat=True)
        if self.station.closed_on_holidays:
            holidays = CalendarDay.objects.filter(date__range=(start, end), is_workday=False)
            dates = dates.union(holidays.order_by().values_list("date", flat=True))
        return set(dates)

    def add_open_days(self, moment: datetime, days: int) -> datetime:
        """`moment` plus `days` days, not counting the closed days after it: the deadline is at
        the same time of day, on an open day."""
        local = timezone.localtime(moment)
        day, left = local.date(), days
        for _ in range(MAX_DAYS):
            if left <= 0:
                break
            day += timedelta(days=1)
            if self.is_open(day):
                left -= 1
        return local.replace(year=day.year, month=day.month, day=day.day)

    def next_opening(self, moment: datetime) -> datetime | None:
        """None while the station is open at `moment` or opens later that day; else when it
        opens next (its opening time on the next open day)."""
        local = timezone.localtime(moment)
        day = local.date()
        if self.is_open(day) and local.time() < self.station.closes_at:
            return None
        for _ in range(MAX_DAYS):
            day += timedelta(days=1)
            if self.is_open(day):
                break
        opens = datetime.combine(day, self.station.opens_at)
        return timezone.make_aware(opens, timezone.get_current_timezone())
