"""Fixtures of the lost-and-found tests: a desk, its staff, another desk's staff, photos."""

import pytest

from tests.lostfound.factories import DeskFactory, desk_person
from tests.repairs.factories import media_root  # noqa: F401  (a fixture for the photo tests)


@pytest.fixture
def desk(db):
    return DeskFactory(code="LIB", name="失物招领处", location="图书馆一楼")


@pytest.fixture
def desk_staff(desk):
    return desk_person(desk, "lf1001")


@pytest.fixture
def second_desk_staff(desk):
    return desk_person(desk, "lf1002")


@pytest.fixture
def other_desk_staff(db):
    return desk_person(DeskFactory(code="XH"), "lf2001")
