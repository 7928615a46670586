"""Reads of the dorms system, scoped once: who manages which buildings, who a notice reaches,
and NoticeQuerySet.for_user(user)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from logistics.roles import Role

if TYPE_CHECKING:
    from logistics.models import Room, User

PUBLIC_STATUSES = ("published", "superseded")


def is_notice_manager(user) -> bool:
    """Logistics managers, dorm managers and superusers write notices."""
    return bool(
        user and user.is_authenticated and (user.is_manager or user.has_role(Role.DORM_MANAGER))
    )


def managed_building_ids(user) -> list[int] | None:
    """The buildings a user manages notices for: None means all (logistics managers and
    superusers); a dorm manager's are their scoped buildings and their units' buildings."""
    if user.is_manager:
        return None
    if not user.has_role(Role.DORM_MANAGER):
        return []
    from logistics.models import Building

    scopes = user.scoped(Role.DORM_MANAGER)
    ids = Building.objects.filter(
        Q(pk__in=scopes.filter(building__isnull=False).values("building"))
        | Q(departments__in=scopes.filter(department__isnull=False).values("department"))
    ).values_list("pk", flat=True)
    return sorted(set(ids))


def _resident_room(user) -> Room | None:
    if not user.dorm_room_id:
        return None
    room = getattr(user, "_dorms_room", None)
    if room is None:
        from logistics.models import Room

        room = Room.objects.select_related("building").filter(pk=user.dorm_room_id).first()
        user._dorms_room = room
    return room


def targets_reaching(user) -> Q:
    """The NoticeTarget rows that reach `user`: the whole campus, their building, floor or
    room, one of their roles, their department."""
    reach = Q(building__isnull=True, room__isnull=True, role="", department__isnull=True)
    room = _resident_room(user)
    if room is not None:
        reach |= Q(building_id=room.building_id, floor__isnull=True, room__isnull=True)
        reach |= Q(building_id=room.building_id, floor=room.floor, room__isnull=True)
        reach |= Q(room_id=room.pk)
    if user.role_names:
        reach |= Q(role__in=sorted(user.role_names))
    if user.department_id:
        reach |= Q(department_id=user.department_id)
    return reach


class NoticeQuerySet(models.QuerySet):
    def published(self) -> NoticeQuerySet:
        return self.filter(status__in=PUBLIC_STATUSES)

    def current(self, now: datetime | None = None) -> NoticeQuerySet:
        """Published, not corrected, and still valid."""
        now = now or timezone.now()
        return self.filter(status="published").filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=now)
        )

    def addressed_to(self, user: User) -> NoticeQuerySet:
        """Published notices whose audience reaches `user`."""
        from dorms.models import NoticeTarget

        reaching = NoticeTarget.objects.filter(notice=OuterRef("pk")).filter(targets_reaching(user))
        return self.published().filter(Exists(reaching))

    def in_buildings(self, building_ids: list[int]) -> NoticeQuerySet:
        """Notices addressed to (part of) one of the buildings."""
        from dorms.models import NoticeTarget

        targets = NoticeTarget.objects.filter(notice=OuterRef("pk")).filter(
            Q(building_id__in=building_ids) | Q(room__building_id__in=building_ids)
        )
        return self.filter(Exists(targets))

    def for_user(self, user: User | None) -> NoticeQuerySet:
        """Exactly the notices `user` may see: what was addressed to them once published; for
        managers also every notice (drafts too) in the buildings they manage, and their own."""
        if not (user and user.is_authenticated):
            return self.none()
        buildings = managed_building_ids(user)
        if buildings is None:
            return self
        addressed = self.addressed_to(user)
        if not buildings:
            return addressed
        managed = self.in_buildings(buildings) | self.filter(author=user)
        return addressed | managed

    def manageable_by(self, user: User) -> NoticeQuerySet:
        """The notices `user` may edit, publish and correct."""
        if not is_notice_manager(user):
            return self.none()
        buildings = managed_building_ids(user)
        if buildings is None:
            return self
        return self.in_buildings(buildings)

    def outages(self) -> NoticeQuerySet:
        return self.filter(kind="outage", status="published")

    def active_outages(self, now: datetime | None = None) -> NoticeQuerySet:
        """Outages going on at `now`; an all-clear (a correction that withdraws the outage)
        copies the outage's times but is not one."""
        now = now or timezone.now()
        return self.outages().filter(starts_at__lte=now, ends_at__gt=now, withdraws=False)

    def upcoming_outages(self, now: datetime | None = None) -> NoticeQuerySet:
        now = now or timezone.now()
        return self.outages().filter(ends_at__gt=now)

    def affecting_building(self, building_id: int) -> NoticeQuerySet:
        from dorms.models import NoticeTarget

        targets = NoticeTarget.objects.filter(notice=OuterRef("pk"), building_id=building_id)
        return self.filter(Exists(targets))


def recipients_of(notice) -> models.QuerySet:
    """The active users a notice's audience reaches, each once, by id."""
    User = get_user_model()
    reach = Q(pk__in=[])
    for target in notice.targets.all():
        reach |= _users_of_target(notice, target)
    return User.objects.filter(reach, is_active=True).order_by("pk")


def _users_of_target(notice, target) -> Q:
    User = get_user_model()
    if target.room_id:
        return Q(dorm_room_id=target.room_id)
    if target.building_id and target.floor is not None:
        return Q(dorm_room__building_id=target.building_id, dorm_room__floor=target.floor)
    if target.building_id:
        return Q(dorm_room__building_id=target.building_id)
    if target.role:
        return Q(pk__in=User.objects.filter(groups__name=target.role).values("pk"))
    if target.department_id:
        return Q(department_id=target.department_id)
    if notice.campus_id is None:
        return Q()
    return Q(dorm_room__building__campus_id=notice.campus_id) | Q(
        department__campus_id=notice.campus_id
    )
