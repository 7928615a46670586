"""The lunchtime fast path: /dining/ for a visitor without a session, before most middleware.

At lunchtime most requests are an anonymous GET of /dining/ without a query, answered with the
bytes this process already built (dining.views.public.lunchtime_page: one epoch check, the page
from process memory). Through the whole stack that answer spent more time in the URL resolver
and in the session, auth, CSRF, messages, htmx and throttle middleware — which do nothing for
such a request — than in the view (docs/performance.md, "Portal overhead").

DiningFastPathMiddleware sits right after SecurityMiddleware and WhiteNoise: the middleware
before it (request id, 503 on a lost database, Permissions-Policy, HSTS, nosniff,
Referrer-Policy, COOP, the SSL redirect) wrap it as they wrap every request. For that request it
does what the skipped middleware would: CommonMiddleware's host and user-agent checks, the
language as LocaleMiddleware chooses it, then the page, and on the way out the headers of
CSPMiddleware, XFrameOptionsMiddleware, CommonMiddleware and LocaleMiddleware — by calling
their own code, so the headers cannot drift from the normal path's (tests/dining/
test_fastpath.py compares both). Anything else, or a page not current, goes down the normal
stack unchanged.
"""

from django.conf import settings
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.urls import reverse

from dining import selectors
from dining.views import public
from logistics.middleware import CSPMiddleware, activate_language, localise, request_language


class DiningFastPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # Used for their checks and headers only (they never call get_response here).
        self.common = CommonMiddleware(get_response)
        self.xframe = XFrameOptionsMiddleware(get_response)
        self.csp = CSPMiddleware(get_response)
        self.paths: dict[str, str] = {}

    def _index_path(self, request) -> str:
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        path = self.paths.get(urlconf)
        if path is None:
            path = self.paths[urlconf] = reverse("dining:index", urlconf=urlconf)
        return path

    def __call__(self, request):
        response = None
        if (
            request.method == "GET"
            and not request.META.get("QUERY_STRING")
            and request.path == self._index_path(request)  # both with the script prefix
            and public.anonymous_without_session(request)
        ):
            response = self._page(request)
        return self.get_response(request) if response is None else response

    def _page(self, request):
        try:
            # CommonMiddleware's checks (allowed host, disallowed user agents, PREPEND_WWW):
            # whatever they object to, the normal stack answers.
            if self.common.process_request(request) is not None:
                return None
        except Exception:
            return None
        language = request_language(request)
        if language is None:
            return None
        activate_language(request, language)
        response, _ = public.lunchtime_page(request, selectors.local_now())
        if response is None:
            return None
        # On the way out in the normal stack's order (the innermost first).
        response = self.csp.process_response(request, response)
        response = self.xframe.process_response(request, response)
        response = self.common.process_response(request, response)
        return localise(response)
