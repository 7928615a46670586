"""The complaint rule table walked: in every state, for every kind of person, the complaint's
page offers exactly the steps the services accept — and each offered step has its form."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client
from django.urls import reverse

from logistics.workflow import DomainError
from reviews.complaints import services
from reviews.complaints.workflow import TRANSITIONS
from reviews.models import Complaint
from tests.logistics.factories import DepartmentFactory, UserFactory
from tests.reviews.complaints.conftest import staff_of
from tests.reviews.factories import ComplaintFactory

pytestmark = pytest.mark.django_db

Status = Complaint.Status

# Each step with valid input: only the rule table (who, which state) may refuse it.
CALLS = {
    "acknowledge": lambda c, u, cast: services.complaint_acknowledge(complaint=c, by=u),
    "reply": lambda c, u, cast: services.complaint_reply(complaint=c, by=u, body="x"),
    "resolve": lambda c, u, cast: services.complaint_resolve(complaint=c, by=u, note="x"),
    "reassign": lambda c, u, cast: services.complaint_reassign(
        complaint=c, by=u, department=cast["other_department"]
    ),
    "confirm": lambda c, u, cast: services.complaint_confirm(complaint=c, by=u, satisfaction=4),
    "reopen": lambda c, u, cast: services.complaint_reopen(complaint=c, by=u, reason="x"),
    "withdraw": lambda c, u, cast: services.complaint_withdraw(complaint=c, by=u),
}


class Refused(Exception):
    pass


def _accepts(action: str, complaint: Complaint, user, cast) -> bool:
    """Whether the service takes the step; nothing it did is kept."""
    copy = Complaint.objects.select_related("department").get(pk=complaint.pk)
    try:
        with transaction.atomic():
            CALLS[action](copy, user, cast)
            raise Refused  # roll back what the service did
    except Refused:
        return True
    except (DomainError, PermissionDenied):
        return False


@pytest.fixture
def cast(db):
    department = DepartmentFactory(code="walk-unit")
    return {
        "author": UserFactory(username="s4001", roles=["student"]),
        "staff": staff_of(department, "staff41"),
        "outsider": staff_of(DepartmentFactory(code="walk-other"), "staff42"),
        "manager": UserFactory(username="m4001", roles=["logistics_manager"]),
        "department": department,
        "other_department": DepartmentFactory(code="walk-third"),
    }


def test_it_covers_every_service_with_the_table():
    assert set(CALLS) == set(TRANSITIONS.transitions)


@pytest.mark.parametrize("status", Status.values)
def test_it_offers_on_the_page_exactly_what_the_services_accept(cast, status):
    complaint = ComplaintFactory(
        author=cast["author"], department=cast["department"], status=status
    )
    for role in ("author", "staff", "outsider", "manager"):
        user = cast[role]
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        response = client.get(complaint.get_absolute_url())
        accepted = {a for a in TRANSITIONS.transitions if _accepts(a, complaint, user, cast)}
        if response.status_code == 404:  # not theirs to see: nothing theirs to do either
            assert not accepted, (status, role)
            continue
        offered = set(response.context["actions"])
        assert offered == accepted, (status, role)
        html = response.content.decode()
        for action in offered:
            url = reverse(f"reviews:complaint-{action}", args=[complaint.pk])
            assert f'action="{url}"' in html, (status, role, action)


def test_it_answers_the_api_with_the_same_steps(cast):
    complaint = ComplaintFactory(author=cast["author"], department=cast["department"])
    for role in ("author", "staff", "manager"):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(cast[role])
        listed = client.get("/api/v1/reviews/complaints/").json()["results"][0]
        shown = client.get(f"/api/v1/reviews/complaints/{complaint.pk}/").json()
        expected = complaint.allowed_actions(cast[role])
        assert listed["allowed_actions"] == shown["allowed_actions"] == expected, role
