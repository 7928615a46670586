"""Who may act on a repair request: managers, dispatchers in scope, the requester, the assignee."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from logistics.roles import Role
from repairs.querysets import covers

if TYPE_CHECKING:
    from logistics.models import StaffScope, User
    from repairs.models import RepairRequest

NOT_ALLOWED = _("You may not do this with this request.")


def is_manager(user: User | None) -> bool:
    return bool(user) and (user.is_superuser or user.has_role(Role.LOGISTICS_MANAGER))


def can_dispatch(user: User | None, repair: RepairRequest) -> bool:
    """A logistics manager, or a repair dispatcher whose scope covers the request."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if is_manager(user):
        return True
    if not user.has_role(Role.REPAIR_DISPATCHER):
        return False
    return covers(_dispatcher_scopes(user), repair)


def _dispatcher_scopes(user: User) -> list[StaffScope]:
    """The user's dispatcher scopes, read once per user object (a list page asks per row)."""
    return user.scopes(Role.REPAIR_DISPATCHER)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(NOT_ALLOWED)


def is_requester(user: User | None, repair: RepairRequest) -> bool:
    return bool(user and user.is_authenticated) and repair.requester_id == user.pk


def is_assignee(user: User | None, repair: RepairRequest) -> bool:
    return bool(user and user.is_authenticated) and repair.assignee_id == user.pk
