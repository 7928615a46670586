"""The shared header is rendered once per person, language and section and kept in the process
(logistics/templatetags/portal_layout.py): what it shows is what an uncached render shows, no
one sees another person's header, and what differs per request — the bell's count, the log-out
form's CSRF token, the page's path — is this request's. A section's navigation is kept the same
way (`{% include_kept %}`), from its inputs alone."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from logistics.models import Notification
from logistics.roles import Role
from logistics.templatetags.portal_layout import Fragments, fragments, headers

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def english(**kwargs) -> Client:
    client = Client(**kwargs)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def signed_in(user, **kwargs) -> Client:
    client = english(**kwargs)
    client.force_login(user)
    return client


def header(response) -> str:
    return re.search(r'<header class="site-header">.*?</header>', response.content.decode(), re.S)[
        0
    ]


def test_a_cached_header_is_what_a_fresh_render_gives(student):
    client = signed_in(student)
    headers.clear()
    fresh = header(client.get("/repairs/"))
    assert len(headers._items) == 1
    cached = header(client.get("/repairs/"))
    # the same text but the CSRF token, which Django masks anew on every request
    assert TOKEN.sub("", cached) == TOKEN.sub("", fresh)
    assert student.get_display_name() in cached and "\ue000" not in cached


def test_no_one_sees_another_persons_header(student, other_student):
    first = header(signed_in(student).get("/"))
    second = header(signed_in(other_student).get("/"))
    assert student.get_display_name() in first and student.username in first
    assert student.username not in second and other_student.username in second


def test_the_log_out_form_carries_this_requests_token(student):
    client = signed_in(student, enforce_csrf_checks=True)
    client.get("/")  # the header is cached now
    token = TOKEN.search(header(client.get("/")))[1]
    assert client.post(reverse("logout"), {"csrfmiddlewaretoken": token}).status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_bell_counts_while_the_header_is_cached(student):
    client = signed_in(student)
    assert 'class="badge"' not in header(client.get("/"))
    Notification.objects.create(recipient=student, kind="test", title="Your repair is done")
    assert '<span class="badge" aria-hidden="true">1</span>' in header(client.get("/"))


def test_the_language_switch_returns_to_this_page_escaped(student):
    client = signed_in(student)
    client.get("/repairs/")
    shown = header(client.get("/repairs/", {"q": '"><script>x</script>'}))
    assert 'name="next" value="/repairs/?q=%22%3E%3Cscript%3Ex%3C%2Fscript%3E"' in shown
    assert "<script>x" not in shown
    assert 'name="next" value="/"' in header(client.get("/"))


def test_the_log_in_link_returns_to_this_page():
    client = english()
    client.get("/dining/")
    shown = header(client.get("/dining/", {"day": "2026-12-06"}))
    assert f'href="{reverse("login")}?next=/dining/%3Fday%3D2026-12-06"' in shown
    # on the log-in page itself, no way back to it
    assert f'href="{reverse("login")}"' in header(client.get(reverse("login")))


def test_a_new_role_shows_at_once(student):
    client = signed_in(student)
    assert "nav-manage" not in header(client.get("/"))
    student.groups.add(Group.objects.get_or_create(name=Role.LOGISTICS_MANAGER)[0])
    assert "nav-manage" in header(client.get("/"))


def test_each_language_has_its_own_header(student):
    client = signed_in(student)
    assert ">Repairs<" in header(client.get("/"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert ">报修<" in header(client.get("/"))


def test_the_current_section_is_marked_per_section(student):
    client = signed_in(student)
    repairs = f'href="{reverse("repairs:index")}" aria-current="page"'
    assert repairs in header(client.get(reverse("repairs:index")))
    assert repairs not in header(client.get(reverse("dining:index")))


def test_the_kept_headers_are_bounded_least_recently_used_first():
    kept = Fragments(size=2)
    kept.put("a", "A")
    kept.put("b", "B")
    assert kept.get("a") == "A"  # a is now the most recent
    kept.put("c", "C")
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == ("A", None, "C")


def subnav(response) -> str:
    return re.search(r'<nav class="repairs-nav".*?</nav>', response.content.decode(), re.S)[0]


def test_a_sections_navigation_is_kept_per_page_and_roles(student, manager):
    fragments.clear()
    client = signed_in(student)
    mine = subnav(client.get(reverse("repairs:mine")))
    assert f'href="{reverse("repairs:mine")}" aria-current="page"' in mine
    assert reverse("repairs:queue") not in mine
    assert len(fragments._items) == 1
    assert subnav(client.get(reverse("repairs:mine"))) == mine  # from the kept text
    assert len(fragments._items) == 1
    # another page marks itself; a dispatcher's has the queue; each language its own
    assert 'aria-current="page">Report a fault' in subnav(client.get(reverse("repairs:create")))
    staff = signed_in(manager)
    assert f'href="{reverse("repairs:queue")}" aria-current="page"' in subnav(
        staff.get(reverse("repairs:queue"))
    )
    assert reverse("repairs:queue") not in subnav(client.get(reverse("repairs:mine")))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert ">我的报修<" in subnav(client.get(reverse("repairs:mine")))
    assert len(fragments._items) == 4


def test_a_kept_fragment_sees_only_its_inputs():
    from django.template import Context, engines

    fragments.clear()
    page = engines["django"].from_string(
        '{% load portal_layout %}{% include_kept "repairs/includes/_subnav.html" current="mine" %}'
    )
    # `links` is on the page but not passed: the kept text cannot depend on it unseen
    shown = page.template.render(Context({"links": {"dispatch": True}}))
    assert "aria-current" in shown and reverse("repairs:queue") not in shown
