"""Request safeguards: the client's address behind proxies, page write limits, a 503 when the
database is away, and the Permissions-Policy header."""

import ipaddress
import logging
import math
import sys
from functools import lru_cache

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from logistics.api.throttling import WriteRateThrottle
from logistics.middleware import current_request_id

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait when the database is unreachable; a restart takes ~2 s.
DATABASE_RETRY_AFTER = 10
# Paths whose writes are not page forms: the API and Open311 throttle their own (DRF),
# sign-in has django-axes, and changing language or signing out must always work.
UNTHROTTLED_PREFIXES = ("/api/", "/open311/", "/accounts/", "/i18n/")
JSON_PREFIXES = ("/api/", "/open311/")


# --- The client's address -----------------------------------------------------------------------


@lru_cache(maxsize=4)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def _is_trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request) -> str:
    """REMOTE_ADDR, or when that is a trusted proxy the nearest X-Forwarded-For hop that is not.

    Walking from the right means a client cannot choose its address by sending its own
    X-Forwarded-For: only the entries our proxies appended are believed.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _is_trusted(remote, networks):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote
    return hops[0] if hops else remote


class LoginLimitBackend(AxesStandaloneBackend):
    """django-axes' lockout check, skipped where there is no request and so no client to limit
    (Django's test client login, a management command): every sign-in page passes one."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


# --- Page writes share the API's write limit ----------------------------------------------------


def too_many_writes(request, wait: float | None) -> HttpResponse:
    seconds = max(1, math.ceil(wait or 1))
    html = loader.render_to_string("429.html", {"retry_after": seconds}, request=request)
    response = HttpResponse(html, status=429)
    response["Retry-After"] = str(seconds)
    return response


class PageWriteThrottleMiddleware:
    """Counts a signed-in user's page form POSTs against the API's `write` rate, same counter.

    A 429 page asks to wait and send again; the form's content is still in the browser.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return None
        if request.path_info.startswith(UNTHROTTLED_PREFIXES):
            return None
        if not request.user.is_authenticated:
            return None
        throttle = WriteRateThrottle()
        if throttle.allow_request(request, None):
            return None
        logger.info("Page write limit reached by user %s on %s", request.user.pk, request.path)
        return too_many_writes(request, throttle.wait())


# --- The database is away -----------------------------------------------------------------------


def database_unavailable(request) -> HttpResponse:
    if request.path_info.startswith(JSON_PREFIXES):
        body = {
            "code": "service_unavailable",
            "detail": _("The service is briefly unavailable. Please try again in a moment."),
            "fields": {},
            "request_id": current_request_id(),
        }
        response = JsonResponse(body, status=503)
    else:
        # Without the request: context processors would ask the database for the user.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


class DatabaseUnavailableMiddleware:
    """A lost or refused database connection answers 503 with Retry-After, not a 500.

    Django wraps every driver error in these two classes; a deadlock or a cancelled statement
    is an OperationalError too, and asking the client to retry is right for those as well.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable on %s: %s", request.path, exception)
        return database_unavailable(request)


def server_error(request):
    """Django's handler500: a database error raised outside a view (a middleware, the session
    save) is a 503 too; everything else is the portal's 500 page."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    return defaults.server_error(request)


# --- Permissions-Policy -------------------------------------------------------------------------


class PermissionsPolicyMiddleware:
    """Sends settings.PERMISSIONS_POLICY (Django's SecurityMiddleware has no setting for it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
