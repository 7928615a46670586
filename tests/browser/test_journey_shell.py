"""The shell's journey in a real browser: sign in, home, language switch, notifications."""

from urllib.parse import urlparse

import pytest
from django.utils import translation

from logistics.models import Notification
from logistics.notifications import notify
from logistics.roles import Role
from tests.logistics.factories import UserFactory

# serialized_rollback: the flush after each test must not take the roles (groups) with it.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "demo-pass-123"  # what UserFactory sets


def _in(language: str, msgid: str) -> str:
    with translation.override(language):
        return translation.gettext(msgid)


def _sign_in(page, username: str) -> None:
    page.goto("/")
    page.click("a.button[href^='/accounts/login/']")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert urlparse(page.url).path == "/", page.inner_text("main")


def test_it_signs_in_switches_language_and_marks_a_notification_read(page, screenshot):
    student = UserFactory(username="s2024901", display_name="李同学", roles=[Role.STUDENT])
    notify(recipients=[student], kind="parcels.arrived", title="Parcel SF1234 is waiting")

    page.goto("/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    screenshot(page, "landing")

    _sign_in(page, student.username)
    assert page.inner_text("h1") == _in("zh-hans", "My items")
    assert page.inner_text(".site-nav a[aria-current=page]") == _in("zh-hans", "Home")
    assert page.inner_text("#notification-bell .badge") == "1"
    screenshot(page, "home")

    page.click("form.language-switch button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.inner_text("h1") == "My items"
    assert page.inner_text(".site-nav a[aria-current=page]") == "Home"
    assert _in("zh-hans", "Home") != "Home"  # the switch changed what the page says

    page.click("#notification-bell")
    page.wait_for_url("**/notifications/")
    item = page.locator("li.notification", has_text="Parcel SF1234 is waiting")
    assert item.locator(".tag-unread").is_visible()
    screenshot(page, "notifications")
    item.get_by_role("button", name="Mark as read").click()
    page.wait_for_selector("li.notification:not(.is-unread)")
    assert Notification.objects.get(recipient=student).read_at is not None
    page.reload()
    assert page.locator("#notification-bell .badge").count() == 0
    assert page.csp_violations == []


def test_it_lets_keyboard_users_skip_to_the_content_and_fits_a_360px_screen(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.csp_violations == []


def test_it_shows_the_manager_overview_to_a_manager(page, screenshot):
    manager = UserFactory(
        username="m2024901", display_name="王经理", roles=[Role.LOGISTICS_MANAGER]
    )
    _sign_in(page, manager.username)
    page.click("a.nav-manage")  # the command centre, which links the overview
    page.wait_for_url("**/manage/")
    page.get_by_role("link", name=_in("zh-hans", "Manager overview")).first.click()
    page.wait_for_url("**/manage/overview/")
    assert page.inner_text("h1") == _in("zh-hans", "Manager overview")
    screenshot(page, "manager-overview")
    assert page.csp_violations == []


CORE_PAGES = (
    "/",
    "/manage/",
    "/manage/overview/",
    "/notifications/",
    "/notifications/preferences/",
    "/places/import/",
    "/admin/",
    "/api/docs/",
    "/no-such-page/",
)


def test_it_breaks_no_content_security_rule_and_fits_360px_on_the_core_pages(page):
    admin = UserFactory(username="root9001", is_staff=True, is_superuser=True)
    _sign_in(page, admin.username)
    problems = []
    for url in CORE_PAGES:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        if page.csp_violations or width > 360:
            problems.append((url, width, list(page.csp_violations)))
        page.csp_violations.clear()
    assert problems == []
