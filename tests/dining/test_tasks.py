"""The beat tasks of the dining app: scheduled menus publish, favourites hear of tomorrow."""

import datetime
import os
import re
import threading

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from dining import services, tasks
from dining.models import Menu
from logistics.models import Notification
from tests.dining.factories import FavouriteFactory, MenuFactory, MenuItemFactory
from tests.fixtures.celery_worker import wait_until

FAVOURITE_RUNS = re.compile(r"dining\.tasks\.bulk_favourites_notify_tomorrow\[[^\]]+\] succeeded")


def test_it_schedules_both_tasks_on_beat():
    from logistics.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"]: entry for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    publish = "dining.tasks.publish_due"
    favourites = "dining.tasks.bulk_favourites_notify_tomorrow"
    assert publish in app.tasks and favourites in app.tasks
    assert scheduled[publish]["schedule"] == 60
    assert scheduled[favourites]["schedule"].hour == {18}


def test_it_publishes_only_due_menus(db):
    now = timezone.now()
    due = MenuFactory(status=Menu.Status.SCHEDULED, publish_at=now - datetime.timedelta(minutes=1))
    later = MenuFactory(status=Menu.Status.SCHEDULED, publish_at=now + datetime.timedelta(hours=1))
    draft = MenuFactory(status=Menu.Status.DRAFT)
    assert tasks.publish_due() == 1
    statuses = dict(Menu.objects.values_list("pk", "status"))
    assert statuses == {due.pk: "published", later.pk: "scheduled", draft.pk: "draft"}


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
)
def test_it_publishes_each_menu_once_when_two_runs_overlap(transactional_db):
    from django.db import connection

    past = timezone.now() - datetime.timedelta(minutes=1)
    for _ in range(6):
        MenuFactory(status=Menu.Status.SCHEDULED, publish_at=past)
    start, results = threading.Barrier(2), []

    def run():
        try:
            start.wait(timeout=30)
            results.append(services.menus_publish_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(results) == 6
    assert Menu.objects.filter(status=Menu.Status.PUBLISHED).count() == 6


@pytest.mark.redis
def test_it_publishes_through_a_real_celery_worker(transactional_db, celery_worker):
    menu = MenuFactory(
        status=Menu.Status.SCHEDULED, publish_at=timezone.now() - datetime.timedelta(seconds=5)
    )
    tasks.publish_due.delay()
    wait_until(
        lambda: Menu.objects.filter(pk=menu.pk, status=Menu.Status.PUBLISHED).exists(),
        what="the worker publishing the scheduled menu",
    )


@pytest.mark.redis
def test_it_notifies_favourites_through_a_real_celery_worker(
    transactional_db, celery_worker, student
):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    dish = MenuItemFactory(menu=MenuFactory(date=tomorrow)).dish
    FavouriteFactory(user=student, dish=dish)
    tasks.favourites_notify_tomorrow.delay()
    tasks.favourites_notify_tomorrow.delay()
    wait_until(
        lambda: Notification.objects.filter(recipient=student).exists(),
        what="the favourite notification",
    )
    favourite = student.favourite_dishes.get()
    assert favourite.last_notified_for == tomorrow
    # the second run found nothing new to send
    wait_until(lambda: len(FAVOURITE_RUNS.findall(celery_worker.log())) >= 2, what="both runs")
    assert Notification.objects.filter(recipient=student).count() == 1
