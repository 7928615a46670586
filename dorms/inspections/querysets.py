"""Reads of room inspections, scoped once: managers their buildings, inspectors their rounds,
residents their own room's checks and hazards."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ..querysets import is_notice_manager, managed_building_ids


def can_plan_rounds(user) -> bool:
    return is_notice_manager(user)


def can_check_round(user, inspection_round) -> bool:
    """Inspectors of the round, and managers of one of its buildings."""
    if not (user and user.is_authenticated):
        return False
    return type(inspection_round).objects.checkable_by(user).filter(pk=inspection_round.pk).exists()


class InspectionRoundQuerySet(models.QuerySet):
    def checkable_by(self, user) -> InspectionRoundQuerySet:
        """The rounds `user` walks or manages: named inspector, or manager of a building."""
        if not (user and user.is_authenticated):
            return self.none()
        buildings = managed_building_ids(user) if is_notice_manager(user) else []
        if buildings is None:
            return self
        reach = Q(inspectors=user)
        if buildings:
            reach |= Q(buildings__in=buildings)
        return self.filter(pk__in=self.model.objects.filter(reach).values("pk"))

    def for_user(self, user) -> InspectionRoundQuerySet:
        return self.checkable_by(user)


def _hazard_or_check_scope(queryset, user):
    if not (user and user.is_authenticated):
        return queryset.none()
    from .models import InspectionRound

    reach = Q(round__in=InspectionRound.objects.checkable_by(user).values("pk"))
    if user.dorm_room_id:
        reach |= Q(room_id=user.dorm_room_id)
    return queryset.filter(reach)


class RoomCheckQuerySet(models.QuerySet):
    def for_user(self, user) -> RoomCheckQuerySet:
        """Checks of the rounds `user` walks or manages, and of their own room."""
        return _hazard_or_check_scope(self, user)


class HazardQuerySet(models.QuerySet):
    def for_user(self, user) -> HazardQuerySet:
        """Hazards of the rounds `user` walks or manages, and of their own room."""
        return _hazard_or_check_scope(self, user)

    def open(self) -> HazardQuerySet:
        from .workflow import OPEN

        return self.filter(status__in=OPEN)

    def overdue(self, now=None) -> HazardQuerySet:
        from .workflow import overdue_q

        return self.filter(overdue_q(now))

    def in_buildings(self, building_ids) -> HazardQuerySet:
        if building_ids is None:
            return self
        return self.filter(building_id__in=building_ids)
