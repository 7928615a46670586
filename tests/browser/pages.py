"""Every page of the portal, with the roles that open it, for the accessibility sweep.

tests/browser/test_accessibility_sweep.py opens each page below as each role listed, on the demo
data (`seed_demo`), at 360 px, and checks it with axe-core (no critical or serious violation) and
for horizontal overflow. tests/demo/test_pages_demo.py checks that each one answers 200 for those
roles, and tests/test_page_sweep.py fails for any page of the URLconf that is not listed here (or
excluded, with the reason, in its EXCLUDED list) — so a new page cannot miss the sweep.

HOW TO ADD A PAGE — one line in PAGES:

    Page("parcels:list", STUDENT, MAILROOM),                        # no URL arguments
    Page("parcels:detail", STUDENT, kwargs=lambda: {"pk": first("parcels.Parcel").pk}),
    Page("dining:index", ANON, STUDENT, query="?date=tomorrow"),    # with a query string

The role names are the demo accounts' usernames (logistics/demo.py ACCOUNTS, password "demo");
ANON is a visitor who is not signed in. `kwargs` runs after seeding, so it may read the demo
rows; `first(model, **filters)` returns the first row of "app.Model" matching the filters.
"""

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.urls import reverse

ANON = "anonymous"
STUDENT = "student"
STUDENT2 = "student2"  # the demo leaves a review waiting for them
TEACHER = "teacher"
TECHNICIAN = "technician"
DISPATCHER = "repair_dispatcher"
CANTEEN = "canteen_staff"
DORMS = "dorm_manager"
MAILROOM = "mailroom_clerk"
LOSTFOUND = "lostfound_desk"
MANAGER = "logistics_manager"
SUPERVISOR = "supervisor"


class Page:
    """A page (by URL name), the roles it is checked as, and how to build its URL."""

    def __init__(
        self,
        name: str,
        *roles: str,
        kwargs: Callable[[], dict[str, Any]] | None = None,
        query: str = "",
    ):
        assert roles, f"{name}: name at least one role that opens the page"
        self.name, self.roles, self.kwargs, self.query = name, roles, kwargs, query

    def __repr__(self) -> str:
        return f"Page({self.name!r})"

    def url(self) -> str:
        return reverse(self.name, kwargs=self.kwargs() if self.kwargs else None) + self.query


def first(model: str, **filters):
    """The first demo row of "app.Model" matching the filters (fails loudly when none)."""
    rows = apps.get_model(model).objects.all()
    row = rows.filter(**filters).order_by("pk").first()
    # what there is instead, to tell a demo seeded differently from one not seeded at all
    assert row is not None, f"no demo {model} with {filters}; {rows.count()} in all"
    return row


def _staff_menu() -> dict[str, Any]:
    menu = first("dining.Menu", canteen__slug=_canteen()["slug"], items__isnull=False)
    return {
        "slug": menu.canteen.slug,
        "date": menu.date.isoformat(),
        "meal": menu.meal,
        "window": menu.window.code,
    }


def _canteen() -> dict[str, Any]:
    """The canteen the demo's canteen staff serve (MH-C1)."""
    return {"slug": first("dining.Canteen", building__code="C1", building__campus__code="MH").slug}


def _dish() -> dict[str, Any]:
    return {"pk": first("dining.Dish", canteen__slug=_canteen()["slug"]).pk}


def _dish_edit() -> dict[str, Any]:
    return {**_canteen(), **_dish()}


def _repair() -> dict[str, Any]:
    """A request of the student, in progress with the technician."""
    repair = first(
        "repairs.RepairRequest",
        requester__username=STUDENT,
        assignee__username=TECHNICIAN,
        status="in_progress",
    )
    return {"pk": repair.pk}


def _building() -> dict[str, Any]:
    return {"building_pk": first("logistics.Building").pk}


def _station() -> dict[str, Any]:
    return {"station_pk": first("parcels.Station", code="MH-EAST").pk}


def _event_to_review() -> dict[str, Any]:
    from reviews.querysets import events_to_review

    return {"pk": events_to_review(first("logistics.User", username=STUDENT2)).first().pk}


def _notice(**filters):
    return lambda: {"pk": first("dorms.Notice", **filters).pk}


def _round() -> dict[str, Any]:
    return {"pk": first("dorms.InspectionRound").pk}


def _round_building() -> dict[str, Any]:
    return {"pk": _round()["pk"], "building_pk": first("logistics.Building", code="D1").pk}


def _round_room(*, passed: bool):
    def kwargs() -> dict[str, Any]:
        check = first("dorms.RoomCheck", passed=passed)
        return {"pk": check.round_id, "room_pk": check.room_id}

    return kwargs


def _student_hazard() -> dict[str, Any]:
    room = first("logistics.User", username=STUDENT).dorm_room
    return {"pk": first("dorms.Hazard", room=room).pk}


def _stored_item() -> dict[str, Any]:
    """A labelled item at the demo desk person's desk (on the board too)."""
    return {"pk": first("lostfound.FoundItem", desk__code="MH", status="stored").pk}


def _kept_umbrella() -> dict[str, Any]:
    """The umbrella its finder (student2) keeps; the demo student has written to them."""
    return {"pk": first("lostfound.FoundItem", custody="finder", category__code="umbrella").pk}


PAGES: list[Page] = [
    # --- core ---------------------------------------------------------------------------------
    Page(
        "home",
        ANON,
        STUDENT,
        TEACHER,
        TECHNICIAN,
        DISPATCHER,
        CANTEEN,
        DORMS,
        MAILROOM,
        LOSTFOUND,
        MANAGER,
        SUPERVISOR,
    ),
    Page("command-centre", MANAGER, SUPERVISOR, DISPATCHER, DORMS),
    Page("manager-overview", MANAGER, SUPERVISOR),
    Page("reports:list", MANAGER, SUPERVISOR),
    Page(
        "reports:detail",
        MANAGER,
        SUPERVISOR,
        kwargs=lambda: {"week": first("logistics.WeeklyReport").week},
    ),
    Page("login", ANON),
    Page("logout", STUDENT),
    Page("notifications:list", STUDENT, TECHNICIAN),
    Page("notifications:preferences", STUDENT),
    Page("places:import", MANAGER),
    # --- repairs ------------------------------------------------------------------------------
    Page("repairs:index", STUDENT),
    Page("repairs:mine", STUDENT),
    Page("repairs:create", STUDENT),
    Page("repairs:detail", STUDENT, TECHNICIAN, DISPATCHER, kwargs=_repair),
    Page("repairs:queue", DISPATCHER),
    Page("repairs:workload", DISPATCHER),
    Page("repairs:workbench", TECHNICIAN),
    Page("repairs:qr-sheets", DISPATCHER),
    Page("repairs:qr-sheet", DISPATCHER, kwargs=_building),
    Page("repairs:figures", DISPATCHER, MANAGER),
    # --- dining: public -----------------------------------------------------------------------
    Page("dining:index", ANON, STUDENT),
    Page("dining:index", ANON, STUDENT, query="?date=tomorrow"),
    Page("dining:search", STUDENT, query="?q=面"),
    Page("dining:canteen", ANON, kwargs=_canteen),
    Page("dining:dish", ANON, STUDENT, kwargs=_dish),
    Page("dining:favourites", STUDENT),
    Page("dining:openmensa", ANON),
    Page("dining:price-board", ANON, kwargs=_canteen),
    Page("dining:price-index", ANON, MANAGER),
    # --- dining: canteen staff and price supervision ------------------------------------------
    Page("dining:staff-home", CANTEEN),
    Page("dining:staff-menu", CANTEEN, kwargs=_staff_menu),
    Page("dining:staff-import", CANTEEN, kwargs=_canteen),
    Page("dining:staff-dishes", CANTEEN, kwargs=_canteen),
    Page("dining:staff-dish-new", CANTEEN, kwargs=_canteen),
    Page("dining:staff-dish-edit", CANTEEN, kwargs=_dish_edit),
    Page("dining:violations", MANAGER),
    Page("dining:price-rules", MANAGER),
    Page("dining:price-rule-edit", MANAGER, kwargs=lambda: {"pk": first("dining.PriceRule").pk}),
    Page("dining:figures", MANAGER, CANTEEN),
    # --- lost and found --------------------------------------------------------------------------
    Page("lostfound:index", STUDENT, LOSTFOUND),
    Page("lostfound:mine", STUDENT, STUDENT2),
    Page("lostfound:found-create", STUDENT),
    Page("lostfound:found-detail", STUDENT, LOSTFOUND, kwargs=_stored_item),
    Page("lostfound:found-label", LOSTFOUND, kwargs=_stored_item),
    Page("lostfound:claim-create", STUDENT, kwargs=_stored_item),
    Page(
        "lostfound:claim-detail",
        STUDENT,
        LOSTFOUND,
        kwargs=lambda: {"pk": first("lostfound.Claim", claimant__username=STUDENT).pk},
    ),
    Page("lostfound:desk-claims", LOSTFOUND),
    Page("lostfound:lost-create", STUDENT),
    Page(
        "lostfound:lost-detail",
        STUDENT,
        kwargs=lambda: {"pk": first("lostfound.LostReport", owner__username=STUDENT).pk},
    ),
    Page("lostfound:desk", LOSTFOUND),
    Page("lostfound:desk", LOSTFOUND, query="?tab=expected"),
    Page("lostfound:intake", LOSTFOUND),
    Page("lostfound:labels", LOSTFOUND),
    Page("lostfound:disposals", LOSTFOUND),
    Page("lostfound:register", LOSTFOUND, MANAGER),
    Page(
        "lostfound:found-detail",
        LOSTFOUND,
        kwargs=lambda: {"pk": first("lostfound.FoundItem", disposal_listed_at__isnull=False).pk},
    ),
    Page("lostfound:figures", MANAGER, SUPERVISOR),
    Page("lostfound:messages", STUDENT, STUDENT2, kwargs=_kept_umbrella),
    Page(
        "lostfound:conversation",
        STUDENT,
        STUDENT2,
        kwargs=lambda: {
            "pk": _kept_umbrella()["pk"],
            "conversation_pk": first("lostfound.Conversation").pk,
        },
    ),
    Page("lostfound:categories", MANAGER),
    Page("lostfound:category-create", MANAGER),
    Page("lostfound:category-edit", MANAGER, kwargs=lambda: {"pk": first("lostfound.Category").pk}),
    # --- dorms: notices and outages -----------------------------------------------------------
    Page("dorms:index", STUDENT, DORMS),
    Page("dorms:my-building", STUDENT, STUDENT2),
    Page("dorms:notice-create", DORMS, MANAGER),
    Page("dorms:outages", DISPATCHER, DORMS),
    Page("dorms:notice-detail", STUDENT, DORMS, kwargs=_notice(requires_ack=True)),
    Page("dorms:notice-acks", DORMS, kwargs=_notice(requires_ack=True)),
    Page("dorms:notice-edit", DORMS, kwargs=_notice(status="draft")),
    Page("dorms:notice-preview", DORMS, kwargs=_notice(status="draft")),
    Page("dorms:notice-correct", DORMS, kwargs=_notice(kind="general", status="published")),
    # --- dorms: room inspections --------------------------------------------------------------
    Page("dorms:inspections", DORMS, MANAGER),
    Page("dorms:inspection-create", DORMS),
    Page("dorms:inspection-detail", DORMS, MANAGER, kwargs=_round),
    Page("dorms:inspection-walk", DORMS, kwargs=_round_building),
    Page("dorms:inspection-room", DORMS, kwargs=_round_room(passed=True)),
    Page("dorms:inspection-room", DORMS, kwargs=_round_room(passed=False)),
    Page("dorms:hazards", DORMS, MANAGER),
    Page("dorms:hazards", DORMS, query="?overdue=1"),
    Page("dorms:hazard-detail", STUDENT, DORMS, kwargs=_student_hazard),
    # --- reviews, complaints, indices ---------------------------------------------------------
    Page("reviews:index", STUDENT),
    Page("reviews:event-review", STUDENT2, kwargs=_event_to_review),
    Page(
        "reviews:review-detail",
        STUDENT,
        kwargs=lambda: {"pk": first("reviews.Review", author__username=STUDENT).pk},
    ),
    Page(
        "reviews:review-edit",
        STUDENT,
        kwargs=lambda: {"pk": first("reviews.Review", author__username=STUDENT).pk},
    ),
    Page("reviews:review-list", MANAGER),
    Page("reviews:moderation", MANAGER),
    Page("reviews:follow-up-list", DISPATCHER, MANAGER),
    Page("reviews:follow-up-detail", MANAGER, kwargs=lambda: {"pk": first("reviews.FollowUp").pk}),
    Page("reviews:complaint-list", STUDENT, MANAGER),
    Page("reviews:complaint-new", STUDENT),
    Page("reviews:complaint-board", ANON),
    Page(
        "reviews:complaint-detail",
        STUDENT,
        MANAGER,
        kwargs=lambda: {"pk": first("reviews.Complaint", author__username=STUDENT).pk},
    ),
    Page("reviews:index-overview", MANAGER, SUPERVISOR),
    Page("reviews:index-mine", DISPATCHER, CANTEEN),
    Page(
        "reviews:index-subject", MANAGER, kwargs=lambda: {"subject_pk": first("reviews.Subject").pk}
    ),
    # --- parcels ------------------------------------------------------------------------------
    Page("parcels:mine", STUDENT),
    Page("parcels:qr", STUDENT),
    Page("parcels:proxies", STUDENT),
    Page(
        "parcels:detail",
        STUDENT,
        MAILROOM,
        kwargs=lambda: {"pk": first("parcels.Parcel", recipient__username=STUDENT).pk},
    ),
    Page("parcels:peak", MANAGER, SUPERVISOR),
    Page("parcels:stations", MAILROOM, MANAGER),
    Page("parcels:scan", MAILROOM, kwargs=_station),
    Page("parcels:waiting", MAILROOM, kwargs=_station),
    Page("parcels:unknown", MAILROOM, kwargs=_station),
    Page("parcels:pickup", MAILROOM, kwargs=_station),
    Page("parcels:manifest", MAILROOM, kwargs=_station),
    Page("parcels:overdue", MAILROOM, kwargs=_station),
    Page("parcels:returns", MAILROOM, kwargs=_station),
    Page("parcels:returns", MAILROOM, kwargs=_station, query="?carrier=sf"),
    Page("parcels:delivery-run", MAILROOM, kwargs=_station),
    Page("parcels:preference", STUDENT, TEACHER),
]
