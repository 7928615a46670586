"""The portal's own middleware: request ids (taken from the load balancer's X-Request-ID or made
here, logged with every line), and leaner versions of django-csp's and Django's locale middleware
that do per process what never changes per request (docs/performance.md, "Portal overhead")."""

import contextvars
import logging
import os
import re

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.signals import request_finished, setting_changed
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    """Sets the request id for this request's log lines and echoes it in X-Request-ID."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # META, not request.headers: that builds a dict of every header on first use.
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else os.urandom(16).hex()
        request.request_id = request_id
        # Not reset on the way out: Django logs "Not Found" and "Internal Server Error" after the
        # middleware chain returns; request_finished clears it once the response is closed.
        _request_id.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def _clear_request_id(**kwargs) -> None:
    _request_id.set("-")


request_finished.connect(_clear_request_id, dispatch_uid="logistics.clear_request_id")


class RequestIdFilter(logging.Filter):
    """Adds request_id to every log record (a dash outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


# --- Content-Security-Policy ----------------------------------------------------------------------

# What a view's @csp_update/@csp_replace/@csp/@csp_exempt leave on its response.
_PER_VIEW = frozenset(
    f"_csp_{name}{suffix}"
    for name in ("config", "update", "replace", "exempt")
    for suffix in ("", "_ro")
)
_policies: dict[str, str] = {}


def _reset_policies(*, setting: str, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policies.clear()


setting_changed.connect(_reset_policies, dispatch_uid="logistics.csp_policies")


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's middleware with the policy of the settings built once per process.

    django-csp builds both policies (enforced, report-only) from the settings on every response,
    which took a fifth of a constant view's time in the portal. The header is the same unless a
    view changed it (django-csp's decorators) or a nonce was drawn: then django-csp builds it."""

    def __call__(self, request):
        request.csp_nonce = CheckableLazyObject(lambda: self._make_nonce(request))
        return self.process_response(request, self.get_response(request))

    def process_response(self, request, response):
        if "_csp_nonce" in request.__dict__ or not _PER_VIEW.isdisjoint(response.__dict__):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        if not _policies:
            _policies[HEADER] = build_policy()
            _policies[HEADER_REPORT_ONLY] = build_policy(report_only=True)
        for header, setting in (
            (HEADER, "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            policy = _policies[header]
            if policy and header not in response:
                prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES")
                if not (prefixes and request.path_info.startswith(tuple(prefixes))):
                    response[header] = policy
        # As django-csp: a nonce drawn after the header was written must fail loudly.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


# --- Sessions -------------------------------------------------------------------------------------


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's SessionMiddleware with the session store made on first use. A request that never
    reads the session (the cached /dining/ page, a health check) makes none (with the cached_db
    engine that is a cache lookup and a store object) and, as with Django's, sends no cookie."""

    def process_request(self, request):
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        request.session = SimpleLazyObject(lambda: self.SessionStore(key))

    def process_response(self, request, response):
        session = request.__dict__.get("session")
        if type(session) is SimpleLazyObject and session._wrapped is empty:
            return response
        return super().process_response(request, response)


# --- Messages -------------------------------------------------------------------------------------


class MessageMiddleware(DjangoMessageMiddleware):
    """Django's MessageMiddleware with the message storage made on first use. Django's makes it
    for every request: with the fallback storage a signed-cookie store (a signer from the
    settings) and a session store, a tenth of a constant view's time. A request that neither
    adds nor shows messages makes none; as with Django's, such a request changes no cookie."""

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        storage = request.__dict__.get("_messages")
        if type(storage) is SimpleLazyObject and storage._wrapped is empty:
            return response
        return super().process_response(request, response)


# --- Language -------------------------------------------------------------------------------------


_languages: dict[tuple[str | None, str], str] = {}


def _reset_languages(*, setting: str, **kwargs) -> None:
    if setting.startswith("LANGUAGE"):
        _languages.clear()


setting_changed.connect(_reset_languages, dispatch_uid="logistics.languages")


def request_language(request) -> str | None:
    """The language of this request as Django's LocaleMiddleware chooses it (the language cookie,
    else Accept-Language, else LANGUAGE_CODE), remembered per (cookie, Accept-Language) — a few
    dozen pairs, where Django parses and checks them again on every request. None with
    i18n_patterns (the language is then in the path: Django's own middleware decides)."""
    urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
    if is_language_prefix_patterns_used(urlconf)[0]:
        return None
    key = (
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
        request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
    )
    language = _languages.get(key)
    if language is None:
        if len(_languages) >= 1000:  # headers vary without bound; the pairs in use do not
            _languages.clear()
        language = _languages[key] = translation.get_language_from_request(request)
    return language


def activate_language(request, language: str) -> None:
    """Activates the request's language (LocaleMiddleware's work on the way in)."""
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()


def localise(response):
    """LocaleMiddleware's headers on the way out: Vary names Accept-Language, Content-Language."""
    if "Vary" in response:
        patch_vary_headers(response, ("Accept-Language",))
    else:
        response["Vary"] = "Accept-Language"
    response.headers.setdefault("Content-Language", translation.get_language())
    return response


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware for URLs without i18n_patterns (the portal's: the language comes
    from the cookie or Accept-Language), with the choice remembered (request_language) and
    without its language-in-the-path work. With i18n_patterns, Django's own."""

    def __call__(self, request):
        language = request_language(request)
        if language is None:
            return super().__call__(request)
        activate_language(request, language)
        return localise(self.get_response(request))
