"""The cast of tests/conftest.py: what anonymous visitors and staff of another unit see of a
student's things (nothing), next to the technician who works on them."""

from repairs.models import RepairRequest
from reviews.complaints.querysets import complaints_for
from reviews.querysets import reviews_for
from tests.repairs.factories import RepairRequestFactory
from tests.reviews.factories import ComplaintFactory, ReviewFactory, ServiceEventFactory


def test_it_shows_a_students_request_to_its_technician_only(
    student, technician, other_unit_staff, anonymous
):
    repair = RepairRequestFactory(requester=student, assignee=technician, status="assigned")
    RepairRequestFactory(requester=student)
    assert list(RepairRequest.objects.for_user(technician)) == [repair]
    assert not RepairRequest.objects.for_user(other_unit_staff).exists()
    assert not RepairRequest.objects.for_user(anonymous).exists()
    assert RepairRequest.objects.for_user(student).count() == 2


def test_it_hides_a_students_complaint_and_review_from_staff_of_another_unit(
    student, other_unit_staff, anonymous
):
    ComplaintFactory(author=student)
    ReviewFactory(event=ServiceEventFactory(served=student))
    for user in (other_unit_staff, anonymous):
        assert not complaints_for(user).exists()
        assert not reviews_for(user).exists()
    assert other_unit_staff.staff_scopes.get().department.name_en == "Another unit"
