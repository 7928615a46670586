"""Reads of the parcels system, scoped once: each model's queryset and its for_user(user)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from logistics.roles import Role

if TYPE_CHECKING:
    from logistics.models import User


def is_clerk(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.MAILROOM_CLERK)


def sees_all_stations(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.is_manager)


class StationQuerySet(models.QuerySet):
    def for_clerk(self, user: User) -> StationQuerySet:
        """The stations `user` works at: every station for managers; for a mailroom clerk the
        stations of the buildings or units their scopes name; none for anyone else."""
        if sees_all_stations(user):
            return self.all()
        if not is_clerk(user):
            return self.none()
        scopes = user.scoped(Role.MAILROOM_CLERK)
        return self.filter(
            Q(building__in=scopes.filter(building__isnull=False).values("building"))
            | Q(department__in=scopes.filter(department__isnull=False).values("department"))
        )

    def for_user(self, user: User) -> StationQuerySet:
        """Stations are public facts (where, when open): every signed-in user sees the active
        ones; clerks and managers also the inactive ones they serve."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(is_active=True) | Q(pk__in=self.for_clerk(user).values("pk")))


class ParcelQuerySet(models.QuerySet):
    def for_user(self, user: User) -> ParcelQuerySet:
        """A recipient's own parcels; a clerk's also those of their stations; managers all."""
        if not user.is_authenticated:
            return self.none()
        if sees_all_stations(user):
            return self.all()
        own = Q(recipient=user)
        if is_clerk(user):
            from parcels.models import Station

            own |= Q(station__in=Station.objects.for_clerk(user).values("pk"))
        return self.filter(own)

    def at_station(self, station) -> ParcelQuerySet:
        return self.filter(station=station)

    def waiting(self) -> ParcelQuerySet:
        return self.filter(status="waiting")

    def unknown_recipient(self) -> ParcelQuerySet:
        return self.filter(recipient__isnull=True)

    def with_related(self) -> ParcelQuerySet:
        return self.select_related("station", "shelf", "recipient")
