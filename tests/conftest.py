"""The cast of users every test can ask for, and markers that need real services."""

import os

import pytest

from logistics.roles import Role
from tests.logistics.factories import UserFactory


def pytest_collection_modifyitems(config, items):
    # Tests marked redis need REDIS_URL; without it they are skipped, and the summary says so.
    if os.environ.get("REDIS_URL"):
        return
    skip = pytest.mark.skip(reason="needs Redis: set REDIS_URL (CI always does)")
    for item in items:
        if "redis" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def student(db):
    return UserFactory(username="s2024001", roles=[Role.STUDENT])


@pytest.fixture
def other_student(db):
    return UserFactory(username="s2024002", roles=[Role.STUDENT])


@pytest.fixture
def technician(db):
    return UserFactory(username="t1001", roles=[Role.TECHNICIAN])


@pytest.fixture
def manager(db):
    return UserFactory(username="m1001", roles=[Role.LOGISTICS_MANAGER])


@pytest.fixture
def integrator(db):
    return UserFactory(username="i1001", roles=[Role.INTEGRATOR])
