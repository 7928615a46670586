"""The complaints cast: a department with its staff, a complaint of the student's."""

import pytest

from logistics.models import StaffScope
from logistics.roles import Role
from reviews.complaints.services import complaint_create
from tests.logistics.factories import DepartmentFactory, UserFactory


def staff_of(department, username: str, role: str = Role.REPAIR_DISPATCHER):
    user = UserFactory(username=username, roles=[role])
    StaffScope.objects.create(user=user, role=role, department=department)
    return user


@pytest.fixture
def department(db):
    return DepartmentFactory(code="repair-centre", name="维修中心", name_en="Repair centre")


@pytest.fixture
def staff(department):
    return staff_of(department, "staff1")


@pytest.fixture
def outsider(db):
    """Staff of another department: sees nothing of this one's."""
    return staff_of(DepartmentFactory(code="elsewhere"), "staff9")


@pytest.fixture
def complaint(student, department, staff):
    return complaint_create(
        author=student,
        kind="complaint",
        title="Leaking tap not fixed",
        body="The tap in 305 still leaks.",
        department=department,
    )
