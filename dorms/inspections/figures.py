"""Figures of an inspection round per building: rooms checked, hazard rate, fixed on time."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils import timezone

from logistics.models import Building, Room

from .models import Hazard, InspectionRound, RoomCheck
from .workflow import OPEN, overdue_q


@dataclass(frozen=True)
class BuildingFigures:
    building: Building
    rooms: int
    checked: int
    with_hazards: int
    hazards: int
    fixed_on_time: int
    open: int
    overdue: int

    @property
    def hazard_rate(self) -> float | None:
        return self.with_hazards / self.checked if self.checked else None

    @property
    def on_time_rate(self) -> float | None:
        return self.fixed_on_time / self.hazards if self.hazards else None


def round_figures(inspection_round: InspectionRound) -> list[BuildingFigures]:
    """One row per building of the round, in four queries whatever the size."""
    buildings = list(inspection_round.buildings.select_related("campus").order_by("code"))
    ids = [b.pk for b in buildings]
    rooms = dict(
        Room.objects.filter(building_id__in=ids, kind=Room.Kind.DORM)
        .values_list("building_id")
        .annotate(n=Count("pk"))
    )
    checks = {
        row["building_id"]: row
        for row in RoomCheck.objects.filter(round=inspection_round)
        .values("building_id")
        .annotate(checked=Count("pk"), failed=Count("pk", filter=Q(passed=False)))
    }
    hazards = {
        row["building_id"]: row
        for row in Hazard.objects.filter(round=inspection_round)
        .values("building_id")
        .annotate(
            total=Count("pk"),
            on_time=Count("pk", filter=Q(fixed_at__lte=F("deadline"))),
            open=Count("pk", filter=Q(status__in=OPEN)),
            overdue=Count("pk", filter=overdue_q(timezone.now())),
        )
    }
    return [
        BuildingFigures(
            building=b,
            rooms=rooms.get(b.pk, 0),
            checked=checks.get(b.pk, {}).get("checked", 0),
            with_hazards=checks.get(b.pk, {}).get("failed", 0),
            hazards=hazards.get(b.pk, {}).get("total", 0),
            fixed_on_time=hazards.get(b.pk, {}).get("on_time", 0),
            open=hazards.get(b.pk, {}).get("open", 0),
            overdue=hazards.get(b.pk, {}).get("overdue", 0),
        )
        for b in buildings
    ]
