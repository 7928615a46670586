"""Template context shared by every page: site name, services, the bell's unread count, roles
(the Manage link to the command centre, the manager overview in the account menu)."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from logistics.csrf import lazy_token
from logistics.roles import Role


@dataclass(frozen=True)
class Service:
    """One of the six systems, as the header and the landing page show it."""

    key: str
    label: str
    description: str
    url_name: str


# Each system app names its entry page "<app>:index"; until it exists the service shows
# without a link, so the header never breaks on a route that is not there yet.
SERVICES = (
    Service("repairs", _("Repairs"), _("Report a broken light, tap or door."), "repairs:index"),
    Service("dining", _("Dining"), _("Canteen menus, opening hours, feedback."), "dining:index"),
    Service("dorms", _("Dorms"), _("Your room, check-in and dorm requests."), "dorms:index"),
    Service(
        "lostfound",
        _("Lost & found"),
        _("Report a lost item or hand in a found one."),
        "lostfound:index",
    ),
    Service("parcels", _("Parcels"), _("See parcels waiting for you."), "parcels:index"),
    Service("reviews", _("Reviews"), _("Rate the services you used."), "reviews:index"),
)


def safe_reverse(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def can_view_manager_overview(user) -> bool:
    return user.is_authenticated and (user.is_manager or user.has_role(Role.SUPERVISOR))


def may_open_command_centre(user) -> bool:
    """Whether the navigation offers the command centre: the page's own rule
    (logistics.command_centre.may_open), so no one is shown a link that answers 403."""
    from logistics.command_centre import may_open

    return may_open(user)


def portal_services() -> list[dict]:
    return [
        {
            "key": s.key,
            "label": s.label,
            "description": s.description,
            "url": safe_reverse(s.url_name),
        }
        for s in SERVICES
    ]


def _unread_count(user) -> int:
    from logistics.notifications import unread_notification_count

    return unread_notification_count(user)


class Lazy:
    """A value computed on first use. Templates call it when they resolve the variable, so a
    page that never shows the bell never runs its query; Python code calls it or int()s it."""

    def __init__(self, compute):
        self._compute = compute
        self._done = False
        self._value = None

    def __call__(self):
        if not self._done:
            self._value, self._done = self._compute(), True
        return self._value

    def __int__(self) -> int:
        return int(self())

    def __bool__(self) -> bool:
        return bool(self())


def portal(request):
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        # Replaces Django's built-in `csrf` processor's value (later processors win): one
        # masked token for the whole response, the one a cached body's slot is filled with.
        "csrf_token": lazy_token(request),
        "SITE_NAME": settings.SITE_NAME or _("Campus Logistics Portal"),
        "CAS_ENABLED": settings.CAS_ENABLED,
        "portal_services": Lazy(portal_services),
        # One COUNT query, and only when a template shows the bell.
        "unread_notification_count": Lazy(lambda: _unread_count(user)) if signed_in else 0,
        "show_manage_link": Lazy(lambda: may_open_command_centre(user)) if signed_in else False,
        "show_overview_link": Lazy(lambda: can_view_manager_overview(user)) if signed_in else False,
    }
