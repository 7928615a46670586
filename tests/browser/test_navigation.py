"""The main navigation on a phone: every section's own link stays in view (#12 item 5)."""

import pytest

from logistics.roles import Role
from tests.browser.conftest import new_page, sign_in
from tests.logistics.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Every entry of the navigation, with the page that makes it the current one.
SECTIONS = (
    "/",
    "/repairs/",
    "/dining/",
    "/dorms/",
    "/lostfound/",
    "/parcels/",
    "/reviews/",
    "/manage/",
)

CURRENT_BOX = """() => {
  const link = document.querySelector(".site-nav a[aria-current=page]");
  if (!link) return null;
  const box = link.getBoundingClientRect();
  return {text: link.textContent.trim(), left: box.left, right: box.right,
          top: box.top, bottom: box.bottom, width: window.innerWidth,
          height: window.innerHeight, nav: document.querySelector(".site-nav").scrollWidth};
}"""


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_it_keeps_the_current_section_in_view_at_360px_for_every_section(
    browser, live_server, locale
):
    manager = UserFactory(username="m2024902", roles=[Role.LOGISTICS_MANAGER, Role.STUDENT])
    page = new_page(browser, live_server.url, locale=locale, timeout=15_000)
    sign_in(page, manager.username)
    misplaced = []
    for url in SECTIONS:
        page.goto(url)
        box = page.evaluate(CURRENT_BOX)
        assert box is not None, f"{url}: no current link in the navigation"
        inside = box["left"] >= 0 and box["right"] <= box["width"] and box["bottom"] <= 740
        if not inside or box["nav"] > box["width"]:
            misplaced.append((url, box))
    page.context.close()
    assert misplaced == []
