"""The permission matrix: every URL pattern of the project has a declared access rule, and holds.

How to use it when you add a route: add one entry to RULES (keyed by the URL's qualified name,
e.g. "repairs:request-detail", or by its route string when it has no name) saying, per HTTP
method, which access preset applies, and give example kwargs when the URL needs them. The test
walks django.urls.get_resolver() recursively (admin and API included) and fails for any route
without a rule; then it requests every declared route as each actor and compares the outcome.

Actors: anonymous, a student (owner of the example objects), another student, a technician
(assigned none of them), staff of another unit (a repair dispatcher scoped to a department none
of them belongs to), a logistics manager and a superuser with admin access. Outcomes: "allowed"
(2xx, 3xx elsewhere than a sign-in page, or 400 for a request body we did not fill in), "login"
(redirect to a sign-in page, or 401 for the API), "denied" (403), "hidden" (404: objects of other
people), "method" (405). Staff pages are opened by role; what they list is scoped to the unit.
A 5xx is always a failure.
"""

import contextlib
import re
import sys
import types
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, path, reverse

from logistics import kept
from logistics.models import Notification, WebhookEndpoint
from logistics.roles import Role
from tests.dining.factories import (
    DishFactory,
    MenuItemFactory,
    PriceChangeFactory,
    PriceRuleFactory,
    WindowFactory,
)
from tests.dorms import permission_rules as dorms_permission_rules
from tests.logistics.factories import (
    BuildingFactory,
    DepartmentFactory,
    RoomFactory,
    UserFactory,
)
from tests.lostfound import permission_rules as lostfound_permission_rules
from tests.parcels import permission_rules as parcels_permission_rules
from tests.repairs.factories import (
    CategoryFactory,
    RepairPhotoFactory,
    RepairRequestFactory,
    image_upload,
)
from tests.reviews import permission_rules as reviews_permission_rules

ANON, STUDENT, OTHER, MANAGER, ADMIN = "anonymous", "student", "other_student", "manager", "admin"
TECH, ELSEWHERE = "technician", "other_unit_staff"
ACTORS = (ANON, STUDENT, OTHER, TECH, ELSEWHERE, MANAGER, ADMIN)
SIGNED_IN = (STUDENT, OTHER, TECH, ELSEWHERE, MANAGER, ADMIN)
ALLOWED, LOGIN, DENIED, HIDDEN, METHOD = "allowed", "login", "denied", "hidden", "method"

# What each actor gets under each access preset.
ACCESS: dict[str, dict[str, str]] = {
    # Anyone, signed in or not.
    "public": dict.fromkeys(ACTORS, ALLOWED),
    # Any signed-in user; anonymous → sign-in page (pages) or 401 (API).
    "login": {ANON: LOGIN, **dict.fromkeys(SIGNED_IN, ALLOWED)},
    # Logistics managers, supervisors where stated, and superusers.
    "manager": {
        ANON: LOGIN,
        **dict.fromkeys((STUDENT, OTHER, TECH, ELSEWHERE), DENIED),
        MANAGER: ALLOWED,
        ADMIN: ALLOWED,
    },
    # Only the owner of the example object (the student); everybody else gets a 404.
    "owner": {ANON: LOGIN, **dict.fromkeys(SIGNED_IN, HIDDEN), STUDENT: ALLOWED},
    # Django's admin: staff only, everybody else is sent to the admin's sign-in page.
    "staff": {**dict.fromkeys(ACTORS, LOGIN), ADMIN: ALLOWED},
    # The route does not answer this method at all.
    "method": dict.fromkeys(ACTORS, METHOD),
    # Same, behind login_required / API authentication, which answers anonymous visitors first.
    "method-login": {ANON: LOGIN, **dict.fromkeys(SIGNED_IN, METHOD)},
}


@dataclass(frozen=True)
class Rule:
    """How a route may be used: an access preset per HTTP method, and how to build its URL."""

    methods: dict[str, str]
    kwargs: Any = None  # callable(cast) -> dict of URL kwargs
    data: dict = field(default_factory=dict)
    expect: dict[tuple[str, str], str] = field(default_factory=dict)  # (method, actor) → outcome
    why: str = ""

    def expected(self, method: str, actor: str) -> str:
        return self.expect.get((method, actor), ACCESS[self.methods[method]][actor])


def rule(*, kwargs=None, data=None, expect=None, why="", **methods) -> Rule:
    return Rule(methods, kwargs, data or {}, expect or {}, why)


def _pk(attr):
    return lambda cast: {"pk": getattr(cast, attr).pk}


def _api(attr=None, *, write="manager"):
    """A place endpoint of the API: signed-in users read, managers write."""
    if attr is None:
        return rule(get="login", post=write)
    return rule(get="login", patch=write, kwargs=_pk(attr))


def _category(cast):
    return {"pk": CategoryFactory().pk}


WEBHOOKS = "integrators, logistics managers and superusers; each sees only the endpoints they own"


def _webhook(**methods):
    """An endpoint of the manager's: a superuser who does not own it gets 404 like anyone's."""

    def endpoint(cast):
        owner = cast.users[MANAGER]
        return {
            "pk": WebhookEndpoint.objects.create(
                owner=owner, name="IT", url="https://it.example/", secret="s" * 20
            ).pk
        }

    expect = {(m, ADMIN): HIDDEN for m, preset in methods.items() if preset == "manager"}
    if methods.get("get") == "method-login":  # the role is checked before the method
        expect |= {("get", a): DENIED for a in (STUDENT, OTHER, TECH, ELSEWHERE)}
    return rule(kwargs=endpoint, expect=expect, why=WEBHOOKS, **methods)


def _category_code(cast):
    return {"code": CategoryFactory().code}


def _repair_pk(cast):
    """A fresh repair request of the student assigned to the technician, per route (actions
    change it)."""
    repair = RepairRequestFactory(
        requester=cast.users[STUDENT], assignee=cast.users[TECH], status="assigned"
    )
    return {"pk": repair.pk}


# Who sees the student's request besides the student: its technician, managers, superusers.
SEE_REPAIRS = (TECH, MANAGER, ADMIN)


def _repair(**methods):
    """The student's request: theirs to see, its technician's; managers and superusers see every
    request; others (staff of another unit too) get 404."""
    overrides = {(m, a): ALLOWED for m in methods for a in SEE_REPAIRS}
    return rule(kwargs=_repair_pk, expect=overrides, **methods)


REPAIR_ACTIONS = [
    *("accept", "reject", "assign", "hand-back", "start", "hold", "resume"),
    *("complete", "close", "cancel", "confirm", "reopen", "rate", "comment"),
]
# Who is refused (403) an action with an empty body on a fresh request of the student assigned
# to the technician. The API checks the body first: an action with a required field (a reason, a
# technician, a rating) answers 400 to everyone who sees the request. Everyone else who sees it
# gets 200, 400 or 409 (an actor before them changed the state); those who do not, 404.
REPAIR_ACTION_DENIED = {
    "accept": {STUDENT, TECH},  # dispatching is for dispatchers and managers
    "close": {STUDENT, TECH},
    "resume": {STUDENT},
    "start": {STUDENT, MANAGER, ADMIN},  # work is for the assigned technician
    "complete": {STUDENT, MANAGER, ADMIN},
    "cancel": {MANAGER, ADMIN, TECH},  # the requester's own steps
    "confirm": {MANAGER, ADMIN, TECH},
}


def _repair_action(name):
    expect = {("post", a): ALLOWED for a in SEE_REPAIRS}
    expect |= {("post", a): DENIED for a in REPAIR_ACTION_DENIED.get(name, ())}
    return rule(get="method-login", post="owner", kwargs=_repair_pk, expect=expect)


# The pages' action forms leave required input (a reason, a technician) to the service, which
# first checks who may act: so an empty form is refused (403) to everyone not allowed at all.
REPAIR_PAGE_ACTION_DENIED = {
    **dict.fromkeys(("accept", "reject", "assign", "close"), {STUDENT, TECH}),
    "resume": {STUDENT},  # the technician resumes their own work; dispatchers too
    **dict.fromkeys(("start", "hold", "hand-back", "complete"), {STUDENT, MANAGER, ADMIN}),
    **dict.fromkeys(("cancel", "confirm", "reopen", "rate"), {MANAGER, ADMIN, TECH}),
}


def _repair_page_action(name):
    expect = {("post", a): ALLOWED for a in SEE_REPAIRS}
    expect |= {("post", a): DENIED for a in REPAIR_PAGE_ACTION_DENIED.get(name, ())}
    return rule(get="method-login", post="owner", kwargs=_repair_pk, expect=expect)


def _repair_photo(cast):
    photo = RepairPhotoFactory(request=RepairRequestFactory(requester=cast.users[STUDENT]))
    return {"request_pk": photo.request_id, "photo_pk": photo.pk}


def _kept_photo(cast):
    return {"token": kept.keep(owner=cast.users[STUDENT], upload=image_upload()).token}


def _technicians_only(**methods):
    """The technician's workbench: students, dispatchers and managers are refused, technicians
    and superusers let in."""
    expect = {(m, MANAGER): DENIED for m in methods} | {(m, TECH): ALLOWED for m in methods}
    return rule(expect=expect, **methods)


def _dispatchers(*, why, **methods):
    """A repair dispatcher's page: any dispatcher opens it (staff of another unit too; what it
    lists or prints is what their scope covers), managers and superusers; others 403."""
    return rule(expect={(m, ELSEWHERE): ALLOWED for m in methods}, why=why, **methods)


def _dining_menu(cast):
    window = WindowFactory()
    return {
        "slug": window.canteen.slug,
        "date": "2026-03-04",
        "meal": "lunch",
        "window": window.code,
    }


def _dining_dish(cast):
    dish = DishFactory()
    return {"slug": dish.canteen.slug, "pk": dish.pk}


def _dining_canteen(cast):
    return {"slug": WindowFactory().canteen.slug}


def _dining_canteen_pk():
    return {"pk": WindowFactory().canteen_id}


def _weekly_report(cast):
    from datetime import date  # noqa: PLC0415

    from django.utils import timezone  # noqa: PLC0415

    from logistics.models import WeeklyReport  # noqa: PLC0415

    report, _created = WeeklyReport.objects.get_or_create(
        week="2026-W48", start=date(2026, 11, 23), defaults={"built_at": timezone.now()}
    )
    return {"week": report.week}


# Every route of the project, by qualified URL name (or route string for unnamed routes).
RULES: dict[str, Rule] = {
    # --- pages -----------------------------------------------------------------------------
    "home": rule(get="public", why="landing for visitors, 'my items' once signed in"),
    "manager-overview": rule(get="manager", why="logistics managers, supervisors, superusers"),
    "command-centre": rule(
        get="manager",
        post="method-login",
        expect={("get", ELSEWHERE): ALLOWED},
        why="managers, supervisors, superusers; unit heads (a scoped dispatcher) for their units",
    ),
    "reports:list": rule(get="manager", why="logistics managers, supervisors, superusers"),
    "reports:detail": rule(get="manager", kwargs=_weekly_report, why="the same; no report: 404"),
    "reports:xlsx": rule(get="manager", kwargs=_weekly_report, why="the same"),
    "login": rule(get="public", post="public"),
    "local-login": rule(
        get="public",
        post="public",
        expect={(m, a): LOGIN for m in ("get", "post") for a in ACTORS},
        why="break-glass login when CAS is on; without CAS it forwards to the login form",
    ),
    "logout": rule(get="public", post="public", why="GET only shows the sign-out button"),
    "set_language": rule(get="public", post="public", data={"language": "en", "next": "/"}),
    "language-switch": rule(get="public", post="method", data={"language": "en", "next": "/"}),
    "healthz": rule(get="public", why="load balancers ask without credentials"),
    "notifications:list": rule(get="login", post="method-login"),
    "notifications:bell": rule(get="login", post="method-login"),
    "notifications:mark-read": rule(get="method-login", post="owner", kwargs=_pk("notification")),
    "notifications:mark-all-read": rule(get="method-login", post="login"),
    "notifications:preferences": rule(get="login", post="login"),
    "places:import": rule(get="manager", post="manager"),
    "kept-photo": rule(
        get="owner",
        post="method-login",
        kwargs=_kept_photo,
        why="a photo kept for the student's form that came back with errors: theirs only",
    ),
    "places:import-template": rule(get="manager", kwargs=lambda cast: {"kind": "rooms"}),
    # --- repairs pages ---------------------------------------------------------------------------
    "repairs:index": rule(
        get="login", why="requesters' list; dispatchers and technicians redirected"
    ),
    "repairs:mine": rule(get="login"),
    "repairs:create": rule(get="login", post="login", why="anyone signed in reports a fault"),
    "repairs:create-questions": rule(get="login"),
    "repairs:similar": rule(get="login", why="shows only number, place and state of others'"),
    "repairs:follow": rule(
        get="method-login",
        post="login",
        kwargs=_repair_pk,
        why="anyone signed in follows an open request filed by someone else (the duplicate hint)",
    ),
    "repairs:detail": _repair(get="owner"),
    "repairs:photo": rule(
        get="owner",
        kwargs=_repair_photo,
        expect={("get", MANAGER): ALLOWED, ("get", ADMIN): ALLOWED},
        why="streamed to those who may see the request",
    ),
    **{f"repairs:{name}": _repair_page_action(name) for name in REPAIR_ACTIONS},
    "repairs:queue": _dispatchers(get="manager", why="repair dispatchers, managers, superusers"),
    "repairs:assign-bulk": rule(
        get="method-login",
        post="manager",
        expect={("post", ELSEWHERE): ALLOWED},
        why="dispatchers assign what their scope covers; an empty form comes back with a message",
    ),
    "repairs:workload": _dispatchers(get="manager", why="repair dispatchers, managers, superusers"),
    "repairs:workbench": _technicians_only(get="manager"),
    "repairs:qr-sheets": _dispatchers(get="manager", why="dispatchers, managers and dorm managers"),
    "repairs:qr-sheet": rule(
        get="manager",
        kwargs=lambda cast: {"building_pk": cast.building.pk},
        expect={("get", ELSEWHERE): ALLOWED},
        why="any building's room codes, for those who may print them",
    ),
    # --- dining: canteen staff (managers edit every canteen; staff of a canteen theirs) ----
    "dining:staff-home": rule(get="manager", why="canteen staff and managers"),
    "dining:staff-menu": rule(get="manager", post="manager", kwargs=_dining_menu),
    "dining:staff-dish-search": rule(get="manager", kwargs=_dining_canteen),
    "dining:staff-import": rule(get="manager", post="manager", kwargs=_dining_canteen),
    "dining:staff-import-template": rule(get="manager", kwargs=_dining_canteen),
    "dining:staff-dishes": rule(get="manager", kwargs=_dining_canteen),
    "dining:staff-dish-new": rule(get="manager", post="manager", kwargs=_dining_canteen),
    "dining:staff-dish-edit": rule(get="manager", post="manager", kwargs=_dining_dish),
    "dining:staff-sold-out": rule(
        get="method-login", post="manager", kwargs=lambda cast: {"pk": MenuItemFactory().pk}
    ),
    # --- dining: price supervision (public board and campus index; managers' pages) ----------
    "dining:price-board": rule(get="public", kwargs=_dining_canteen, why="明码标价 is public"),
    "dining:price-index": rule(get="public", why="the campus index; canteens for managers"),
    "dining:violations": rule(get="manager", why="managers, supervisors; staff their canteens"),
    "dining:price-rules": rule(get="manager", post="manager", why="logistics managers only"),
    "dining:price-rule-edit": rule(
        get="manager", post="manager", kwargs=lambda cast: {"pk": PriceRuleFactory().pk}
    ),
    "dining:figures": rule(get="manager", why="managers, supervisors; staff their canteens"),
    "dining:export": rule(get="manager", why="managers, supervisors; staff their canteens"),
    "dining-api:price-change-list": rule(get="public", why="price history is public (明码标价)"),
    "dining-api:price-change-detail": rule(
        get="public", kwargs=lambda cast: {"pk": PriceChangeFactory().pk}
    ),
    "dining-api:price-index-list": rule(get="public", why="campus index; canteens for managers"),
    # --- dining: public pages, favourites, OpenMensa feeds --------------------------------------
    "dining:index": rule(get="public", why="today's menus: no sign-in needed"),
    "dining:search": rule(get="public"),
    "dining:canteen": rule(get="public", kwargs=_dining_canteen),
    "dining:dish": rule(get="public", kwargs=lambda cast: {"pk": DishFactory().pk}),
    "dining:favourite-toggle": rule(
        get="method", post="login", kwargs=lambda cast: {"pk": DishFactory().pk}
    ),
    "dining:favourites": rule(get="login"),
    "dining:openmensa": rule(get="public", why="open data for openmensa.org and apps"),
    "dining:openmensa-list": rule(get="public"),
    "dining:openmensa-feed": rule(get="public", kwargs=_dining_canteen),
    # --- dining API: public reads; writes by canteen staff (own canteen) and managers -----------
    "dining-api:canteen-list": rule(get="public", why="menus are public, as on /dining/"),
    "dining-api:canteen-detail": rule(get="public", kwargs=lambda cast: _dining_canteen_pk()),
    "dining-api:window-list": rule(get="public"),
    "dining-api:window-detail": rule(get="public", kwargs=lambda c: {"pk": WindowFactory().pk}),
    "dining-api:dish-list": rule(get="public", post="manager"),
    "dining-api:dish-detail": rule(
        get="public", patch="manager", kwargs=lambda cast: {"pk": DishFactory().pk}
    ),
    "dining-api:menu-list": rule(get="public", post="manager"),
    "dining-api:menu-detail": rule(
        get="public", kwargs=lambda cast: {"pk": MenuItemFactory().menu_id}
    ),
    "dining-api:menu-publish": rule(
        post="manager", kwargs=lambda cast: {"pk": MenuItemFactory().menu_id}
    ),
    "dining-api:menu-sold-out": rule(
        post="manager", kwargs=lambda cast: {"pk": MenuItemFactory().menu_id}
    ),
    # --- API -------------------------------------------------------------------------------
    "api-root": rule(get="login"),
    "api-me": rule(get="login", post="method-login"),
    "api-supervision-daily": rule(
        get="manager",
        post="method-login",
        data={"date": "2026-12-01"},
        # the role is checked before the method: students are refused, managers get a 405
        expect={("post", actor): DENIED for actor in (STUDENT, OTHER, TECH, ELSEWHERE)},
        why="the city supervision export: supervisors, managers and integrators (their tokens)",
    ),
    "api-schema": rule(get="public", why="the OpenAPI schema documents the API to integrators"),
    "api-docs": rule(get="public"),
    "campus-list": _api(),
    "campus-detail": _api("campus"),
    "building-list": _api(),
    "building-detail": _api("building"),
    "room-list": _api(),
    "room-detail": _api("room"),
    "department-list": _api(),
    "department-detail": _api("department"),
    "notification-list": rule(get="login", post="method-login"),
    "notification-detail": rule(get="owner", kwargs=_pk("notification")),
    "notification-read": rule(post="owner", kwargs=_pk("notification")),
    "notification-read-all": rule(post="login"),
    "webhook-list": rule(get="manager", post="manager", why=WEBHOOKS),
    "webhook-event-types": rule(get="manager", why=WEBHOOKS),
    "webhook-detail": _webhook(get="manager", put="manager", patch="manager", delete="manager"),
    "webhook-deliveries": _webhook(get="manager"),
    "webhook-resend": _webhook(get="method-login", post="manager"),
    "webhook-test": _webhook(get="method-login", post="manager"),
    # --- repairs API and Open311 ---------------------------------------------------------------
    "repairs-api:category-list": _api(),
    "repairs-api:category-detail": rule(get="login", patch="manager", kwargs=_category),
    "repairs-api:request-list": rule(get="login", post="login", why="anyone signed in files"),
    "repairs-api:request-detail": _repair(get="owner"),
    "repairs-api:request-events": _repair(get="owner"),
    **{f"repairs-api:request-{name}": _repair_action(name) for name in REPAIR_ACTIONS},
    "open311:discovery": rule(get="public", post="method"),
    "open311:services": rule(get="public", why="Open311: the services are public"),
    "open311:service-definition": rule(get="public", kwargs=_category_code),
    "open311:requests": rule(
        get="public",
        post="public",
        expect={("post", a): DENIED for a in ACTORS},
        why="anonymised requests are public; filing needs an api_key, never a session",
    ),
    "open311:request": rule(get="public", kwargs=_repair_pk),
    "open311:token": rule(get="public", kwargs=lambda cast: {"token": str(_repair_pk(cast)["pk"])}),
    # --- repairs figures and export (managers, supervisors, dispatchers in their scope) ---------
    "repairs:figures": _dispatchers(get="manager", why="figures of the requests one may see"),
    "repairs:export": _dispatchers(get="manager", why="CSV of the requests the user may see"),
}

# The reviews system keeps its rules beside its tests.
RULES.update(reviews_permission_rules.rules(sys.modules[__name__]))
RULES.update(dorms_permission_rules.rules(sys.modules[__name__]))
RULES.update(lostfound_permission_rules.rules(sys.modules[__name__]))
RULES.update(parcels_permission_rules.rules(sys.modules[__name__]))

# Whole namespaces declared by one rule: Django's admin guards every one of its routes itself.
NAMESPACE_RULES: dict[str, Rule] = {
    "admin": rule(get="staff", why="Django admin: is_staff required on every page"),
}
# Admin routes whose answers differ from the namespace rule, with the reason.
ADMIN_EXCEPTIONS: dict[str, Rule] = {
    "admin:login": rule(get="public", why="the admin's sign-in page"),
    "admin:logout": rule(
        get="method",
        post="public",
        expect={("get", a): ALLOWED for a in ACTORS if a != ADMIN},
        why="sign-out is a POST; the admin first sends non-staff back to its index",
    ),
    "admin:view_on_site": rule(
        get="staff",
        expect={("get", ADMIN): HIDDEN},
        why="the example user has no public page, so the shortcut answers 404 even to staff",
    ),
    "admin:logistics_weeklyreport_add": rule(
        get="staff",
        expect={("get", ADMIN): DENIED},
        why="weekly reports are built by beat, never added by hand",
    ),
    "admin:logistics_outboxmessage_add": rule(
        get="staff",
        expect={("get", ADMIN): DENIED},
        why="outbox rows are written by the portal only, never added by hand",
    ),
    "admin:logistics_outboxmessage_delete": rule(
        get="staff",
        expect={("get", ADMIN): DENIED},
        why="outbox rows are kept as the delivery record, never deleted by hand",
    ),
    "admin:repairs_repairrequest_add": rule(
        get="staff",
        expect={("get", ADMIN): DENIED},
        why="repair requests are filed through the service (due times, dispatch), never by hand",
    ),
    **{
        f"admin:dining_{model}_add": rule(
            get="staff",
            expect={("get", ADMIN): DENIED},
            why="menus, price changes and favourites change through the services only",
        )
        for model in ("menu", "pricechange", "favourite")
    },
    "admin:dining_pricechange_delete": rule(
        get="staff",
        expect={("get", ADMIN): DENIED},
        why="the price history is the record managers show, never deleted by hand",
    ),
    **{
        f"admin:dining_{model}_add": rule(
            get="staff",
            expect={("get", ADMIN): DENIED},
            why="violations and index points are written by the price checks and the index task",
        )
        for model in ("priceviolation", "priceindexpoint")
    },
    "admin:dining_priceviolation_delete": rule(
        get="staff",
        expect={("get", ADMIN): DENIED},
        why="violations are the record of menus published despite a rule, never deleted",
    ),
    **{
        f"admin:axes_{model}_add": rule(
            get="staff",
            expect={("get", ADMIN): DENIED},
            why="django-axes records sign-in failures itself; admins only view and delete them",
        )
        for model in ("accessattempt", "accesslog", "accessfailurelog")
    },
    "admin/(?P<url>.*)$": rule(
        get="staff",
        expect={("get", ADMIN): HIDDEN},
        why="the admin's catch-all: sign-in for outsiders, 404 for staff on unknown pages",
    ),
    "admin:autocomplete": rule(
        get="staff",
        expect={("get", ADMIN): DENIED},
        why="without the widget's query parameters the autocomplete refuses everyone",
    ),
}

# Routes deliberately left out of the matrix, each with the reason.
SKIPPED: dict[str, str] = {}


# --- walking the URLconf ------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str
    name: str | None
    namespace: str | None
    params: frozenset[str]

    @property
    def key(self) -> str:
        return self.name or self.route


def _walk(patterns, prefix="", namespace=None, params=frozenset()):
    for p in patterns:
        groups = params | frozenset(p.pattern.regex.groupindex)
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns, groups)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield Route(prefix + str(p.pattern), name, namespace, groups)


def all_routes(urlconf=None) -> list[Route]:
    return list(_walk(get_resolver(urlconf).url_patterns))


def rule_for(route: Route) -> Rule | None:
    if route.key in RULES:
        return RULES[route.key]
    if route.key in ADMIN_EXCEPTIONS:
        return ADMIN_EXCEPTIONS[route.key]
    top = (route.namespace or "").split(":")[0]
    return NAMESPACE_RULES.get(top)


def undeclared_routes(urlconf=None) -> list[str]:
    return sorted(
        f"{r.key}  ({r.route})"
        for r in all_routes(urlconf)
        if r.key not in SKIPPED and rule_for(r) is None
    )


def test_it_declares_an_access_rule_for_every_route():
    undeclared = undeclared_routes()
    assert undeclared == [], (
        "These routes have no access rule in tests/test_permission_matrix.py RULES: "
        + ", ".join(undeclared)
    )


def test_it_notices_a_route_nobody_declared():
    urlconf = types.ModuleType("matrix_probe_urls")
    urlconf.urlpatterns = [
        path("", lambda request: None, name="home"),
        path("secret/", lambda request: None, name="secret-page"),
        path("nameless/<int:pk>/", lambda request: None),
    ]
    assert undeclared_routes(urlconf) == [
        "nameless/<int:pk>/  (nameless/<int:pk>/)",
        "secret-page  (secret/)",
    ]


def test_it_gives_a_reason_for_every_skipped_route_and_exception():
    assert all(reason.strip() for reason in SKIPPED.values())
    assert all(r.why.strip() for r in ADMIN_EXCEPTIONS.values())


# --- requesting every route as every actor ------------------------------------------------------


@dataclass
class Cast:
    """The actors and the example objects their URLs point at."""

    users: dict
    notification: Notification
    campus: Any
    building: Any
    room: Any
    department: Any


@pytest.fixture
def cast(db, settings, tmp_path, technician, other_unit_staff):
    settings.MEDIA_ROOT = tmp_path / "media"  # example photos go to a temporary folder
    student = UserFactory(username="pm-student", roles=[Role.STUDENT])
    users = {
        STUDENT: student,
        OTHER: UserFactory(username="pm-other", roles=[Role.STUDENT]),
        TECH: technician,
        ELSEWHERE: other_unit_staff,
        MANAGER: UserFactory(username="pm-manager", roles=[Role.LOGISTICS_MANAGER]),
        ADMIN: UserFactory(username="pm-admin", is_staff=True, is_superuser=True),
    }
    room = RoomFactory()
    return Cast(
        users=users,
        notification=Notification.objects.create(
            recipient=student, kind="matrix.example", title="Example"
        ),
        campus=room.building.campus,
        building=BuildingFactory(campus=room.building.campus),
        room=room,
        department=DepartmentFactory(),
    )


def _admin_kwargs(route: Route, cast: Cast) -> dict:
    values = {
        "app_label": "logistics",
        "object_id": str(cast.users[ADMIN].pk),
        "id": str(cast.users[ADMIN].pk),
        "content_type_id": ContentType.objects.get_for_model(cast.users[ADMIN]).pk,
        "url": "no-such-admin-page/",
    }
    kwargs = {k: v for k, v in values.items() if k in route.params}
    if "app_label" in kwargs and route.name and route.name.startswith("admin:auth_"):
        kwargs["app_label"] = "auth"
    return kwargs


def _url(route: Route, the_rule: Rule, cast: Cast) -> str | None:
    if route.namespace and route.namespace.split(":")[0] == "admin":
        kwargs = _admin_kwargs(route, cast)
    else:
        kwargs = the_rule.kwargs(cast) if the_rule.kwargs else {}
    if "format" in route.params:
        kwargs = {**kwargs, "format": "json"}
    if route.name is None:
        return _fill(route.route, kwargs)
    return reverse(route.name, kwargs=kwargs)


def _fill(route: str, kwargs: dict) -> str:
    """The URL of an unnamed route: its parameters replaced by the example values."""
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), route)
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), url)
    return "/" + url.replace("^", "").replace("$", "").replace("\\Z", "")


LOGIN_PATHS = ("login", "local-login", "admin:login")


def _login_paths() -> set[str]:
    paths = set()
    for name in LOGIN_PATHS:
        with contextlib.suppress(NoReverseMatch):  # a sign-in route this setup does not have
            paths.add(reverse(name))
    return paths


def outcome(response) -> str:
    status = response.status_code
    if status >= 500:
        return f"error {status}"
    if status == 401:
        return LOGIN
    if status == 403:
        return DENIED
    if status == 404:
        return HIDDEN
    if status == 405:
        return METHOD
    if status in (301, 302, 303, 307, 308):
        target = urlparse(response["Location"]).path
        return LOGIN if target in _login_paths() else ALLOWED
    return ALLOWED


def _request(url: str, method: str, actor: str, cast: Cast, data: dict):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if actor != ANON:
        client.force_login(cast.users[actor])
    send = getattr(client, method)
    if method == "get":
        return send(url, data)
    if url.startswith("/api/"):
        return send(url, data, content_type="application/json")
    return send(url, data)


def _routes_to_request() -> list[Route]:
    seen, routes = set(), []
    for route in all_routes():
        ident = (route.key, "format" in route.params)
        if route.key in SKIPPED or ident in seen:
            continue
        seen.add(ident)
        routes.append(route)
    return routes


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route", _routes_to_request(), ids=lambda r: f"{r.key}{'.json' if 'format' in r.params else ''}"
)
def test_it_answers_each_actor_as_the_rule_says(route, cast):
    the_rule = rule_for(route)
    if the_rule is None:
        pytest.fail(f"{route.key} has no access rule (see the test above)")
    url = _url(route, the_rule, cast)
    mismatches = []
    # The owner acts last: some owner actions (mark read) change the example object.
    for actor in (ANON, OTHER, TECH, ELSEWHERE, MANAGER, ADMIN, STUDENT):
        for method in the_rule.methods:
            expected = the_rule.expected(method, actor)
            got = outcome(_request(url, method, actor, cast, the_rule.data))
            if got != expected:
                mismatches.append(
                    f"{method.upper()} {url} as {actor}: expected {expected}, got {got}"
                )
    assert not mismatches, "\n".join(mismatches)
