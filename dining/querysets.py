"""Reads of the dining app: who may edit which canteen, published menus of a day, dish search."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from logistics.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from logistics.models import User

    AnyUser = User | AnonymousUser


def staff_canteen_filter(user: AnyUser, prefix: str = "") -> Q:
    """The canteens a canteen_staff user serves: scoped buildings or departments."""
    q = Q(pk__in=[])
    for scope in user.scopes(Role.CANTEEN_STAFF):
        if scope.department_id:
            q |= Q(**{f"{prefix}department_id": scope.department_id})
        if scope.building_id:
            q |= Q(**{f"{prefix}building_id": scope.building_id})
    return q


class CanteenQuerySet(models.QuerySet):
    def public(self) -> CanteenQuerySet:
        return self.filter(is_active=True)

    def editable_by(self, user: AnyUser) -> CanteenQuerySet:
        """Canteens whose menus and dishes `user` may change: managers all, staff their own."""
        if not (user and user.is_authenticated):
            return self.none()
        if user.is_superuser or user.has_role(Role.LOGISTICS_MANAGER):
            return self
        if user.has_role(Role.CANTEEN_STAFF):
            return self.filter(staff_canteen_filter(user))
        return self.none()


class DishQuerySet(models.QuerySet):
    def editable_by(self, user: AnyUser) -> DishQuerySet:
        from .models import Canteen

        return self.filter(canteen__in=Canteen.objects.editable_by(user))

    def with_related(self) -> DishQuerySet:
        return self.select_related("canteen", "window", "category").prefetch_related("allergens")


class MenuQuerySet(models.QuerySet):
    def published(self) -> MenuQuerySet:
        return self.filter(status="published")

    def editable_by(self, user: AnyUser) -> MenuQuerySet:
        from .models import Canteen

        return self.filter(canteen__in=Canteen.objects.editable_by(user))

    def for_day(self, date) -> MenuQuerySet:
        return self.filter(date=date)
