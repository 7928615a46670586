"""Every page of every role (tests/browser/pages.py), on the demo data, at 360 px in Chinese:
axe-core finds no critical or serious violation and nothing is wider than the screen.

axe-core comes vendored inside axe-playwright-python (no network). One test walks all pages,
because the demo is seeded once (most of a minute) and the live server's flush empties it.
"""

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.test import override_settings

from tests.browser.conftest import new_page
from tests.browser.pages import ANON, PAGES

# serialized_rollback like every browser test: a plain flush re-creates the content types and
# the next test's restore of the serialized database then collides with them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BLOCKING = {"critical", "serious"}
DEMO_PASSWORD = "demo"  # logistics/demo.py

# Elements wider than the page, for the failure message.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (e) => {
    for (let p = e.parentElement; p; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const wide = [...document.querySelectorAll('body *')].filter(
    (e) => e.getBoundingClientRect().right > width + 1 && !scrolls(e)
  );
  const name = (e) => e.tagName.toLowerCase() + (e.classList[0] ? '.' + e.classList[0] : '');
  return { scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5).map(name) };
}"""


def problems_on(page, axe: Axe) -> list[str]:
    """What is wrong with the page the browser shows: blocking axe violations, overflow."""
    found = []
    for violation in axe.run(page).response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            found.append(f"axe {violation['impact']} {violation['id']}: {targets}")
    size = page.evaluate(OVERFLOW)
    if size["scroll"] > size["width"]:
        found.append(f"{size['scroll']} px wide at {size['width']} px: {size['wide']}")
    return found


def _signed_in(browser, base_url: str, username: str):
    page = new_page(browser, base_url, timeout=20_000)
    if username != ANON:
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert "/accounts/login/" not in page.url, f"{username} could not sign in"
    return page


def test_it_finds_no_serious_violation_and_no_overflow_on_any_page(
    browser, live_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
    urls = {page.name: page.url() for page in PAGES}
    by_role: dict[str, list[str]] = {}
    for page in PAGES:
        for role in page.roles:
            by_role.setdefault(role, []).append(page.name)

    axe, failures = Axe(), []
    for role, names in by_role.items():
        tab = _signed_in(browser, live_server.url, role)
        for name in names:
            response = tab.goto(urls[name])
            if response.status != 200:
                failures.append(f"{urls[name]} as {role}: HTTP {response.status}")
                continue
            failures += [f"{urls[name]} as {role}: {p}" for p in problems_on(tab, axe)]
        tab.context.close()
    assert failures == [], "\n".join(failures)
