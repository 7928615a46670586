"""The beat task that aggregates the indices: scheduled, and run by a real Celery worker."""

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from reviews import tasks
from reviews.models import IndexRow, Subject
from tests.fixtures.celery_worker import wait_until
from tests.reviews.factories import ReviewFactory, ServiceEventFactory, SubjectFactory

TASK = "reviews.tasks.bulk_aggregate_indices"


def test_it_is_scheduled_every_quarter_hour_and_after_midnight():
    from logistics.celery import app

    app.loader.import_default_modules()
    assert TASK in app.tasks
    entries = [e for e in django_settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == TASK]
    assert sorted(e.get("kwargs", {}).get("days_back", 0) for e in entries) == [0, 1]


def test_it_writes_rows_when_called(db):
    unit = SubjectFactory(kind=Subject.Kind.UNIT)
    ReviewFactory(event=ServiceEventFactory(subjects=[unit]), stars=5)
    assert tasks.bulk_aggregate_indices() == IndexRow.objects.count() > 0


@pytest.mark.redis
def test_it_aggregates_through_a_real_celery_worker(transactional_db, celery_worker):
    unit = SubjectFactory(kind=Subject.Kind.UNIT)
    ReviewFactory(event=ServiceEventFactory(subjects=[unit]), stars=2, created_at=timezone.now())
    tasks.bulk_aggregate_indices.delay()
    row = wait_until(
        lambda: IndexRow.objects.filter(subject=unit, period="month", event_type="").first(),
        what="the worker writing the month row",
    )
    assert (row.reviews, row.mean) == (1, 2.0)
