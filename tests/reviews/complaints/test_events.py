"""The complaints' integration event: overdue, once, without the title, text or author."""

from datetime import timedelta

import pytest

from reviews.complaints.services import complaints_sweep
from tests.fixtures.events import assert_no_personal_data

pytestmark = pytest.mark.django_db


def test_it_announces_an_overdue_complaint_once(event_log, complaint, student, manager):
    later = complaint.acknowledge_due_at + timedelta(minutes=1)

    complaints_sweep(now=later)
    complaints_sweep(now=later + timedelta(days=9))

    (overdue,) = event_log("reviews.complaint.overdue")
    assert overdue["data"]["complaint_id"] == complaint.pk
    assert overdue["data"]["deadline"] == "acknowledge"
    assert overdue["occurred_at"] == later.isoformat()
    assert "Leaking" not in str(overdue) and student.username not in str(overdue)
    assert_no_personal_data(overdue, student)
