"""Delivery through a real Celery worker: publishing queues it after commit, the worker
delivers to every resident once, a second copy of the task sends nothing twice, and a worker
killed in the middle of a batch leaves that batch whole to the next worker."""

import json
import re
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from dorms import services
from dorms.models import NoticeDelivery, ResidentPush
from dorms.tasks import deliver_notice, release_due
from logistics.models import Notification, OutboxMessage, WebhookEndpoint
from tests.dorms.factories import NoticeFactory, dorm_manager_of, resident_of
from tests.fixtures.celery_worker import wait_until
from tests.logistics.factories import BuildingFactory, RoomFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def deliveries_run(worker) -> int:
    return len(re.findall(r"dorms\.tasks\.bulk_deliver_notice\[[^\]]+\] succeeded", worker.log()))


def test_a_real_worker_delivers_once_even_when_the_task_runs_twice(celery_worker):
    building = BuildingFactory(code="E1")
    residents = [resident_of(RoomFactory(building=building), f"s{n}") for n in range(12)]
    manager = dorm_manager_of(building)
    notice = NoticeFactory(buildings=[building], author=manager, kind="general")
    services.notice_publish(notice=notice, by=manager)
    delivery = NoticeDelivery.objects.get(notice=notice)
    wait_until(
        lambda: NoticeDelivery.objects.filter(pk=delivery.pk, status="done").exists(),
        what="the delivery by the worker",
    )
    wait_until(lambda: deliveries_run(celery_worker) >= 1, what="the task's end in the log")
    ran = deliveries_run(celery_worker)
    deliver_notice.delay(delivery.pk)  # copies of the task (the relay, a redelivery) run again
    deliver_notice.delay(delivery.pk)
    wait_until(lambda: deliveries_run(celery_worker) >= ran + 2, what="the two copies")
    kinds = Notification.objects.filter(kind="dorms.notice.general")
    assert sorted(kinds.values_list("recipient_id", flat=True)) == sorted(r.pk for r in residents)
    delivery.refresh_from_db()
    assert delivery.delivered == 12 and delivery.pushed == 12


# --- A worker killed in the middle of a batch ---------------------------------------------------

BATCH = 25
RESIDENTS = 150  # six batches


@pytest.fixture
def small_batches(celery_worker):
    """The session's worker delivering BATCH residents a transaction; as it was afterwards."""
    before = dict(celery_worker.env)
    celery_worker.stop()
    celery_worker.start(DORMS_DELIVERY_BATCH=str(BATCH))
    yield celery_worker
    celery_worker.stop()
    celery_worker.env = before
    celery_worker.start()


@contextmanager
def row_locked(row):
    """Holds a row lock from another connection: whoever writes the row waits, mid-transaction,
    until the block ends. Yields that connection's backend pid."""
    locker = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        locker.set_autocommit(False)
        with locker.cursor() as cursor:
            meta = row._meta
            sql = f"SELECT 1 FROM {meta.db_table} WHERE {meta.pk.column} = %s FOR UPDATE"  # noqa: S608
            cursor.execute(sql, [row.pk])
            cursor.execute("SELECT pg_backend_pid()")
            yield cursor.fetchone()[0]
        locker.rollback()
    finally:
        locker.close()


def backends_blocked_by(pid: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [pid]
        )
        return [row[0] for row in cursor.fetchall()]


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def test_a_worker_killed_mid_batch_leaves_the_batch_to_the_next_worker_and_nobody_gets_two(
    small_batches, http_receiver
):
    worker = small_batches
    hook = WebhookEndpoint.objects.create(name="东区群", url=http_receiver.url, secret="s" * 24)
    building = BuildingFactory(code="E1")
    rooms = [RoomFactory(building=building) for _ in range(RESIDENTS // 4)]
    residents = [resident_of(rooms[n % len(rooms)], f"s{n:04d}") for n in range(RESIDENTS)]
    manager = dorm_manager_of(building)
    notice = NoticeFactory(buildings=[building], author=manager, kind="general")
    # Pushed two hours ago: pushed again now, so the second batch writes this row (and waits).
    in_second_batch = sorted(residents, key=lambda user: user.pk)[BATCH + 5]
    push = ResidentPush.objects.create(
        user=in_second_batch, pushed_at=timezone.now() - timedelta(hours=2)
    )

    with row_locked(push) as locker:
        services.notice_publish(notice=notice, by=manager)
        (stuck,) = wait_until(lambda: backends_blocked_by(locker), what="the second batch")
        delivery = NoticeDelivery.objects.get(notice=notice)
        assert (delivery.delivered, delivery.status) == (BATCH, "pending")  # one batch committed
        worker.kill()
    wait_until(lambda: not backend_alive(stuck), what="the killed worker's transaction to end")

    notifications = Notification.objects.filter(kind="dorms.notice.general")
    emails = OutboxMessage.objects.filter(channel="email", notification__in=notifications)
    assert notifications.count() == emails.count() == BATCH  # the killed batch left nothing

    worker.start()
    # What beat's relay does with a delivery nobody moved for two minutes.
    NoticeDelivery.objects.filter(pk=delivery.pk).update(
        updated_at=timezone.now() - timedelta(minutes=3)
    )
    release_due.delay()
    wait_until(
        lambda: NoticeDelivery.objects.filter(pk=delivery.pk, status="done").exists(),
        what="the delivery resumed by the new worker",
    )
    wait_until(
        lambda: emails.count() == RESIDENTS and not emails.exclude(status="sent").exists(),
        timeout=90,
        what="every e-mail sent",
    )
    hooks = OutboxMessage.objects.filter(channel="webhook", endpoint=hook)
    wait_until(lambda: http_receiver.received(), what="the group bot's message")

    everyone = Counter(r.pk for r in residents)
    assert Counter(notifications.values_list("recipient_id", flat=True)) == everyone
    assert Counter(emails.values_list("recipient_id", flat=True)) == everyone
    assert [json.loads(r.body)["id"] for r in http_receiver.received()] == [
        str(pk) for pk in hooks.values_list("id", flat=True)
    ]
    delivery.refresh_from_db()
    assert (delivery.delivered, delivery.pushed) == (RESIDENTS, RESIDENTS)
