"""Campus CAS single sign-on (django-cas-ng), with redirect targets checked against our hosts.

CAS is on when settings.CAS_SERVER_URL is set, decided per request. The views here replace
django-cas-ng's LoginView/LogoutView because those read `next` unchecked (django-cas-ng #409),
let a bad logoutRequest crash, and answer an unreachable CAS server with a 500.
"""

import logging
import math
import re
from dataclasses import dataclass
from importlib import import_module
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError

import requests
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME, authenticate, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django_cas_ng.backends import CASBackend
from django_cas_ng.models import SESSION_KEY_MAXLENGTH, ProxyGrantingTicket, SessionTicket
from django_cas_ng.utils import get_cas_client, get_service_url
from lxml import etree

from logistics.backends import SessionUserMixin
from logistics.i18n import normalize_language
from logistics.roles import Role

logger = logging.getLogger(__name__)

# Profile fields a CAS attribute may fill (through CAS_RENAME_ATTRIBUTES or by the same name).
PROFILE_FIELDS = ("display_name", "email", "phone", "first_name", "last_name", "language")
# CAS tickets are short printable tokens; anything else is refused without asking the server.
TICKET_RE = re.compile(r"^[A-Za-z0-9\-._~:]{1,256}$")
SAMLP_SESSION_INDEX = "{urn:oasis:names:tc:SAML:2.0:protocol}SessionIndex"


class CASUnavailable(Exception):
    """The CAS server could not be reached (refused, timed out) during ticket validation."""


class CASBadResponse(Exception):
    """The CAS server answered, but not with a validation response we can read."""


def cas_enabled() -> bool:
    return bool(settings.CAS_SERVER_URL)


# --- Redirect targets ---------------------------------------------------------------------------


def allowed_redirect_hosts(request) -> set[str]:
    # A wildcard or a ".domain" entry in ALLOWED_HOSTS must never widen where we redirect to.
    hosts = {h for h in settings.ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")}
    hosts.add(request.get_host())
    return hosts


def safe_redirect_target(request, target: str | None, default: str = "/") -> str:
    """The target if it stays on this site (and on https when we are), else the default."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts=allowed_redirect_hosts(request), require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)


def absolute_site_url(request, path: str) -> str:
    if re.match(r"^https?://", path, re.IGNORECASE):
        return path
    if settings.CAS_ROOT_PROXIED_AS:
        # Behind a proxy our own idea of scheme and host is wrong; the configured root is not.
        root = urlsplit(settings.CAS_ROOT_PROXIED_AS)
        return f"{root.scheme}://{root.netloc}{path}"
    return request.build_absolute_uri(path)


# --- Attributes → profile and roles -------------------------------------------------------------


@dataclass(frozen=True)
class RoleRule:
    """One entry of CAS_ROLE_MAP: users whose `attribute` holds `value` get `role`."""

    attribute: str
    value: str
    role: str


def parse_role_map(spec) -> list[RoleRule]:
    """Parse "attr=value:role,..." (or a list of such entries); bad entries are logged, skipped."""
    entries = re.split(r"[,\n]", spec) if isinstance(spec, str) else list(spec or [])
    rules = []
    for raw in entries:
        entry = str(raw).strip()
        if not entry:
            continue
        condition, colon, role = entry.rpartition(":")
        attribute, equals, value = condition.partition("=")
        attribute, value, role = attribute.strip(), value.strip(), role.strip()
        if not (colon and equals and attribute and value and role):
            logger.warning("CAS_ROLE_MAP entry %r is not attribute=value:role; ignored", entry)
        elif role not in Role.values:
            logger.warning("CAS_ROLE_MAP entry %r names unknown role %r; ignored", entry, role)
        else:
            rules.append(RoleRule(attribute, value, role))
    return rules


def attribute_values(attributes: dict, name: str) -> list[str]:
    """The non-empty values of one attribute; CAS sends one value or a list of them."""
    raw = attributes.get(name)
    values = raw if isinstance(raw, list | tuple) else [raw]
    return [str(v).strip() for v in values if v is not None and str(v).strip()]


def profile_from_attributes(attributes: dict) -> dict[str, str]:
    profile: dict[str, str] = {}
    names = [*settings.CAS_RENAME_ATTRIBUTES.items(), *((f, f) for f in PROFILE_FIELDS)]
    for cas_name, field in names:
        values = attribute_values(attributes, cas_name)
        if field == "language":
            # "zh_CN", "en-US", "English": one of ours or nothing (the person's choice stays).
            values = [code for code in map(normalize_language, values) if code]
        if field in PROFILE_FIELDS and field not in profile and values:
            profile[field] = values[0]
    return profile


def roles_from_attributes(attributes: dict, rules: list[RoleRule]) -> set[str]:
    granted = set()
    for rule in rules:
        held = {v.casefold() for v in attribute_values(attributes, rule.attribute)}
        if rule.value.casefold() in held:
            granted.add(rule.role)
    return granted


def apply_profile(user, profile: dict[str, str]) -> None:
    changed = []
    if user.language:
        # A language the person chose in the portal wins over the directory's.
        profile = {name: value for name, value in profile.items() if name != "language"}
    for name, value in profile.items():
        field = user._meta.get_field(name)
        try:
            value = field.clean(value[: field.max_length], user)
        except ValidationError:
            logger.warning("CAS attribute for %s of %s is invalid; kept the old value", name, user)
            continue
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if changed:
        user.save(update_fields=changed)


def sync_roles(user, attributes: dict) -> None:
    """Grant the mapped roles the attributes earn and drop the mapped ones they no longer do.

    Roles the mapping cannot grant (staff roles given by hand) are left alone.
    """
    rules = parse_role_map(settings.CAS_ROLE_MAP)
    grantable = {rule.role for rule in rules}
    granted = roles_from_attributes(attributes, rules)
    held = set(user.groups.filter(name__in=grantable).values_list("name", flat=True))
    if granted - held:
        user.groups.add(*Group.objects.filter(name__in=granted - held))
    if (grantable - granted) & held:
        user.groups.remove(*Group.objects.filter(name__in=(grantable - granted) & held))
    user.__dict__.pop("role_names", None)


# --- Talking to the CAS server ------------------------------------------------------------------


def _raise_for_status(response, *args, **kwargs):
    response.raise_for_status()


class BoundedSession(requests.Session):
    """A requests session whose calls time out, so a hung CAS server cannot hang our workers."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout
        self.hooks["response"].append(_raise_for_status)

    def request(self, *args, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().request(*args, **kwargs)


def cas_client(request, service_url: str | None = None):
    client = get_cas_client(service_url=service_url, request=request)
    if not settings.CAS_SESSION_FACTORY:
        client.session = BoundedSession(timeout=getattr(settings, "CAS_TIMEOUT", 5.0))
    return client


def verify_ticket(request, ticket: str, service: str) -> tuple[str | None, dict]:
    client = cas_client(request, service_url=service)
    try:
        username, attributes, _pgtiou = client.verify_ticket(ticket)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise CASUnavailable(str(exc)) from exc
    except (requests.RequestException, ParseError, IndexError, AttributeError, ValueError) as exc:
        raise CASBadResponse(str(exc)) from exc
    return username, attributes or {}


class PortalCASBackend(SessionUserMixin, CASBackend):
    """Validates a CAS ticket, creates the user on first login and re-syncs profile and roles;
    reads the session's user with its roles and unread count (logistics.backends)."""

    def authenticate(self, request, ticket, service):
        username, attributes = verify_ticket(request, ticket, service)
        username = self.campus_id(username, attributes)
        if not username:
            return None
        user_model = get_user_model()
        if settings.CAS_CREATE_USER:
            # No local password: a CAS account can only come in through CAS.
            user, _created = user_model._default_manager.get_or_create(
                username=username, defaults={"password": make_password(None)}
            )
        else:
            user = user_model._default_manager.filter(username=username).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        apply_profile(user, profile_from_attributes(attributes))
        sync_roles(user, attributes)
        return user

    def campus_id(self, username: str | None, attributes: dict) -> str | None:
        if settings.CAS_USERNAME_ATTRIBUTE != "cas:user":
            values = attribute_values(attributes, settings.CAS_USERNAME_ATTRIBUTE)
            username = values[0] if values else None
        if not username or not username.strip():
            return None
        username = self.clean_username(username.strip())
        if len(username) > get_user_model()._meta.get_field("username").max_length:
            logger.warning("CAS returned a campus ID longer than we store: %r", username)
            return None
        return username


# --- Single logout ------------------------------------------------------------------------------


def session_indexes(logout_request: str) -> list[str]:
    """The service tickets a SAML logoutRequest names; unreadable XML names none."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(logout_request.encode(), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return []
    if root is None:
        return []
    return [el.text.strip() for el in root.iter(SAMLP_SESSION_INDEX) if el.text and el.text.strip()]


def end_sessions_of_tickets(tickets: list[str]) -> int:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(SessionTicket.objects.filter(ticket__in=tickets[:20]).values_list("session_key"))
    keys = [key for (key,) in keys]
    for key in keys:
        store(session_key=key).delete(key)
    ProxyGrantingTicket.objects.filter(session_key__in=keys).delete()
    SessionTicket.objects.filter(session_key__in=keys).delete()
    return len(keys)


def remember_ticket(request, ticket: str) -> None:
    # The CAS server's single logout names the ticket; this maps it back to our session.
    if not request.session.session_key:
        request.session.save()
    session_key = request.session.session_key[:SESSION_KEY_MAXLENGTH]
    SessionTicket.objects.update_or_create(session_key=session_key, defaults={"ticket": ticket})


def forget_ticket(request) -> None:
    session_key = (request.session.session_key or "")[:SESSION_KEY_MAXLENGTH]
    if session_key:
        ProxyGrantingTicket.objects.filter(session_key=session_key).delete()
        SessionTicket.objects.filter(session_key=session_key).delete()


# --- Views --------------------------------------------------------------------------------------

ERRORS = {
    403: (
        gettext_lazy("Sign-in failed"),
        gettext_lazy(
            "The campus sign-in ticket is invalid, has expired or was already used. "
            "Please sign in again."
        ),
    ),
    502: (
        gettext_lazy("Campus sign-in is not working"),
        gettext_lazy(
            "The campus sign-in service gave an answer the portal could not read. Please try "
            "again later; if it keeps happening, tell the IT service desk."
        ),
    ),
    503: (
        gettext_lazy("Campus sign-in is unavailable"),
        gettext_lazy(
            "The campus sign-in service cannot be reached right now. "
            "Please try again in a few minutes."
        ),
    ),
}


def cas_error(request, *, status: int, next_page: str):
    title, message = ERRORS[status]
    retry_url = f"{reverse('login')}?{urlencode({REDIRECT_FIELD_NAME: next_page})}"
    context = {"title": title, "message": message, "retry_url": retry_url}
    return render(request, "registration/cas_error.html", context, status=status)


class CASLoginView(View):
    """Sends the browser to CAS, validates the ticket it returns, and receives single logout."""

    def get(self, request):
        next_page = safe_redirect_target(
            request, request.GET.get(REDIRECT_FIELD_NAME), settings.LOGIN_REDIRECT_URL
        )
        if request.user.is_authenticated:
            return HttpResponseRedirect(next_page)
        # The service URL carries the checked `next`, so the ticket comes back to it unchanged.
        service_url = get_service_url(request, next_page)
        if "ticket" not in request.GET:
            return HttpResponseRedirect(cas_client(request, service_url).get_login_url())
        return self.validate(request, request.GET["ticket"].strip(), service_url, next_page)

    def validate(self, request, ticket: str, service_url: str, next_page: str):
        if not TICKET_RE.match(ticket):
            return cas_error(request, status=403, next_page=next_page)
        try:
            user = authenticate(request, ticket=ticket, service=service_url)
        except CASUnavailable as exc:
            logger.warning("CAS server unreachable during ticket validation: %s", exc)
            return cas_error(request, status=503, next_page=next_page)
        except CASBadResponse as exc:
            logger.warning("CAS server gave an unreadable validation response: %s", exc)
            return cas_error(request, status=502, next_page=next_page)
        if user is None:
            return cas_error(request, status=403, next_page=next_page)
        auth_login(request, user)
        remember_ticket(request, ticket)
        return HttpResponseRedirect(next_page)

    def post(self, request):
        # The CAS server's back-channel single logout: a SAML logoutRequest naming our ticket.
        logout_request = request.POST.get("logoutRequest", "")
        if not logout_request:
            return HttpResponseRedirect(reverse("login"))
        ended = end_sessions_of_tickets(session_indexes(logout_request))
        logger.info("CAS single logout ended %d session(s)", ended)
        return HttpResponse("ok\n", content_type="text/plain")


class CASLogoutView(View):
    """Ends the portal session, then the CAS session, coming back to a checked page of ours."""

    http_method_names = ["post", "options"]

    def post(self, request):
        target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
        next_page = safe_redirect_target(request, target, settings.LOGOUT_REDIRECT_URL)
        forget_ticket(request)
        auth_logout(request)
        if not settings.CAS_LOGOUT_COMPLETELY:
            return HttpResponseRedirect(next_page)
        service = absolute_site_url(request, next_page)
        return HttpResponseRedirect(cas_client(request).get_logout_url(service))


def confirm_break_glass_allowed(user) -> None:
    """With CAS on, a password opens the portal only for superusers; everyone else uses CAS."""
    if cas_enabled() and not user.is_superuser:
        raise ValidationError(
            _("Local sign-in is for administrators. Please use the campus sign-in."),
            code="cas_required",
        )


class LocalOnlyForAdminsForm(AuthenticationForm):
    """With CAS on, the local form is the break-glass door for superusers only."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        confirm_break_glass_allowed(user)


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's form: staff without CAS, superusers only with CAS (ADMIN_PASSWORD_LOGIN)."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        confirm_break_glass_allowed(user)


class PortalAdminSite(admin.AdminSite):
    """The admin signs in like everything else: through CAS when CAS is configured."""

    login_form = AdminLoginForm

    def login(self, request, extra_context=None):
        if not cas_enabled() or settings.ADMIN_PASSWORD_LOGIN:
            return super().login(request, extra_context)
        if request.user.is_authenticated:
            # Signed in through CAS but not staff: sending them to CAS again would loop.
            raise PermissionDenied
        next_page = safe_redirect_target(
            request, request.GET.get(REDIRECT_FIELD_NAME), reverse("admin:index")
        )
        return HttpResponseRedirect(
            f"{reverse('login')}?{urlencode({REDIRECT_FIELD_NAME: next_page})}"
        )


# --- Failed sign-ins (django-axes) --------------------------------------------------------------


def is_cas_ticket_attempt(request, credentials) -> bool:
    """A CAS ticket is no password guess: django-axes neither counts nor blocks it."""
    return "ticket" in (credentials or {})


def lockout_ends(request, credentials):
    """When the newest failure that counts toward this lockout stops counting."""
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None)
    newest = AccessAttempt.objects.filter(Q(username=username) | Q(ip_address=address)).aggregate(
        newest=Max("attempt_time")
    )["newest"]
    return (newest or timezone.now()) + settings.AXES_COOLOFF_TIME


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer: the login page again, saying when to try again (429)."""
    until = lockout_ends(request, credentials)
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    context = {
        "form": AuthenticationForm(request),
        "next": safe_redirect_target(request, target, settings.LOGIN_REDIRECT_URL),
        "cas_enabled": cas_enabled(),
        "locked_until": until,
        "locked_minutes": math.ceil(seconds / 60),
    }
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


class LocalLoginView(auth_views.LoginView):
    """Django's login form: the demo and local setup, and the break-glass door with CAS on."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_form_class(self):
        return LocalOnlyForAdminsForm if cas_enabled() else AuthenticationForm

    def get_success_url_allowed_hosts(self):
        return allowed_redirect_hosts(self.request)

    def get_success_url(self):
        url = super().get_success_url()
        # Django raises on a redirect loop; a `next` pointing back here just goes home.
        return resolve_url(settings.LOGIN_REDIRECT_URL) if url == self.request.path else url

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cas_enabled"] = cas_enabled()
        return context


class LocalLogoutView(auth_views.LogoutView):
    def get_success_url_allowed_hosts(self):
        return allowed_redirect_hosts(self.request)


_cas_login = CASLoginView.as_view()
_local_login = LocalLoginView.as_view()
_cas_logout = CASLogoutView.as_view()
_local_logout = LocalLogoutView.as_view()


@csrf_exempt  # CAS single logout POSTs here without a token; the local form checks its own.
def login_view(request):
    return _cas_login(request) if cas_enabled() else _local_login(request)


def local_login_view(request):
    if not cas_enabled():
        query = request.GET.urlencode()
        return HttpResponseRedirect(reverse("login") + (f"?{query}" if query else ""))
    if not settings.LOCAL_LOGIN_ENABLED:
        raise Http404(_("Local sign-in is turned off."))
    return _local_login(request)


@never_cache
def logout_view(request):
    if request.method == "GET":
        # Signing out changes state, so it takes a POST; a GET shows the button to press.
        next_page = safe_redirect_target(
            request, request.GET.get(REDIRECT_FIELD_NAME), settings.LOGOUT_REDIRECT_URL
        )
        if not request.user.is_authenticated:
            return HttpResponseRedirect(next_page)
        return render(request, "registration/logout_confirm.html", {"next": next_page})
    return _cas_logout(request) if cas_enabled() else _local_logout(request)
