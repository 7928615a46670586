"""Who may act on a repair request: managers, dispatchers in scope, the requester, the assignee."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from logistics.roles import Role
from repairs.querysets import covers

NOT_ALLOWED = _("You may not do this with this request.")


def is_manager(user) -> bool:
    return bool(user) and (user.is_superuser or user.has_role(Role.LOGISTICS_MANAGER))


def can_dispatch(user, request) -> bool:
    """A logistics manager, or a repair dispatcher whose scope covers the request."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if is_manager(user):
        return True
    if not user.has_role(Role.REPAIR_DISPATCHER):
        return False
    return covers(list(user.scoped(Role.REPAIR_DISPATCHER)), request)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(NOT_ALLOWED)


def is_requester(user, request) -> bool:
    return bool(user and user.is_authenticated) and request.requester_id == user.pk


def is_assignee(user, request) -> bool:
    return bool(user and user.is_authenticated) and request.assignee_id == user.pk
