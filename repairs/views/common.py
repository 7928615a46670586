"""What the repairs pages share: who may use which page, scoped lookups, labels, safe redirects."""

import time
from collections.abc import Callable
from html import escape
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from logistics.cache import state_key
from logistics.csrf import request_token
from logistics.roles import Role
from logistics.templatetags.portal_layout import CSRF
from repairs.models import RepairRequest
from repairs.permissions import may_dispatch
from repairs.querysets import last_change

PAGE_SIZE = 25

# Timeline labels by the event's action (services._record); unknown ones show the new status.
ACTION_LABELS = {
    "submitted": _("Reported"),
    "accepted": _("Accepted"),
    "rejected": _("Rejected"),
    "assigned": _("Assigned"),
    "handed_back": _("Handed back"),
    "started": _("Work started"),
    "on_hold": _("Put on hold"),
    "resumed": _("Work resumed"),
    "completed": _("Completed"),
    "comment": _("Comment"),
    "cancelled": _("Cancelled"),
    "confirmed": _("Confirmed"),
    "reopened": _("Reopened"),
    "rated": _("Rated"),
    "closed": _("Closed"),
    "reminder": _("Reminder sent"),
    "escalated": _("Escalated"),
}


def action_label(event) -> str:
    if event.action == "confirmed" and (event.data or {}).get("auto"):
        return str(_("Confirmed automatically"))
    if event.action in ACTION_LABELS:
        return str(ACTION_LABELS[event.action])
    if event.to_status in RepairRequest.Status.values:
        return str(RepairRequest.Status(event.to_status).label)
    return event.action


def is_technician(user) -> bool:
    return user.is_superuser or user.has_role(Role.TECHNICIAN)


def can_print_qr(user) -> bool:
    return user.is_superuser or user.has_role(
        Role.REPAIR_DISPATCHER, Role.LOGISTICS_MANAGER, Role.DORM_MANAGER
    )


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def visible_requests(user):
    return RepairRequest.objects.for_user(user).with_related()


def get_visible_request(user, pk: int) -> RepairRequest:
    """The request if `user` may see it; 404 otherwise (never 403: its existence stays private)."""
    return get_object_or_404(visible_requests(user), pk=pk)


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def redirect_next(request, fallback: str):
    return redirect(safe_next(request, fallback))


def role_links(user) -> dict:
    """Which of the staff pages the sub-navigation shows."""
    return {
        "dispatch": may_dispatch(user),
        "workbench": is_technician(user),
        "qr": can_print_qr(user),
    }


# --- Pages kept whole in the cache --------------------------------------------------------------


def cached_body(
    request,
    name: str,
    parts: tuple,
    draw: Callable[[], Any],
    *,
    version: Callable[[], Any] = last_change,
) -> Any:
    """What `draw()` gives for a page's body (HTML with the CSRF slot, a tuple holding it, an
    API answer's data), from the cache under everything it shows: the reader (who, their
    roles and scopes), `parts` (the address, the request), the language, the time zone, the
    `version` of the requests it shows (by default when any request last changed: every change
    to a request or its timeline moves its updated_at) and the current period of
    REPAIRS_PAGE_SECONDS, which bounds what changes with the clock (overdue marks) or without
    a request (a renamed place, a new technician). 0 draws on every request. `draw` raises for
    a reader who may not see the page (404), or for bad input (400): nothing is kept then."""
    seconds = settings.REPAIRS_PAGE_SECONDS
    if seconds <= 0:
        return draw()
    user = request.user
    key = state_key(
        f"repairs:{name}",
        user.pk,
        sorted(user.role_names),
        [(scope.role, scope.department_id, scope.building_id) for scope in user.scope_rows],
        *parts,
        get_language(),
        timezone.get_current_timezone_name(),
        version(),
        int(time.time() // seconds),
    )
    value = cache.get(key)
    if value is None:
        value = draw()
        cache.set(key, value, seconds)
    return value


def with_token(request, text: str) -> str:
    """`text` drawn with the CSRF slot, holding this request's token: safe to show."""
    return mark_safe(text.replace(CSRF, escape(request_token(request))))  # noqa: S308 (drawn)
