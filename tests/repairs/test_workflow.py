"""The repair rule table walked: in every state, for every kind of person, the request's page
offers exactly the actions the services accept — and each offered action has its form."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from logistics.workflow import DomainError
from repairs import services
from repairs.models import RepairRequest
from repairs.workflow import OPEN_STATUSES, TRANSITIONS
from tests.logistics.factories import UserFactory
from tests.repairs.factories import RepairRequestFactory, media_root  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

Status = RepairRequest.Status

# Each action with valid input: only the rule table (who, which state) may refuse it.
CALLS = {
    "cancel": lambda r, u, cast: services.repair_request_cancel(repair=r, by=u, reason="x"),
    "confirm": lambda r, u, cast: services.repair_request_confirm(repair=r, by=u),
    "reopen": lambda r, u, cast: services.repair_request_reopen(repair=r, by=u, reason="x"),
    "rate": lambda r, u, cast: services.repair_request_rate(repair=r, by=u, rating=4),
    "accept": lambda r, u, cast: services.repair_request_accept(repair=r, by=u),
    "reject": lambda r, u, cast: services.repair_request_reject(repair=r, by=u, reason="x"),
    "assign": lambda r, u, cast: services.repair_request_assign(
        repair=r, technician=cast["other_technician"], by=u
    ),
    "close": lambda r, u, cast: services.repair_request_close(repair=r, by=u),
    "start": lambda r, u, cast: services.repair_request_start(repair=r, by=u),
    "hold": lambda r, u, cast: services.repair_request_hold(repair=r, by=u, reason="x"),
    "resume": lambda r, u, cast: services.repair_request_resume(repair=r, by=u),
    "hand_back": lambda r, u, cast: services.repair_request_hand_back(repair=r, by=u, reason="x"),
    "complete": lambda r, u, cast: services.repair_request_complete(repair=r, by=u),
    "comment": lambda r, u, cast: services.repair_request_comment(repair=r, by=u, note="x"),
}
URL_NAMES = {"hand_back": "hand-back"}


class Refused(Exception):
    pass


def _accepts(action: str, repair: RepairRequest, user, cast) -> bool:
    """Whether the service takes the action; nothing it did is kept."""
    copy = RepairRequest.objects.with_related().get(pk=repair.pk)
    try:
        with transaction.atomic():
            CALLS[action](copy, user, cast)
            raise Refused  # roll back what the service did
    except Refused:
        return True
    except (DomainError, PermissionDenied):
        return False


def _request_in(status: str, cast) -> RepairRequest:
    now = timezone.now()
    worked = status not in (Status.SUBMITTED, Status.ACCEPTED, Status.REJECTED, Status.CANCELLED)
    done = status in (Status.COMPLETED, Status.CONFIRMED, Status.CLOSED)
    return RepairRequestFactory(
        requester=cast["requester"],
        status=status,
        assignee=cast["technician"] if worked else None,
        completed_at=now - timedelta(hours=1) if done else None,
        on_hold_since=now - timedelta(hours=1) if status == Status.ON_HOLD else None,
        status_before_hold=Status.IN_PROGRESS if status == Status.ON_HOLD else "",
    )


@pytest.fixture
def cast(db):
    return {
        "requester": UserFactory(username="s3001", roles=["student"]),
        "technician": UserFactory(username="t3001", roles=["technician"]),
        "other_technician": UserFactory(username="t3002", roles=["technician"]),
        "dispatcher": UserFactory(username="d3001", roles=["repair_dispatcher"]),
        "manager": UserFactory(username="m3001", roles=["logistics_manager"]),
    }


def test_it_covers_every_service_with_the_table():
    assert set(CALLS) == set(TRANSITIONS.transitions)


@pytest.mark.parametrize("status", Status.values)
def test_it_offers_on_the_page_exactly_what_the_services_accept(client, cast, status):
    repair = _request_in(status, cast)
    for role in ("requester", "technician", "dispatcher", "manager"):
        user = cast[role]
        client.force_login(user)
        response = client.get(repair.get_absolute_url())
        accepted = {a for a in TRANSITIONS.transitions if _accepts(a, repair, user, cast)}
        if response.status_code == 404:  # not theirs to see: nothing theirs to do either
            assert not accepted, (status, role)
            continue
        offered = set(response.context["actions"])
        assert offered == accepted, (status, role)
        html = response.content.decode()
        for action in offered:
            if action == "rate" and "confirm" in offered:
                continue  # in "completed" the confirm form carries the rating
            url = reverse(f"repairs:{URL_NAMES.get(action, action)}", args=[repair.pk])
            assert f'action="{url}"' in html, (status, role, action)


@pytest.mark.parametrize("status", OPEN_STATUSES)
def test_it_offers_the_technician_on_the_workbench_what_the_services_accept(client, cast, status):
    repair = _request_in(status, cast)
    technician = cast["technician"]
    if repair.assignee_id != technician.pk:
        return
    client.force_login(technician)
    html = client.get(reverse("repairs:workbench")).content.decode()
    for action in ("start", "hold", "resume", "hand_back", "complete"):
        url = reverse(f"repairs:{URL_NAMES.get(action, action)}", args=[repair.pk])
        shown = f'action="{url}"' in html
        assert shown == _accepts(action, repair, technician, cast), (status, action)


def test_it_keeps_the_open_queue_index_on_the_open_statuses():
    index = next(i for i in RepairRequest._meta.indexes if i.name == "repair_open_due_idx")
    ((lookup, statuses),) = index.condition.children
    assert lookup == "status__in" and set(statuses) == set(OPEN_STATUSES)


def test_it_answers_the_api_with_the_same_actions(client, cast):
    repair = _request_in(Status.IN_PROGRESS, cast)
    for role in ("requester", "technician", "dispatcher"):
        client.force_login(cast[role])
        body = client.get(f"/api/v1/repairs/requests/{repair.pk}/").json()
        page = client.get(repair.get_absolute_url()).context["actions"]
        assert body["allowed_actions"] == [URL_NAMES.get(a, a) for a in page], role


def test_it_lists_allowed_actions_for_a_scoped_dispatcher_in_a_fixed_number_of_queries(
    client, cast, django_assert_num_queries
):
    from logistics.models import StaffScope

    dispatcher = cast["dispatcher"]
    first = _request_in(Status.SUBMITTED, cast)
    StaffScope.objects.create(user=dispatcher, role="repair_dispatcher", building=first.building)
    for _n in range(3):
        RepairRequestFactory(requester=cast["requester"], room=first.room)
    client.force_login(dispatcher)
    client.get("/api/v1/repairs/requests/")
    # user (with its roles, unread count and scopes: User.scope_rows, for for_user and the rule
    # table) and the page's keys; the rows themselves are cached since the first request (the
    # page is drawn again: REPAIRS_PAGE_SECONDS=0)
    with override_settings(REPAIRS_PAGE_SECONDS=0), django_assert_num_queries(2):
        body = client.get("/api/v1/repairs/requests/").json()
    assert len(body["results"]) == 4
    assert all("accept" in row["allowed_actions"] for row in body["results"])
