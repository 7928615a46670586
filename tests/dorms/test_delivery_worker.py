"""Delivery through a real Celery worker: publishing queues it after commit, the worker
delivers to every resident once, and a second copy of the task sends nothing twice."""

import re

import pytest

from dorms import services
from dorms.models import NoticeDelivery
from dorms.tasks import deliver_notice
from logistics.models import Notification
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
