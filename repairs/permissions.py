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
    scopes = dispatch_scopes(user)
    return scopes is not None and covers(scopes, repair)


def may_dispatch(user: User | None) -> bool:
    """Whether the user may dispatch any request at all: an active logistics manager (or
    superuser) or repair dispatcher. The rule of the dispatch pages (the queue, bulk assign,
    the figures) and of the links to them; which requests is `dispatch_scopes`' answer."""
    return bool(user and user.is_authenticated and user.is_active) and (
        is_manager(user) or user.has_role(Role.REPAIR_DISPATCHER)
    )


def dispatch_scopes(user: User | None) -> list[StaffScope] | None:
    """The scopes `can_dispatch` checks a request against: None when the user may dispatch
    nothing (not `may_dispatch`), an empty list when every request (a manager, an unscoped
    dispatcher), else the dispatcher's StaffScope rows, read once per user object (a list page
    asks per row). Only when there are rows does `can_dispatch` read a request's category
    (`covers`: its unit)."""
    if not may_dispatch(user):
        return None
    if is_manager(user):
        return []
    return user.scopes(Role.REPAIR_DISPATCHER)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(NOT_ALLOWED)


def is_requester(user: User | None, repair: RepairRequest) -> bool:
    return bool(user and user.is_authenticated) and repair.requester_id == user.pk


def is_assignee(user: User | None, repair: RepairRequest) -> bool:
    return bool(user and user.is_authenticated) and repair.assignee_id == user.pk
