"""The cast of users every test can ask for, and markers that need real services."""

import os
import shutil

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from logistics import resilience
from logistics.api import throttling
from logistics.models import StaffScope
from logistics.roles import Role
from tests.logistics.factories import DepartmentFactory, UserFactory

pytest_plugins = [
    "tests.fixtures.celery_worker",
    "tests.fixtures.events",
    "tests.fixtures.http_receiver",
]


def _missing_services() -> list[str]:
    missing = []
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        missing.append("PostgreSQL (DATABASE_URL=postgres://...)")
    if not os.environ.get("REDIS_URL"):
        missing.append("Redis (REDIS_URL)")
    if not shutil.which("chromium"):
        missing.append("Debian's chromium (apt-get install chromium)")
    return missing


def pytest_report_header(config):
    database = os.environ.get("DATABASE_URL", "").split(":", 1)[0] or "sqlite (no DATABASE_URL)"
    redis = "yes" if os.environ.get("REDIS_URL") else "no REDIS_URL: tests marked redis are SKIPPED"
    return [f"services: database={database}, redis={redis}"]


def pytest_terminal_summary(terminalreporter):
    skipped = terminalreporter.stats.get("skipped", [])
    without_redis = sum("needs Redis" in str(report.longrepr) for report in skipped)
    if without_redis:
        terminalreporter.write_line(
            f"{without_redis} test(s) need Redis and were skipped: set REDIS_URL to run them.",
            yellow=True,
        )


def pytest_sessionfinish(session, exitstatus):
    # CI (REQUIRE_SERVICES=1) must run everything: a skipped test there is a failure.
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("REQUIRE_SERVICES") and skipped and session.exitstatus == 0:
        reporter.write_line(f"REQUIRE_SERVICES is set but {skipped} test(s) were skipped", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(config, items):
    if os.environ.get("REQUIRE_SERVICES") and (missing := _missing_services()):
        raise pytest.UsageError("REQUIRE_SERVICES is set but missing: " + "; ".join(missing))
    # Tests marked redis need REDIS_URL; without it they are skipped, and the summary says so.
    if os.environ.get("REDIS_URL"):
        return
    skip = pytest.mark.skip(reason="needs Redis: set REDIS_URL (CI always does)")
    for item in items:
        if "redis" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_process_state():
    # What a process keeps about Redis — the breakers, repairs pending, where the write limit
    # counts — as a process starts, after each test: a drill that stops Redis and never brings
    # it back must not leave the next test counting per process or refusing calls.
    yield
    resilience.reset()
    throttling.reset()


@pytest.fixture(autouse=True)
def _default_language(settings):
    # Code run outside a request (services, forms, commands) speaks English in tests, so their
    # messages can be asserted as written; pages still default to zh-hans through the locale
    # middleware. Reset after each test so a request in one language never leaks into the next.
    translation.activate("en")
    yield
    translation.activate("en")


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
def other_unit_staff(db):
    """Staff of another unit: a repair dispatcher scoped to a department of its own, which no
    example object of a test belongs to unless the test puts it there."""
    user = UserFactory(username="d9901", roles=[Role.REPAIR_DISPATCHER])
    elsewhere = DepartmentFactory(name="另一单位", name_en="Another unit")
    StaffScope.objects.create(user=user, role=Role.REPAIR_DISPATCHER, department=elsewhere)
    return user


@pytest.fixture
def anonymous():
    """Nobody signed in, as `request.user` is then."""
    return AnonymousUser()


@pytest.fixture
def manager(db):
    return UserFactory(username="m1001", roles=[Role.LOGISTICS_MANAGER])


@pytest.fixture
def integrator(db):
    return UserFactory(username="i1001", roles=[Role.INTEGRATOR])
