"""Every page of the URLconf is in the accessibility sweep's list (tests/browser/pages.py).

The walk is the permission matrix's. What is not a page a person looks at is left out, each with
its reason: the API, feeds and files by path prefix (PREFIXES), POST-only endpoints by their
matrix rule (no GET that answers), and the rest by name in EXCLUDED. A new page fails this test
until it has a line in pages.py PAGES.
"""

import types

from django.urls import path

from tests.browser.pages import PAGES
from tests.test_permission_matrix import METHOD, RULES, all_routes

# Routes under these paths are not pages: machine interfaces and Django's own screens.
PREFIXES = {
    "api/": "the REST API and its OpenAPI schema/docs (tested by schemathesis and test_api_docs)",
    "open311/": "Open311 GeoReport (XML/JSON for machines)",
    "admin/": "Django's admin (staff tool, not styled by the portal)",
    "i18n/": "Django's set_language endpoint (POST from the language menu)",
    "media/": "uploaded files served in DEBUG",
}

# Other routes that are not pages, by name, with the reason.
EXCLUDED = {
    "healthz": "JSON for load balancers",
    "local-login": "break-glass login; forwards to `login` unless CAS is on",
    "language-switch": "redirects back after switching the language",
    "notifications:bell": "htmx fragment inside every page's header",
    "places:import-template": "CSV download",
    "kept-photo": "image download (a kept photo's thumbnail)",
    "repairs:create-questions": "htmx fragment of repairs:create",
    "repairs:similar": "htmx fragment of repairs:create",
    "repairs:photo": "image download",
    "repairs:export": "CSV/XLSX download",
    "reports:xlsx": "XLSX download of a weekly report",
    "dining:staff-dish-search": "htmx fragment of dining:staff-menu",
    "dining:staff-import-template": "CSV download",
    "dining:openmensa-list": "text feed list for openmensa.org",
    "dining:openmensa-feed": "OpenMensa XML feed",
    "dining:export": "CSV/XLSX download",
    "reviews:review-photo": "image download",
    "lostfound:found-photo": "image download",
    "lostfound:lost-photo": "image download",
    "lostfound:feed-campus": "Atom feed",
    "dorms:attachment": "PDF or image download",
    "dorms:hazard-photo": "image download",
    "dorms:feed-campus": "Atom feed",
    "dorms:feed-building": "Atom feed",
    "dorms:cap-index": "Atom index of CAP alerts",
    "dorms:cap-alert": "CAP 1.2 XML",
    "reviews:index-export": "CSV/XLSX download",
    "parcels:index": "redirects to parcels:mine or the clerk's counter (both listed)",
    "parcels:peak-export": "CSV/XLSX download",
    "parcels:manifest-template": "CSV/XLSX download",
}


def _post_only(key: str) -> bool:
    """A route whose permission-matrix rule has no GET that answers (actions, toggles)."""
    rule = RULES.get(key)
    return rule is not None and rule.methods.get("get", METHOD) in (METHOD, "method-login")


def unlisted_pages(urlconf=None) -> list[str]:
    listed = {page.name for page in PAGES}
    return sorted(
        f"{route.key}  ({route.route})"
        for route in all_routes(urlconf)
        if not route.route.startswith(tuple(PREFIXES))
        and route.key not in EXCLUDED
        and not _post_only(route.key)
        and route.key not in listed
    )


def test_it_lists_every_page_for_the_sweep():
    unlisted = unlisted_pages()
    assert unlisted == [], (
        "These pages are missing from tests/browser/pages.py PAGES (one line each, see the top "
        "of that file), or from EXCLUDED in tests/test_page_sweep.py if they are no page: "
        + ", ".join(unlisted)
    )


def test_it_notices_a_page_nobody_listed():
    urlconf = types.ModuleType("sweep_probe_urls")
    urlconf.urlpatterns = [
        path("", lambda request: None, name="home"),
        path("healthz", lambda request: None, name="healthz"),
        path("api/v1/things/", lambda request: None, name="thing-list"),
        path("new-page/", lambda request: None, name="new-page"),
    ]
    assert unlisted_pages(urlconf) == ["new-page  (new-page/)"]


def test_it_lists_only_pages_that_exist_and_gives_every_exclusion_a_reason():
    known = {route.key for route in all_routes()}
    assert [page.name for page in PAGES if page.name not in known] == []
    assert [name for name in EXCLUDED if name not in known] == []
    assert all(reason.strip() for reason in (*EXCLUDED.values(), *PREFIXES.values()))
