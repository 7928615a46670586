"""The beat sweeps of the repairs app: reminders, escalation, auto-confirmation — each once."""

import os
import re
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from logistics.models import Notification, StaffScope
from logistics.workcalendar import add_working_hours
from repairs import services, tasks
from repairs.models import RepairEvent, RepairRequest
from tests.fixtures.celery_worker import wait_until
from tests.logistics.factories import BuildingFactory, UserFactory
from tests.repairs.factories import CategoryFactory, RepairRequestFactory

Status = RepairRequest.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def dispatcher(db):
    return UserFactory(username="d1001", roles=["repair_dispatcher"])


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


# --- Reminders ----------------------------------------------------------------------------------


def test_it_reminds_the_assignee_once_before_the_due_time(db, settings):
    settings.REPAIRS_REMINDER_BEFORE_HOURS = 2
    now = timezone.now()
    request = RepairRequestFactory(assigned=True, completion_due_at=now + timedelta(minutes=90))
    assert services.repair_requests_sla_sweep(now=now)["reminded"] == 1
    assert services.repair_requests_sla_sweep(now=now + timedelta(minutes=5))["reminded"] == 0
    assert kinds(request.assignee) == ["repairs.reminder"]
    request.refresh_from_db()
    assert request.reminder_sent_at == now
    assert list(request.events.values_list("action", flat=True)) == ["reminder"]
    title = Notification.objects.get().title
    assert timezone.localtime(request.completion_due_at).strftime("%H:%M") in title


def test_it_does_not_remind_too_early_on_hold_or_without_an_assignee(db, settings):
    settings.REPAIRS_REMINDER_BEFORE_HOURS = 2
    now = timezone.now()
    RepairRequestFactory(assigned=True, completion_due_at=now + timedelta(hours=3))
    RepairRequestFactory(
        assigned=True, status=Status.ON_HOLD, completion_due_at=now + timedelta(hours=1)
    )
    RepairRequestFactory(completion_due_at=now + timedelta(hours=1))
    assert services.repair_requests_sla_sweep(now=now)["reminded"] == 0
    assert not Notification.objects.exists()


# --- Escalation ---------------------------------------------------------------------------------


def test_it_escalates_an_overdue_request_to_its_dispatchers_once(dispatcher):
    elsewhere = UserFactory(username="d2002", roles=["repair_dispatcher"])
    StaffScope.objects.create(user=elsewhere, role="repair_dispatcher", building=BuildingFactory())
    now = timezone.now()
    request = RepairRequestFactory(assigned=True, completion_due_at=now - timedelta(minutes=1))
    first = services.repair_requests_sla_sweep(now=now)
    second = services.repair_requests_sla_sweep(now=now + timedelta(minutes=5))
    assert (first["escalated"], second["escalated"]) == (1, 0)
    assert kinds(dispatcher) == ["repairs.escalated"]
    assert kinds(elsewhere) == []
    request.refresh_from_db()
    assert (request.escalation_level, request.escalated_at) == (1, now)
    assert RepairEvent.objects.get(request=request, action="escalated").data == {"level": 1}


def test_it_escalates_to_the_managers_when_no_dispatcher_covers_the_request(manager):
    scoped = UserFactory(username="d3003", roles=["repair_dispatcher"])
    StaffScope.objects.create(user=scoped, role="repair_dispatcher", building=BuildingFactory())
    now = timezone.now()
    RepairRequestFactory(completion_due_at=now - timedelta(hours=1))
    services.repair_requests_sla_sweep(now=now)
    assert kinds(manager) == ["repairs.escalated"]
    assert kinds(scoped) == []


def test_it_escalates_to_the_managers_when_overdue_by_the_target_again(dispatcher, manager):
    category = CategoryFactory(code="ac", completion_hours=16)
    request = RepairRequestFactory(category=category, assigned=True, completion_due_at=MONDAY_9)
    managers_due = add_working_hours(MONDAY_9, 16)
    assert managers_due == datetime(2026, 11, 24, 16, 0, tzinfo=SHANGHAI)
    services.repair_requests_sla_sweep(now=MONDAY_9 + timedelta(minutes=1))
    services.repair_requests_sla_sweep(now=managers_due - timedelta(minutes=1))
    assert kinds(manager) == []
    result = services.repair_requests_sla_sweep(now=managers_due + timedelta(minutes=1))
    again = services.repair_requests_sla_sweep(now=managers_due + timedelta(hours=5))
    assert (result["escalated_to_managers"], again["escalated_to_managers"]) == (1, 0)
    assert kinds(manager) == ["repairs.escalated"]
    assert kinds(dispatcher) == ["repairs.escalated"]
    request.refresh_from_db()
    assert request.escalation_level == 2


def test_it_leaves_requests_on_hold_and_finished_ones_alone(dispatcher):
    now = timezone.now()
    past = now - timedelta(hours=5)
    RepairRequestFactory(assigned=True, status=Status.ON_HOLD, completion_due_at=past)
    RepairRequestFactory(completed=True, completion_due_at=past)
    RepairRequestFactory(status=Status.CANCELLED, completion_due_at=past)
    assert services.repair_requests_sla_sweep(now=now) == {
        "reminded": 0,
        "escalated": 0,
        "escalated_to_managers": 0,
    }
    assert not Notification.objects.exists()


# --- Auto-confirmation --------------------------------------------------------------------------


def test_it_confirms_completed_requests_after_the_configured_days(db, settings):
    settings.REPAIRS_AUTO_CONFIRM_DAYS = 3
    now = timezone.now()
    old = RepairRequestFactory(completed=True, completed_at=now - timedelta(days=3, minutes=1))
    recent = RepairRequestFactory(completed=True, completed_at=now - timedelta(days=2))
    assert services.repair_requests_auto_confirm(now=now) == 1
    assert services.repair_requests_auto_confirm(now=now) == 0
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, old.confirmed_at) == (Status.CONFIRMED, now)
    assert recent.status == Status.COMPLETED
    event = RepairEvent.objects.get(request=old)
    assert (event.action, event.actor, event.data) == ("confirmed", None, {"auto": True})
    assert kinds(old.requester) == ["repairs.confirmed"]
    assert kinds(old.assignee) == ["repairs.confirmed"]


def test_its_tasks_run_the_sweeps_in_process(settings, dispatcher):
    settings.REPAIRS_AUTO_CONFIRM_DAYS = 3
    RepairRequestFactory(assigned=True, completion_due_at=timezone.now() - timedelta(hours=1))
    RepairRequestFactory(completed=True, completed_at=timezone.now() - timedelta(days=4))
    assert tasks.bulk_sla_sweep.apply().get()["escalated"] == 1
    assert tasks.bulk_auto_confirm.apply().get() == 1
    assert tasks.bulk_sla_sweep.apply().get()["escalated"] == 0


def test_it_schedules_both_sweeps_on_beat():
    from logistics.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"]: entry for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    for name in ("repairs.tasks.bulk_sla_sweep", "repairs.tasks.bulk_auto_confirm"):
        assert name in scheduled
        assert name in app.tasks
    assert scheduled["repairs.tasks.bulk_sla_sweep"]["schedule"] == 300


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
)
def test_it_sends_once_when_two_sweeps_run_at_the_same_time(transactional_db):
    from django.db import connection

    dispatcher = UserFactory(username="d7007", roles=["repair_dispatcher"])
    now = timezone.now()
    RepairRequestFactory.create_batch(5, assigned=True, completion_due_at=now - timedelta(hours=1))
    start, results = threading.Barrier(2), []

    def sweep():
        try:
            start.wait(timeout=30)
            results.append(services.repair_requests_sla_sweep(now=now)["escalated"])
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(results) == 5
    assert Notification.objects.filter(recipient=dispatcher, kind="repairs.escalated").count() == 5
    assert RepairEvent.objects.filter(action="escalated").count() == 5


def sweeps_done(worker) -> int:
    return len(re.findall(r"repairs\.tasks\.bulk_sla_sweep\[[^\]]+\] succeeded", worker.log()))


@pytest.mark.redis
def test_it_escalates_through_a_real_celery_worker(transactional_db, celery_worker):
    dispatcher = UserFactory(username="d8008", roles=["repair_dispatcher"])
    request = RepairRequestFactory(
        assigned=True, completion_due_at=timezone.now() - timedelta(minutes=10)
    )
    done = sweeps_done(celery_worker)
    for _ in range(3):
        tasks.bulk_sla_sweep.delay()
    wait_until(lambda: sweeps_done(celery_worker) >= done + 3, what="three sweeps by the worker")
    escalated = Notification.objects.filter(recipient=dispatcher, kind="repairs.escalated")
    assert escalated.count() == 1
    request.refresh_from_db()
    assert request.escalation_level == 1
