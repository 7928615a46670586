"""Reads of the lost-and-found system, scoped once: each model's queryset and its for_user(user).

Who sees a found item: its finder, its owner (known from a card's campus ID or an approved
claim), the staff of its desk, managers and supervisors; everyone signed in sees the items on
the public board (open, not a campus card). Hidden traits are the desk's alone: `sees_hidden`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from logistics.roles import Role

if TYPE_CHECKING:
    from logistics.models import User

BOARD_STATUSES = ("reported", "intake_pending", "stored")


def desk_ids(user: User | None) -> frozenset[int]:
    """The desks `user` serves as `lostfound_desk` (through scopes on the desks' units); read
    once per user object."""
    if not (user and user.is_authenticated and user.has_role(Role.LOSTFOUND_DESK)):
        return frozenset()
    cached = getattr(user, "_lostfound_desk_ids", None)
    if cached is None:
        from lostfound.models import Desk

        departments = user.scoped(Role.LOSTFOUND_DESK).values("department_id")
        cached = frozenset(
            Desk.objects.filter(department_id__in=departments).values_list("pk", flat=True)
        )
        user._lostfound_desk_ids = cached
    return cached


def is_desk_staff(user: User | None, desk_id: int | None = None) -> bool:
    ids = desk_ids(user)
    return bool(ids) if desk_id is None else desk_id in ids


def sees_everything(user: User | None) -> bool:
    return bool(
        user
        and user.is_authenticated
        and (user.is_superuser or user.has_role(Role.LOGISTICS_MANAGER, Role.SUPERVISOR))
    )


def sees_hidden(user: User | None, item) -> bool:
    """Whether `user` may read the item's hidden traits and its card number: its desk only."""
    return is_desk_staff(user, item.desk_id)


class FoundItemQuerySet(models.QuerySet):
    def for_user(self, user: User | None) -> FoundItemQuerySet:
        """Exactly the items `user` may open (the board's items included)."""
        if not (user and user.is_authenticated):
            return self.none()
        if sees_everything(user):
            return self
        visible = Q(finder=user) | Q(owner=user) | Q(is_public=True, status__in=BOARD_STATUSES)
        # An item proposed to one of the user's lost reports (a card nobody is known to own).
        visible |= Q(pk__in=_proposed_to(user))
        if ids := desk_ids(user):
            visible |= Q(desk_id__in=ids)
        return self.filter(visible)

    def board(self) -> FoundItemQuerySet:
        """The public board: open items that are not campus cards, newest first."""
        return self.filter(is_public=True, status__in=BOARD_STATUSES).order_by("-created_at", "-id")

    def at_desks(self, ids) -> FoundItemQuerySet:
        return self.filter(desk_id__in=ids)

    def with_related(self) -> FoundItemQuerySet:
        return self.select_related("category", "building", "desk")


def _proposed_to(user: User):
    from lostfound.models import Match

    return Match.objects.filter(lost_report__owner=user, status="proposed").values("found_item_id")


class LostReportQuerySet(models.QuerySet):
    def for_user(self, user: User | None) -> LostReportQuerySet:
        """The owner's own reports; desk staff, managers and supervisors see all of them."""
        if not (user and user.is_authenticated):
            return self.none()
        if sees_everything(user) or is_desk_staff(user):
            return self
        return self.filter(owner=user)

    def with_related(self) -> LostReportQuerySet:
        return self.select_related("category", "building", "owner")


class ClaimQuerySet(models.QuerySet):
    def for_user(self, user: User | None) -> ClaimQuerySet:
        """The claimant's own claims; the claims on items of the user's desks; managers and
        supervisors all. The finder never sees who claimed."""
        if not (user and user.is_authenticated):
            return self.none()
        if sees_everything(user):
            return self
        visible = Q(claimant=user)
        if ids := desk_ids(user):
            visible |= Q(item__desk_id__in=ids)
        return self.filter(visible)

    def blocking(self, *, claimant, category, since) -> ClaimQuerySet:
        """Rejected claims of `claimant` in `category` decided since `since`."""
        return self.filter(
            claimant=claimant, category=category, status="rejected", decided_at__gte=since
        )


class DisposalQuerySet(models.QuerySet):
    def for_user(self, user: User | None) -> DisposalQuerySet:
        """The register of the user's desks; managers and supervisors all of it."""
        if not (user and user.is_authenticated):
            return self.none()
        if sees_everything(user):
            return self
        return self.filter(desk_id__in=desk_ids(user))


class MatchQuerySet(models.QuerySet):
    def for_user(self, user: User | None) -> MatchQuerySet:
        """The matches proposed to the user's own lost reports; those of the items at the
        user's desks; managers and supervisors all."""
        if not (user and user.is_authenticated):
            return self.none()
        if sees_everything(user):
            return self
        visible = Q(lost_report__owner=user)
        if ids := desk_ids(user):
            visible |= Q(found_item__desk_id__in=ids)
        return self.filter(visible)
