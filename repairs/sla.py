"""Due times of repair requests on the work calendar (logistics.workcalendar).

The category's targets are working hours: a request filed at 17:00 on a Friday with a 4-hour
response target is due on Monday at 11:30 (working day 08:30–17:30). An urgent request (a safety
matter) gets half of each target. A hold pauses the clock: resuming moves both due times back by
the working time the request spent on hold. The second escalation (to the managers) is due when
a request is overdue by its completion target once more.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from logistics.workcalendar import WorkCalendar, add_working_hours, add_working_time

if TYPE_CHECKING:
    from repairs.models import Category

URGENT_FACTOR = Decimal("0.5")


def targets(*, category: Category, urgency: str) -> tuple[Decimal, Decimal]:
    """(response hours, completion hours) for a request of `category` with `urgency`."""
    response, completion = Decimal(category.response_hours), Decimal(category.completion_hours)
    if urgency == "urgent":
        return response * URGENT_FACTOR, completion * URGENT_FACTOR
    return response, completion


def due_times(
    *, category: Category, urgency: str, start: datetime, calendar: WorkCalendar | None = None
) -> tuple[datetime, datetime]:
    """(response_due_at, completion_due_at) of a request filed at `start`."""
    calendar = calendar or WorkCalendar()
    response, completion = targets(category=category, urgency=urgency)
    return (
        add_working_hours(start, response, calendar=calendar),
        add_working_hours(start, completion, calendar=calendar),
    )


def pushed_back(
    due: datetime | None, paused: timedelta, *, calendar: WorkCalendar | None = None
) -> datetime | None:
    """A due time moved later by `paused` working time (after a hold)."""
    if due is None or paused <= timedelta(0):
        return due
    return add_working_time(due, paused, calendar=calendar)


def manager_escalation_due(
    *,
    completion_due_at: datetime,
    category: Category,
    urgency: str,
    calendar: WorkCalendar | None = None,
) -> datetime:
    """When an overdue request goes on to the managers: overdue by its completion target again."""
    _response, completion = targets(category=category, urgency=urgency)
    return add_working_hours(completion_due_at, completion, calendar=calendar)
