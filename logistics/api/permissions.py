"""API permissions: sign-in, token scopes (<area>:read / <area>:write) and manager writes.

Each app registers its areas with `register_scope_area("<area>")` in `AppConfig.ready()`; a
scope outside that pattern (`webhooks:manage`) with `register_scope(...)`, and a view asks for
it with `required_scope = "…"` instead of `scope_area`.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from logistics.models import ApiToken

LEVELS = ("read", "write")

# Filled by the apps (the core too) from AppConfig.ready(): the core names no app.
_scope_areas: list[str] = []
_single_scopes: list[str] = []


def register_scope_area(area: str) -> None:
    """Adds an API area; tokens may then hold `<area>:read` and `<area>:write`."""
    if area not in _scope_areas:
        _scope_areas.append(area)


def register_scope(scope: str) -> None:
    """Adds one scope that is not a read/write pair, e.g. `webhooks:manage`."""
    if scope not in _single_scopes:
        _single_scopes.append(scope)


def scope_areas() -> tuple[str, ...]:
    return tuple(_scope_areas)


def all_scopes() -> tuple[str, ...]:
    """Every scope a token may hold, in the order the areas registered, then the single ones."""
    pairs = (f"{area}:{level}" for area in _scope_areas for level in LEVELS)
    return (*pairs, *_single_scopes)


def required_scope(view, request) -> str | None:
    """The scope a request needs: the view's `required_scope`, else its `scope_area` plus read
    or write by method."""
    if scope := getattr(view, "required_scope", None):
        return scope
    area = getattr(view, "scope_area", None)
    if area is None:
        return None
    level = "read" if request.method in permissions.SAFE_METHODS else "write"
    return f"{area}:{level}"


class HasScope(permissions.BasePermission):
    """Signed in; and, with an API token, the token holds the scope the view needs.

    Browser sessions are limited by the user's roles only, not by scopes.
    """

    message = _("Your API token lacks the scope this request needs.")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if not isinstance(request.auth, ApiToken):
            return True
        scope = required_scope(view, request)
        if scope is None:
            return True
        self.message = _("Your API token lacks the scope %(scope)s.") % {"scope": scope}
        return scope in request.auth.scopes


class IsManagerOrReadOnly(HasScope):
    """Anyone signed in reads; logistics managers (and superusers) write."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        self.message = _("Only logistics managers may change this.")
        return request.user.is_manager
