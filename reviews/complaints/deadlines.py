"""Deadlines of complaints: clock hours, kept inside working time (logistics.workcalendar).

The form promises "we answer within 24 hours", so the clock runs on calendar hours from the
moment of filing. Two corrections keep the promise honest for both sides:

- a deadline never falls outside working time: one that lands in the evening, at a weekend or
  on a holiday (a CalendarDay) moves on to the opening of the next working day;
- the department always gets at least min(hours, one working day) of working time, so a
  complaint filed on Friday evening is not overdue at 08:30 on Monday.

Example (working day 08:30–17:30): filed Monday 10:00 with 24 h → due Tuesday 10:00; filed
Friday 18:00 with 24 h → Saturday 18:00 is outside working time → due Monday 17:30 (one
working day); filed before a three-day holiday → due the first working day after it.
"""

from datetime import datetime, time, timedelta

from django.conf import settings

from logistics.workcalendar import MAX_DAYS, WorkCalendar


def hours_for(department) -> tuple[int, int]:
    """(acknowledge hours, resolve hours) of `department`: its ComplaintPolicy or the settings."""
    policy = getattr(department, "complaint_policy", None) if department is not None else None
    if policy is not None:
        return policy.acknowledge_hours, policy.resolve_hours
    return (
        settings.REVIEWS_COMPLAINT_ACKNOWLEDGE_HOURS,
        settings.REVIEWS_COMPLAINT_RESOLVE_HOURS,
    )


def next_working_moment(moment: datetime, *, calendar: WorkCalendar) -> datetime:
    """`moment` itself when it is in working time, else the next opening of a working day."""
    local = moment.astimezone(calendar.tz)
    day = local.date()
    for _ in range(MAX_DAYS):
        if calendar.is_workday(day):
            opens = datetime.combine(day, calendar.day_start, tzinfo=calendar.tz)
            closes = datetime.combine(day, calendar.day_end, tzinfo=calendar.tz)
            if local <= closes:
                return max(local, opens)
        day += timedelta(days=1)
        local = datetime.combine(day, time.min, tzinfo=calendar.tz)
    return moment


def due_after(start: datetime, hours: int, *, calendar: WorkCalendar | None = None) -> datetime:
    """The deadline `hours` after `start` (see the module's docstring)."""
    calendar = calendar or WorkCalendar()
    clock = next_working_moment(start + timedelta(hours=hours), calendar=calendar)
    opening = datetime.combine(start.date(), calendar.day_start)
    working_day = datetime.combine(start.date(), calendar.day_end) - opening
    least = calendar.add(start, min(timedelta(hours=hours), working_day))
    return max(clock, least)


def due_times(department, start: datetime, *, calendar: WorkCalendar | None = None):
    """(acknowledge_due_at, resolve_due_at) of a complaint routed to `department` at `start`."""
    calendar = calendar or WorkCalendar()
    acknowledge, resolve = hours_for(department)
    return due_after(start, acknowledge, calendar=calendar), due_after(
        start, resolve, calendar=calendar
    )
