"""The UI shell: base template, header, home page sections, manager overview, CSP, error pages."""

import re
from pathlib import Path

import pytest
from csp.decorators import csp_update
from csp.utils import build_policy
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from django.utils import translation

from logistics import sections
from logistics.models import Notification
from logistics.roles import Role
from logistics.urls import urlpatterns as portal_urlpatterns
from tests.logistics.factories import UserFactory

ROOT = Path(settings.BASE_DIR)


def _boom(request):
    raise RuntimeError("a bug")


def _bad(request):
    raise SuspiciousOperation("bad input")


def _with_message(request):
    messages.success(request, "Saved.")
    return redirect("home")


def _repairs_index(request):
    return HttpResponse("repairs")


@csp_update({"img-src": ["https://maps.example"]})
def _csp_updated(request):
    return HttpResponse("map")


def _csp_nonce(request):
    return HttpResponse(str(request.csp_nonce))


# This module doubles as a URLconf for the tests that need a failing view or a service route;
# it leaves out the parcels app, so one service is "not built yet".
urlpatterns = [
    *(p for p in portal_urlpatterns if getattr(p, "namespace", None) != "parcels"),
    path("test-boom/", _boom),
    path("test-bad/", _bad),
    path("test-message/", _with_message),
    path("test-csp-update/", _csp_updated),
    path("test-csp-nonce/", _csp_nonce),
    path("repairs/", include(([path("", _repairs_index, name="index")], "repairs"))),
]


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, so the assertions hold once locale/ holds the Chinese translations."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    translation.activate("en")
    yield
    translation.deactivate()


def _english_client(**kwargs) -> Client:
    client = Client(**kwargs)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def registry(monkeypatch):
    """Empty home and overview registries for the test; the real ones come back afterwards."""
    home, overview = sections.SectionRegistry(), sections.SectionRegistry()
    monkeypatch.setattr(sections, "home_sections", home)
    monkeypatch.setattr(sections, "overview_sections", overview)
    monkeypatch.setattr("logistics.views.home.home_sections", home)
    monkeypatch.setattr("logistics.views.home.overview_sections", overview)
    return home, overview


def _item_section(items, calls=None):
    def context(request):
        if calls is not None:
            calls.append(request.user.username)
        return {"items": [{"title": t} for t in items]}

    return context


def _html(response) -> str:
    return response.content.decode()


# --- Landing and home ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_welcomes_anonymous_visitors_with_the_services_and_a_sign_in_button(client):
    response = client.get("/")
    html = _html(response)
    assert response.status_code == 200
    assert f'href="{reverse("login")}"' in html
    for label in ("Repairs", "Dining", "Dorms", "Lost &amp; found", "Parcels", "Reviews"):
        assert label in html
    assert "My items" not in html


@pytest.mark.django_db
def test_it_shows_the_empty_state_when_no_app_has_registered_a_section(client, student, registry):
    client.force_login(student)
    html = _html(client.get("/"))
    assert "My items" in html
    assert "Nothing here yet" in html


@pytest.mark.django_db
def test_it_renders_registered_sections_in_their_order(client, student, registry):
    sections.register_home_section(
        "parcels.mine",
        title="My parcels",
        template="includes/_item_list.html",
        context=_item_section(["Parcel SF123"]),
        order=20,
    )
    sections.register_home_section(
        "repairs.mine",
        title="My repairs",
        template="includes/_item_list.html",
        context=_item_section(["Leaking tap"]),
        order=10,
    )
    client.force_login(student)
    html = _html(client.get("/"))
    assert html.index("My repairs") < html.index("Leaking tap") < html.index("My parcels")
    assert "Parcel SF123" in html
    assert "Nothing here yet" not in html


@pytest.mark.django_db
def test_it_replaces_a_section_registered_again_under_the_same_key(registry):
    home, _ = registry
    for title in ("Old", "New"):
        sections.register_home_section(
            "repairs.mine", title=title, template="includes/_item_list.html", context=dict
        )
    assert [s.title for s in home.for_user(UserFactory())] == ["New"]


@pytest.mark.django_db
def test_it_shows_a_role_section_only_to_holders_and_never_asks_others_for_its_context(
    client, student, technician, registry
):
    calls = []
    sections.register_home_section(
        "repairs.assigned",
        title="Assigned to me",
        template="includes/_item_list.html",
        context=_item_section(["Broken lamp"], calls),
        roles=[Role.TECHNICIAN],
    )
    client.force_login(student)
    assert "Assigned to me" not in _html(client.get("/"))
    assert calls == []
    client.force_login(technician)
    assert "Broken lamp" in _html(client.get("/"))
    assert calls == [technician.username]


@pytest.mark.django_db
def test_it_lists_my_recent_notifications_and_not_other_peoples(client, student, other_student):
    Notification.objects.create(recipient=student, kind="test.mine", title="Your parcel arrived")
    Notification.objects.create(recipient=other_student, kind="test.other", title="Not yours")
    client.force_login(student)
    html = _html(client.get("/"))
    assert "Your parcel arrived" in html
    assert "Not yours" not in html


@pytest.mark.django_db
def test_it_renders_the_home_page_in_a_fixed_number_of_queries(
    client, student, registry, django_assert_num_queries
):
    client.force_login(student)
    # user (with its roles and unread count), recent notifications; the session is cached
    for batch in (3, 10):
        for n in range(batch):
            Notification.objects.create(recipient=student, kind="test", title=f"Note {n}")
        with django_assert_num_queries(2):
            assert client.get("/").status_code == 200


# --- Header ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_shows_the_unread_count_on_the_bell_with_one_count_query(client, student):
    for n in range(3):
        Notification.objects.create(recipient=student, kind="test", title=f"Note {n}")
    Notification.objects.filter(title="Note 0").update(read_at="2025-01-01T00:00:00Z")
    client.force_login(student)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1
    assert int(response.context["unread_notification_count"]) == 2
    bell = re.search(r'<a id="notification-bell".*?</a>', _html(response), re.S).group(0)
    assert '<span class="badge" aria-hidden="true">2</span>' in bell
    assert f'href="{reverse("notifications:list")}"' in bell
    assert f'hx-get="{reverse("notifications:bell")}"' in bell
    assert "Notifications, 2 unread" in bell


@pytest.mark.django_db
def test_it_marks_the_bell_current_on_the_notification_list_only(client, student):
    client.force_login(student)
    current = 'id="notification-bell" class="bell" href="/notifications/" aria-current="page"'
    assert current in _html(client.get(reverse("notifications:list")))
    assert current not in _html(client.get(reverse("notifications:bell")))
    assert current not in _html(client.get("/"))


@pytest.mark.django_db
def test_it_runs_no_count_query_for_anonymous_visitors(client):
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert not [q for q in queries if "logistics_notification" in q["sql"]]


@pytest.mark.django_db
def test_it_offers_sign_out_only_as_a_post_form(client, student):
    client.force_login(student)
    html = _html(client.get("/"))
    form = re.search(
        r'<form action="{}" method="post">.*?</form>'.format(reverse("logout")), html, re.S
    )
    assert form is not None
    assert "csrfmiddlewaretoken" in form.group(0)
    assert f'href="{reverse("logout")}"' not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "shown"), [("en", "Teacher, Repair dispatcher"), ("zh-hans", "教师、报修调度员")]
)
def test_it_names_the_roles_in_the_account_menu_in_the_users_language(client, language, shown):
    user = UserFactory(username="t1001", roles=[Role.REPAIR_DISPATCHER, Role.TEACHER])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    html = _html(client.get("/"))
    menu = re.search(r'<p class="menu-user">.*?</p>', html, re.S).group(0)
    assert f'<span class="menu-roles">{shown}</span>' in menu
    assert "repair_dispatcher" not in html


@pytest.mark.django_db
def test_it_names_the_roles_in_the_admin_user_list(client):
    admin = UserFactory(username="root1", is_staff=True, is_superuser=True)
    UserFactory(username="d2001", roles=[Role.REPAIR_DISPATCHER, Role.LOSTFOUND_DESK])
    client.force_login(admin)
    html = _html(client.get(reverse("admin:logistics_user_changelist")))
    assert "Repair dispatcher, Lost-and-found desk" in html


@pytest.mark.django_db
def test_it_shows_the_manage_link_to_managers_and_supervisors_only(client, student, manager):
    supervisor = UserFactory(roles=[Role.SUPERVISOR])
    centre, overview = reverse("command-centre"), reverse("manager-overview")
    client.force_login(student)
    assert 'class="nav-manage"' not in _html(client.get("/"))
    assert f'href="{overview}"' not in _html(client.get("/"))
    for user in (manager, supervisor):
        client.force_login(user)
        html = _html(client.get("/"))
        nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
        assert f'<a class="nav-manage" href="{centre}">Manage</a>' in nav
        assert f'href="{overview}"' in html  # in the account menu
        for page in (centre, overview):  # "Manage" is current on both
            nav = re.search(r'<nav class="site-nav".*?</nav>', _html(client.get(page)), re.S)
            assert f'href="{centre}" aria-current="page">Manage</a>' in nav.group(0)


@pytest.mark.django_db
def test_it_links_every_built_service(client):
    html = _html(client.get("/"))
    for key in ("repairs", "dining", "dorms", "lostfound", "parcels", "reviews"):
        assert f'href="/{key}/"' in html
    assert 'class="nav-soon"' not in html


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_it_links_a_service_as_soon_as_its_index_route_exists_and_leaves_others_out(client):
    html = _html(client.get("/"))
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
    assert '<a href="/repairs/">Repairs</a>' in nav
    assert "Parcels" not in nav
    assert 'href="/parcels/"' not in html


@pytest.mark.django_db
def test_it_has_the_accessibility_landmarks(client, student):
    client.force_login(student)
    html = _html(client.get("/"))
    assert '<html lang="en">' in html
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<header class="site-header">' in html
    assert re.search(r'<nav class="site-nav" aria-label="[^"]+">', html)
    assert 'aria-live="polite"' in html
    assert re.search(r'<a href="/" aria-current="page">', html)
    assert "<footer" in html


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_it_announces_messages_in_the_live_region(client, student):
    client.force_login(student)
    html = _html(client.get("/test-message/", follow=True))
    live = re.search(r'<div class="messages" role="status" aria-live="polite".*?</div>', html, re.S)
    assert "Saved." in live.group(0)


# --- Language switch ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_switches_the_language_with_a_get_form_that_needs_no_script(student):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    html = _html(client.get("/"))
    assert '<html lang="zh-hans">' in html
    with translation.override("zh-hans"):
        assert f">{translation.gettext('Log out')}<" in html
    assert f'action="{reverse("language-switch")}" method="get"' in html
    assert 'name="language" value="en"' in html
    response = client.get(reverse("language-switch"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "no-cache" in response["Cache-Control"]
    html = _html(client.get("/"))
    assert '<html lang="en">' in html
    assert ">Log out<" in html
    assert 'name="language" value="zh-hans"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http://127.0.0.1:1/", "javascript:x"]
)
def test_it_ignores_a_foreign_next_on_language_switch(client, target):
    response = client.get(reverse("language-switch"), {"language": "en", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_it_keeps_the_language_when_asked_for_one_it_does_not_have(client):
    response = client.get(reverse("language-switch"), {"language": "xx", "next": "/dining/"})
    assert response.status_code == 302 and response["Location"] == "/dining/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.django_db
def test_it_still_switches_with_a_post_to_django_set_language(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in _html(client.get("/"))


@pytest.mark.django_db
def test_it_shows_chinese_by_default():
    html = _html(Client().get("/"))
    assert '<html lang="zh-hans">' in html
    assert "登录" in html  # "Log in", from Django's own catalogue


# --- Manager overview ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_from_the_manager_overview_to_sign_in(client):
    response = client.get(reverse("manager-overview"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_it_refuses_the_manager_overview_to_students_with_the_403_page(client, student):
    client.force_login(student)
    response = client.get(reverse("manager-overview"))
    assert response.status_code == 403
    html = _html(response)
    assert "Access denied" in html
    assert '<a class="skip-link"' in html


@pytest.mark.django_db
def test_it_opens_the_manager_overview_to_managers_supervisors_and_superusers(
    client, manager, registry
):
    sections.register_overview_section(
        "repairs.figures",
        title="Repairs",
        template="includes/_figures.html",
        context=lambda request: {"figures": [{"label": "Open requests", "value": 7}]},
    )
    supervisor = UserFactory(roles=[Role.SUPERVISOR])
    superuser = UserFactory(is_superuser=True, is_staff=True)
    for user in (manager, supervisor, superuser):
        client.force_login(user)
        response = client.get(reverse("manager-overview"))
        assert response.status_code == 200
        html = _html(response)
        assert "Open requests" in html
        assert "<dd>7</dd>" in html


@pytest.mark.django_db
def test_it_shows_an_empty_overview_when_no_app_has_figures(client, manager, registry):
    client.force_login(manager)
    assert "No figures yet" in _html(client.get(reverse("manager-overview")))


@pytest.mark.django_db
def test_it_narrows_an_overview_section_to_its_roles(client, manager, registry):
    sections.register_overview_section(
        "audit.figures",
        title="Audit figures",
        template="includes/_figures.html",
        context=lambda request: {"figures": []},
        roles=[Role.SUPERVISOR],
    )
    client.force_login(manager)
    assert "Audit figures" not in _html(client.get(reverse("manager-overview")))


# --- Content-Security-Policy ---------------------------------------------------------------------


@pytest.mark.django_db
def test_it_sends_a_strict_content_security_policy(client, student):
    client.force_login(student)
    for url in ("/", reverse("login"), "/no-such-page/"):
        policy = client.get(url).headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_it_sends_the_policy_django_csp_builds_also_where_a_view_changes_it(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert policy == build_policy()  # built once per process, the same header
    assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
    updated = client.get("/test-csp-update/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://maps.example" in updated
    response = client.get("/test-csp-nonce/")
    assert f"'nonce-{response.content.decode()}'" not in policy  # no nonce in the settings
    assert client.get("/").headers["Content-Security-Policy"] == policy


@pytest.mark.django_db
def test_it_keeps_every_security_header_on_a_public_page(client):
    response = client.get(reverse("dining:index"))
    assert response.headers["Content-Security-Policy"] == build_policy()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Content-Language"] == "en"
    assert "Accept-Language" in response.headers["Vary"]
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


@pytest.mark.django_db
def test_it_makes_a_session_only_for_requests_that_read_one(client, student):
    from django.utils.functional import empty

    # The page with a query goes through the whole stack (the bare /dining/ is answered before
    # the session middleware: tests/dining/test_fastpath.py).
    client.get(reverse("dining:index"), {"meal": "lunch"})  # builds the page (the header asks)
    response = client.get(reverse("dining:index"), {"meal": "lunch"})  # cached: no session read
    assert response.wsgi_request.session._wrapped is empty
    assert response.wsgi_request._messages._wrapped is empty  # nor a message store
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    client.force_login(student)
    response = client.get("/")
    assert response.wsgi_request.session.get("_auth_user_id") == str(student.pk)


INLINE_STYLE = re.compile(r"\sstyle\s*=|<style[\s>]", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.I | re.S)
TEMPLATE_COMMENT = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.S)


def _project_templates():
    roots = [ROOT / "templates"] + [p for p in ROOT.glob("*/templates") if ".venv" not in str(p)]
    return sorted(f for root in roots for f in root.rglob("*.html"))


def test_it_has_no_inline_scripts_styles_or_event_handlers_in_any_template():
    offenders = []
    for template in _project_templates():
        text = TEMPLATE_COMMENT.sub("", template.read_text(encoding="utf-8"))
        if INLINE_STYLE.search(text) or INLINE_HANDLER.search(text):
            offenders.append(str(template.relative_to(ROOT)))
        for attrs, body in SCRIPT_TAG.findall(text):
            if body.strip() or "src=" not in attrs:
                offenders.append(str(template.relative_to(ROOT)))
    assert _project_templates(), "no templates found"
    assert offenders == []


# --- Error pages ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_answers_404_with_the_portal_look(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = _html(response)
    assert "Page not found" in html
    assert '<header class="site-header">' in html


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_it_answers_500_with_the_portal_look_without_touching_the_database():
    client = _english_client(raise_request_exception=False)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/test-boom/")
    assert response.status_code == 500
    html = _html(response)
    assert "Server error" in html
    assert '<header class="site-header">' in html
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert len(queries) == 0


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_it_answers_400_with_the_portal_look():
    client = _english_client(raise_request_exception=False)
    response = client.get("/test-bad/")
    assert response.status_code == 400
    assert "Bad request" in _html(response)


@pytest.mark.django_db
def test_it_answers_a_stale_form_with_the_portal_look_and_no_inline_style():
    client = _english_client(enforce_csrf_checks=True)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 403
    html = _html(response)
    assert "Please try again" in html
    assert "<style" not in html


def test_it_renders_the_500_page_without_a_request_or_context_processors():
    html = render_to_string("500.html")
    assert "Server error" in html
    assert 'href="/"' in html


# --- Look ---------------------------------------------------------------------------------------


def _css_colours() -> dict[str, str]:
    css = (ROOT / "static/css/portal.css").read_text()
    return dict(re.findall(r"--(color-[a-z-]+):\s*(#[0-9a-fA-F]{6})", css))


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# Every text colour on every background it is used on.
COLOUR_PAIRS = [
    ("text", "bg"),
    ("text", "surface"),
    ("text", "tag-bg"),
    ("muted", "bg"),
    ("muted", "surface"),
    ("link", "surface"),
    ("link", "bg"),
    ("primary", "surface"),
    ("primary", "tag-bg"),
    ("primary-dark", "tag-bg"),
    ("on-primary", "primary"),
    ("on-primary", "primary-dark"),
    ("on-accent", "accent"),
    ("success-text", "success-bg"),
    ("error-text", "error-bg"),
    ("error-text", "surface"),
    ("info-text", "info-bg"),
    ("tag-text", "tag-bg"),
]


@pytest.mark.parametrize(("fg", "bg"), COLOUR_PAIRS)
def test_it_keeps_text_contrast_at_least_4_5_to_1(fg, bg):
    colours = _css_colours()
    assert _contrast(colours[f"color-{fg}"], colours[f"color-{bg}"]) >= 4.5


def test_it_uses_a_font_stack_with_chinese_fonts():
    css = (ROOT / "static/css/portal.css").read_text()
    for font in ('"PingFang SC"', '"Microsoft YaHei"', '"Noto Sans CJK SC"'):
        assert font in css
