"""Playwright in Debian's Chromium: one browser per session, a fresh context per test.

Playwright's own browser download does not work on campus networks, so the tests drive the
system Chromium (`apt-get install chromium`, or `make browser`). Without it they are skipped
with a loud reason. Set PORTAL_SCREENSHOTS=docs/screenshots to save the pages the journeys
pass through, at 360 px wide and at desktop width.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MOBILE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM}. "
        "Install Debian's chromium (`make browser` or `apt-get install chromium`)."
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def role_groups(browser, transactional_db):
    """The role groups, as migration 0002 made them.

    Live-server tests are transactional: the flush after each one empties every table, and
    serialized_rollback does not bring the rows back on SQLite's shared in-memory database.
    """
    from django.contrib.auth.models import Group

    from logistics.roles import Role

    for role in Role:
        Group.objects.get_or_create(name=role.value)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # From here on Playwright's sync API keeps an event loop running in this thread, and Django
    # refuses ORM calls beside a running loop; the tests' own ones (factories, checks on rows,
    # the flush between tests) are plain synchronous code, so allow them for the session.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    """A phone-sized page on the live server that fails the test on any CSP violation."""
    # A Chinese phone: the portal must pick zh-hans from Accept-Language.
    context = browser.new_context(base_url=live_server.url, viewport=MOBILE, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda msg: "Content Security Policy" in msg.text and page.csp_violations.append(msg.text),
    )
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Saves the page at phone and desktop width when PORTAL_SCREENSHOTS names a folder."""
    folder = os.environ.get("PORTAL_SCREENSHOTS")

    def take(page, name: str) -> None:
        if not folder:
            return
        Path(folder).mkdir(parents=True, exist_ok=True)
        for label, size in (("mobile", MOBILE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            page.screenshot(path=str(Path(folder) / f"{name}-{label}.png"), full_page=True)
        page.set_viewport_size(MOBILE)

    return take
