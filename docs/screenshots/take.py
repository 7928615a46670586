"""Takes the user guide's screenshots of the service pages from a running demo portal.

Start the demo first (`make run`, or any server seeded with `manage.py seed_demo`), then:

    .venv/bin/python docs/screenshots/take.py http://127.0.0.1:8000

Uses Debian's Chromium through Playwright, at phone (360 px) and desktop (1280 px) width. The
journeys in tests/browser/ take the core pages' screenshots (`make screenshots`).
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

FOLDER = Path(__file__).resolve().parent
MOBILE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}
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

# (account, path, file name, widths)
PAGES = [
    ("student", "/repairs/new/", "repairs-report", ("mobile",)),
    ("student", "/repairs/mine/", "repairs-mine", ("mobile",)),
    ("repair_dispatcher", "/repairs/queue/", "repairs-queue", ("desktop",)),
    ("technician", "/repairs/workbench/", "repairs-workbench", ("mobile",)),
    ("logistics_manager", "/repairs/figures/", "repairs-figures", ("desktop",)),
    (None, "/dining/", "dining-today", ("mobile", "desktop")),
    ("canteen_staff", "/dining/staff/", "dining-staff-home", ("mobile",)),
    ("logistics_manager", "/dining/figures/", "dining-figures", ("desktop",)),
]


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def main(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        for account, path, name, widths in PAGES:
            context = browser.new_context(viewport=MOBILE, locale="zh-CN")
            page = context.new_page()
            if account:
                sign_in(page, base, account)
            page.goto(base + path)
            for width in widths:
                page.set_viewport_size(MOBILE if width == "mobile" else DESKTOP)
                page.screenshot(path=str(FOLDER / f"{name}-{width}.png"))
                print(f"{name}-{width}.png  ({page.url})")
            context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000")
