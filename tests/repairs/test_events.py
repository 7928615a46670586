"""The repairs' integration events: filed and every status change, as their schemas say, with
the requester by campus ID only."""

import pytest

from repairs import services
from tests.fixtures.events import assert_no_personal_data
from tests.logistics.factories import RoomFactory, UserFactory
from tests.repairs.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_it_announces_a_filing_and_each_status_change(event_log, student, technician):
    student.phone, student.display_name = "13912345678", "李同学"
    student.save(update_fields=["phone", "display_name"])
    dispatcher = UserFactory(username="d1001", roles=["repair_dispatcher"])
    repair = services.repair_request_create(
        requester=student,
        category=CategoryFactory(code="light"),
        description="宿舍灯坏了，电话 13912345678",
        room=RoomFactory(),
    )

    services.repair_request_accept(repair=repair, by=dispatcher)
    services.repair_request_assign(repair=repair, technician=technician, by=dispatcher)
    services.repair_request_comment(repair=repair, by=dispatcher, note="明早去")

    (filed,) = event_log("repairs.request.filed")
    assert filed["data"]["request_id"] == repair.pk
    assert filed["data"]["requester"] == student.username
    assert filed["data"]["status"] == "submitted"
    changes = event_log("repairs.request.status_changed")
    assert [(c["data"]["from_status"], c["data"]["to_status"]) for c in changes] == [
        ("submitted", "accepted"),
        ("accepted", "assigned"),
    ]
    for body in [filed, *changes]:
        assert_no_personal_data(body, student, technician, dispatcher)
        assert "灯坏了" not in str(body)
