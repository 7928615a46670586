"""Acknowledgements (已阅并确认): the rate per building, who is missing, and the chasing sweep —
one reminder to those who have not acknowledged a day before the deadline, then after it their
list by building, floor and room to the dorm managers of those buildings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.models import Building, StaffScope, User
from logistics.roles import Role
from logistics.workflow import notify_involved

from .models import Notice, NoticeRead
from .querysets import recipients_of

REMIND_BEFORE = timedelta(hours=24)
NOTIFY_CHUNK = 1000


@dataclass(frozen=True)
class BuildingRate:
    building: Building | None
    residents: int
    acknowledged: int

    @property
    def rate(self) -> float | None:
        return self.acknowledged / self.residents if self.residents else None


def _with_acknowledgement(notice: Notice, until: datetime | None = None):
    """The audience, each joined to their acknowledgement of `notice` (made by `until`, when
    given) — a LEFT JOIN, not a subquery per person: one hash join however large the audience."""
    made = Q(dorm_notice_reads__notice=notice, dorm_notice_reads__acknowledged_at__isnull=False)
    if until is not None:
        made &= Q(dorm_notice_reads__acknowledged_at__lte=until)
    return recipients_of(notice).annotate(ack=FilteredRelation("dorm_notice_reads", condition=made))


def acknowledgement_counts(
    notice: Notice, *, until: datetime | None = None
) -> dict[int | None, tuple[int, int]]:
    """Per building of the audience (None: people without a room): (residents reached, how
    many acknowledged — by `until` when given). One query."""
    rows = (
        _with_acknowledgement(notice, until)
        .order_by()
        .values("dorm_room__building")
        .annotate(residents=Count("pk"), acknowledged=Count("ack__id"))
    )
    return {r["dorm_room__building"]: (r["residents"], r["acknowledged"]) for r in rows}


def acknowledgement_rates(notice: Notice) -> list[BuildingRate]:
    """Per building of the audience: residents reached and how many acknowledged (one query)."""
    counts = acknowledgement_counts(notice)
    buildings = Building.objects.in_bulk([pk for pk in counts if pk])
    return [
        BuildingRate(buildings.get(pk), residents, acknowledged)
        for pk, (residents, acknowledged) in sorted(
            counts.items(), key=lambda item: (item[0] is None, item[0] or 0)
        )
    ]


def missing_acknowledgements(notice: Notice, *, building_id: int | None = None):
    """The people of the audience who have not acknowledged, by building, floor and room (of
    one building when `building_id` is given: a page then reads that building's rooms only)."""
    acknowledged = NoticeRead.objects.filter(
        notice=notice, user=OuterRef("pk"), acknowledged_at__isnull=False
    )
    # NOT EXISTS here (an anti join the planner estimates well); the rates use the LEFT JOIN
    people = recipients_of(notice)
    if building_id is not None:
        people = people.filter(dorm_room__building_id=building_id)
    return (
        people.exclude(Exists(acknowledged))
        .select_related("dorm_room__building")
        .order_by("dorm_room__building_id", "dorm_room__floor", "dorm_room__number", "pk")
    )


def notices_chase_acknowledgements(*, now: datetime | None = None) -> dict:
    """The beat sweep: reminders a day before the deadline, missing lists after it. Each step
    is claimed by a conditional UPDATE first, so a second run sends nothing twice."""
    now = now or timezone.now()
    asking = Notice.objects.filter(
        status="published", requires_ack=True, ack_deadline__isnull=False
    )
    reminded = reported = 0
    for notice in asking.filter(
        ack_reminded_at__isnull=True, ack_deadline__lte=now + REMIND_BEFORE
    ):
        if notice.ack_deadline > now and _claim(notice, "ack_reminded_at", now):
            _remind(notice)
            reminded += 1
    for notice in asking.filter(ack_reported_at__isnull=True, ack_deadline__lte=now):
        if _claim(notice, "ack_reported_at", now):
            _report(notice)
            reported += 1
    return {"reminded": reminded, "reported": reported}


@transaction.atomic
def _claim(notice: Notice, field: str, now: datetime) -> bool:
    return bool(
        Notice.objects.filter(pk=notice.pk, **{f"{field}__isnull": True}).update(**{field: now})
    )


def _remind(notice: Notice) -> None:
    missing = missing_acknowledgements(notice).select_related(None).order_by("pk")
    last = 0
    while True:
        chunk = list(missing.filter(pk__gt=last)[:NOTIFY_CHUNK])
        if not chunk:
            return
        with transaction.atomic():
            notify_involved(
                recipients=chunk,
                by=None,
                kind="dorms.acknowledgement.reminder",
                title=_("Please acknowledge: %(title)s"),
                params={"title": notice.title},
                url=notice.get_absolute_url(),
            )
        last = chunk[-1].pk


def dorm_managers_of(building_ids) -> list[User]:
    scoped = StaffScope.objects.filter(role=Role.DORM_MANAGER).filter(
        Q(building_id__in=building_ids) | Q(department__buildings__in=building_ids)
    )
    return list(User.objects.filter(pk__in=scoped.values("user"), is_active=True))


def _report(notice: Notice) -> None:
    rates = acknowledgement_rates(notice)
    missing = sum(r.residents - r.acknowledged for r in rates)
    if not missing:
        return
    managers = dorm_managers_of([r.building.pk for r in rates if r.building]) + [notice.author]
    notify_involved(
        recipients=managers,
        by=None,
        kind="dorms.acknowledgement.missing",
        title=_("%(count)s people have not acknowledged: %(title)s"),
        params={"count": missing, "title": notice.title},
        url=reverse("dorms:notice-acks", args=[notice.pk]),
    )
