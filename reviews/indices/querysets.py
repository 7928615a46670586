"""Reads of the satisfaction indices, scoped once: who sees which subjects' index rows.

- logistics managers, supervisors and superusers see every subject;
- staff (a staff role) see their own staff subject, the other subjects (units, canteens,
  windows, dishes …) of the departments they serve, and the subjects an app says they answer
  for (reviews.registry.register_subject_kind), never a colleague's personal scores;
- everybody else (students, teachers) sees none: the pages answer 403.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from logistics.roles import STAFF_ROLES
from reviews.models import IndexRow, Subject
from reviews.querysets import answered_subjects_q, sees_everything, staff_department_ids

from .aggregate import month_start, week_start

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from logistics.models import User

    AnyUser = User | AnonymousUser

RANKED_KINDS = (
    Subject.Kind.UNIT,
    Subject.Kind.STAFF,
    Subject.Kind.CANTEEN,
    Subject.Kind.WINDOW,
    Subject.Kind.DISH,
    Subject.Kind.CATEGORY,
)


def can_rank(user: AnyUser) -> bool:
    """Managers, supervisors and superusers: the rankings, exports and every subject."""
    return sees_everything(user)


def is_staff_member(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.has_role(*STAFF_ROLES))


def can_view_indices(user: AnyUser) -> bool:
    return can_rank(user) or is_staff_member(user)


def own_subjects(user: AnyUser) -> QuerySet[Subject]:
    """The staff member's own subject and their departments' subjects other than staff."""
    if not user.is_authenticated:
        return Subject.objects.none()
    departments = staff_department_ids(user)
    where = Q(kind=Subject.Kind.STAFF, user=user) | (
        Q(department_id__in=departments) & ~Q(kind=Subject.Kind.STAFF)
    )
    answered = answered_subjects_q(user)
    return Subject.objects.filter(where if answered is None else where | answered)


def subjects_for(user: AnyUser) -> QuerySet[Subject]:
    if can_rank(user):
        return Subject.objects.all()
    if is_staff_member(user):
        return own_subjects(user)
    return Subject.objects.none()


def rows_for(user: AnyUser) -> QuerySet[IndexRow]:
    rows = IndexRow.objects.select_related("subject")
    if can_rank(user):
        return rows
    if is_staff_member(user):
        return rows.filter(subject__in=own_subjects(user))
    return rows.none()


def default_start(period: str, today: datetime.date | None = None) -> datetime.date:
    """The period shown when none is chosen: this week, yesterday, or the month — the last
    complete month during the first week of a month, when this one has little data yet."""
    today = today or timezone.localdate()
    if period == IndexRow.Period.DAY:
        return today - datetime.timedelta(days=1)
    if period == IndexRow.Period.WEEK:
        return week_start(today)
    if today.day <= 7:
        return month_start(month_start(today) - datetime.timedelta(days=1))
    return month_start(today)


def normalise_start(period: str, day: datetime.date) -> datetime.date:
    if period == IndexRow.Period.WEEK:
        return week_start(day)
    if period == IndexRow.Period.MONTH:
        return month_start(day)
    return day


def ranking(
    *,
    kind: str,
    period: str,
    start: datetime.date,
    event_type: str = "",
    min_reviews: int = 0,
) -> QuerySet[IndexRow]:
    """Index rows of one kind in one period, best adjusted mean first."""
    return (
        IndexRow.objects.filter(
            kind=kind,
            event_type=event_type,
            period=period,
            period_start=start,
            reviews__gte=min_reviews,
        )
        .select_related("subject__department")
        .order_by(F("adjusted_mean").desc(nulls_last=True), "-reviews", "subject__name")
    )


def trend(
    *, subject: Subject, period: str, since: datetime.date, event_type: str = ""
) -> QuerySet[IndexRow]:
    return IndexRow.objects.filter(
        subject=subject, period=period, event_type=event_type, period_start__gte=since
    ).order_by("period_start")


def in_time_share(row: IndexRow) -> float | None:
    return row.complaints_in_time / row.complaints_closed if row.complaints_closed else None
