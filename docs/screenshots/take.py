"""Takes the user guide's screenshots of the service pages from a running demo portal.

Start the demo first (`make run`, or any server seeded with `manage.py seed_demo`), then:

    .venv/bin/python docs/screenshots/take.py http://127.0.0.1:8000
    .venv/bin/python docs/screenshots/take.py http://127.0.0.1:8000 reviews-   # only these

Uses Debian's Chromium through Playwright, at phone (360 px) and desktop (1280 px) width. The
journeys in tests/browser/ take the core pages' screenshots (`make screenshots`).

A page whose address holds an id of the demo data (a repair to rate, a complaint, a station) is
reached the way a person would: open `path`, then click the link `click` names (or each of a list
of links in turn); `query` is added to the address reached. `full_page` takes the whole page
instead of the first screen.
"""

import sys
from pathlib import Path

from PIL import Image
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

# (account, path, file name, widths[, options: click, query, full_page])
PAGES = [
    ("student", "/repairs/new/", "repairs-report", ("mobile",)),
    ("student", "/repairs/mine/", "repairs-mine", ("mobile",)),
    ("repair_dispatcher", "/repairs/queue/", "repairs-queue", ("desktop",)),
    ("technician", "/repairs/workbench/", "repairs-workbench", ("mobile",)),
    ("logistics_manager", "/repairs/figures/", "repairs-figures", ("desktop",)),
    (None, "/dining/", "dining-today", ("mobile", "desktop")),
    ("canteen_staff", "/dining/staff/", "dining-staff-home", ("mobile",)),
    ("logistics_manager", "/dining/figures/", "dining-figures", ("desktop",)),
    # The menu editor at 360 px: the first published menu of the staff's grid, rows as cards.
    (
        "canteen_staff",
        "/dining/staff/",
        "dining-menu-editor",
        ("mobile",),
        {"click": "main a.menu-cell.status-published", "full_page": True},
    ),
    (None, "/dining/canteens/mh-1/prices/", "dining-price-board", ("mobile",)),
    # Reviews: student2's finished repair waiting for a rating and complaint awaiting confirmation.
    (
        "student2",
        "/reviews/",
        "reviews-rate",
        ("mobile",),
        {"click": "section[aria-labelledby=waiting-title] li a", "full_page": True},
    ),
    (
        "student2",
        "/reviews/complaints/",
        "reviews-complaint",
        ("mobile",),
        {"click": "main a:has-text('报修三天没人来')", "full_page": True},
    ),
    (None, "/reviews/complaints/board/", "reviews-board", ("mobile",)),
    ("canteen_staff", "/reviews/complaints/", "reviews-inbox", ("desktop",)),
    ("repair_dispatcher", "/reviews/follow-ups/", "reviews-follow-ups", ("desktop",)),
    ("logistics_manager", "/reviews/indices/", "reviews-rankings", ("desktop",)),
    (
        "logistics_manager",
        "/reviews/indices/",
        "reviews-trend",
        ("desktop",),
        {"click": "main table a:has-text('维修中心')", "query": "?period=week", "full_page": True},
    ),
    # Parcels: the clerk serves both demo stations; student (张伟, phone …1234) has parcels waiting.
    (
        "mailroom_clerk",
        "/parcels/stations/",
        "parcels-scan",
        ("mobile",),
        {"click": "main a:has-text('东区驿站')", "full_page": True},
    ),
    (
        "mailroom_clerk",
        "/parcels/stations/",
        "parcels-pickup",
        ("mobile",),
        {
            "click": ["main a:has-text('东区驿站')", "main a:has-text('交还')"],
            "query": "?q=1234",
            "full_page": True,
        },
    ),
    ("student", "/parcels/mine/", "parcels-mine", ("mobile",)),
    (
        "student",
        "/parcels/mine/",
        "parcels-qr",
        ("mobile",),
        {"click": "main a:has-text('出示取件二维码')"},
    ),
    # Lost and found: the board, the found phone's page, the desk's inventory.
    ("student", "/lostfound/", "lostfound-board", ("mobile",)),
    (
        "student",
        "/lostfound/",
        "lostfound-item",
        ("mobile",),
        {"click": "main a:has-text('黑色华为手机')", "full_page": True},
    ),
    ("lostfound_desk", "/lostfound/desk/", "lostfound-desk", ("mobile",)),
    # Dorms: student lives in 东区1号楼 (tomorrow's water outage); the safety notice's acks.
    ("student", "/dorms/building/", "dorms-building", ("mobile",)),
    (
        "dorm_manager",
        "/dorms/",
        "dorms-acks",
        ("mobile",),
        {
            "click": ["main a:has-text('宿舍消防安全教育')", "main a:has-text('确认情况')"],
            "full_page": True,
        },
    ),
]


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def shrink(path: Path) -> None:
    """256 colours are plenty for a page of text: a third of the size of the full-colour PNG."""
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(256)
    small.save(path, optimize=True)


def main(base: str, only: list[str]) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        for account, path, name, widths, *more in PAGES:
            if only and not name.startswith(tuple(only)):
                continue
            options = more[0] if more else {}
            context = browser.new_context(viewport=MOBILE, locale="zh-CN")
            page = context.new_page()
            if account:
                sign_in(page, base, account)
            page.goto(base + path)
            clicks = options.get("click", [])
            for link in [clicks] if isinstance(clicks, str) else clicks:
                page.click(link)
                page.wait_for_load_state()
            if options.get("query"):
                page.goto(page.url.split("?")[0] + options["query"])
            for width in widths:
                page.set_viewport_size(MOBILE if width == "mobile" else DESKTOP)
                target = FOLDER / f"{name}-{width}.png"
                page.screenshot(path=str(target), full_page=options.get("full_page", False))
                shrink(target)
                print(f"{name}-{width}.png  ({page.url})")
            context.close()
        browser.close()


if __name__ == "__main__":
    main(
        sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000",
        sys.argv[2:],
    )
