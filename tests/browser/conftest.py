"""Playwright in Debian's Chromium: one browser per session, a fresh context per test.

Playwright's own browser download does not work on campus networks, so the tests drive the
system Chromium (`apt-get install chromium`, or `make browser`). Without it they are skipped
with a loud reason. Set PORTAL_SCREENSHOTS=docs/screenshots to save the pages the journeys
pass through, at 360 px wide and at desktop width.

Every page of every browser test listens for `securitypolicyviolation` (the portal's CSP
forbids inline scripts and styles, and an htmx fragment that carries one breaks silently):
`no_csp_violations` fails the test if any fired, wherever the page came from.
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
PASSWORD = "demo-pass-123"  # what UserFactory sets

# Each page reports its violations through a binding; injected before the page's own scripts
# (an init script is not subject to the page's CSP).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation([event.violatedDirective, event.blockedURI || "inline",
                         (event.sourceFile || document.location.href) + ":" + event.lineNumber,
                         (event.sample || "").slice(0, 80)].join(" "));
});
"""
# Violations of the running test: (page URL, description).
CSP_VIOLATIONS: list[tuple[str, str]] = []


def watch_csp(context) -> None:
    """Records every CSP violation of every page of `context` in CSP_VIOLATIONS."""

    def report(source, text):
        CSP_VIOLATIONS.append((source["page"].url, text))

    context.expose_binding("__cspViolation", report)
    context.add_init_script(CSP_LISTENER)


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


@pytest.fixture(autouse=True)
def no_csp_violations(browser):
    """Fails the test if any page it opened fired `securitypolicyviolation`."""
    CSP_VIOLATIONS.clear()
    yield
    violations, CSP_VIOLATIONS[:] = list(CSP_VIOLATIONS), []
    if violations:
        pytest.fail(
            "CSP violations:\n" + "\n".join(f"{url}: {text}" for url, text in violations),
            pytrace=False,
        )


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
        open_context = chromium.new_context

        def new_context(**options):
            context = open_context(**options)
            watch_csp(context)
            return context

        chromium.new_context = new_context  # every context of every test is watched
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def new_page(browser, base_url: str, *, locale: str = "zh-CN", timeout: int = 10_000):
    """A phone-sized page in a context of its own that records every CSP violation."""
    context = browser.new_context(base_url=base_url, viewport=MOBILE, locale=locale)
    context.set_default_timeout(timeout)
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda msg: "Content Security Policy" in msg.text and page.csp_violations.append(msg.text),
    )
    return page


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Signs in through the local login form."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


@pytest.fixture
def page(browser, live_server):
    """A phone-sized page on the live server (no_csp_violations checks it)."""
    # A Chinese phone: the portal must pick zh-hans from Accept-Language.
    page = new_page(browser, live_server.url)
    yield page
    page.context.close()


@pytest.fixture
def open_as(browser, live_server):
    """Opens a page in a context of its own for a user (English), signed in."""
    pages = []

    def open_page(user):
        page = new_page(browser, live_server.url, locale="en-US", timeout=15_000)
        pages.append(page)
        sign_in(page, user.username)
        assert "/accounts/login/" not in page.url, page.inner_text("main")
        return page

    yield open_page
    for page in pages:
        page.context.close()


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
