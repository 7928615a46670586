"""The city supervision push: after midnight yesterday's document goes into the outbox, which
posts it signed to SUPERVISION_PUSH_URL (a real local receiver here) and retries until the
receiver accepts it; one row per day, kept as the delivery log."""

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from logistics import outbox, supervision
from logistics.models import IndicatorValue, OutboxMessage
from logistics.tasks import bulk_push_supervision
from tests.logistics.supervision_day import PERSONAL

pytestmark = pytest.mark.django_db

SECRET = "city-platform-secret-0123456789"
Status = OutboxMessage.Status


@pytest.fixture
def city_url(settings, http_receiver):
    settings.SUPERVISION_PUSH_URL = http_receiver.url
    settings.SUPERVISION_PUSH_SECRET = SECRET
    settings.SUPERVISION_CAMPUS_CODE = "10999"
    return http_receiver


def local(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, datetime.min.time())).replace(
        hour=hour, minute=minute
    )


def rows():
    return list(OutboxMessage.objects.filter(channel="supervision").order_by("created_at"))


def signed_by_secret(request) -> bool:
    timestamp = request.headers["x-portal-timestamp"]
    digest = hmac.new(SECRET.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256)
    return request.headers["x-portal-signature"] == "sha256=" + digest.hexdigest()


def test_nothing_is_pushed_without_a_url(settings):
    settings.SUPERVISION_PUSH_URL = ""

    assert supervision.push_due() == [] and rows() == []


def test_yesterday_waits_until_its_figures_are_closed(city_url):
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)

    assert supervision.push_due(now=local(today, 0, 10)) == []  # not computed after its close
    IndicatorValue.objects.create(
        key="repairs.filed",
        period="day",
        start=yesterday,
        end=yesterday,
        value=3,
        computed_at=local(today, 0, 20),
    )
    assert supervision.push_due(now=local(today, 0, 40)) == [yesterday]
    assert supervision.push_due(now=local(today, 1, 10)) == []  # once
    (row,) = rows()
    assert row.payload["date"] == yesterday.isoformat() and row.status == Status.PENDING


def test_a_stuck_figures_run_holds_the_day_back_two_hours_at_most(city_url):
    today = timezone.localdate()

    assert supervision.push_due(now=local(today, 1, 50)) == []
    assert supervision.push_due(now=local(today, 2, 10)) == [today - timedelta(days=1)]


def test_missed_days_are_caught_up_a_week_at_most(city_url):
    today = timezone.localdate()
    supervision.push(today - timedelta(days=30))

    pushed = supervision.push_due(now=local(today, 3))

    assert pushed == [today - timedelta(days=n) for n in range(7, 0, -1)]
    supervision.push(today - timedelta(days=1))  # a second push of a day writes nothing
    assert len(rows()) == 8


def test_the_document_is_posted_signed_and_retried_until_accepted(city_url, city_day):
    city_url.status = 500
    assert supervision.push(city_day.day)
    (row,) = rows()

    assert outbox.deliver(str(row.id)) is False
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert row.next_attempt_at > timezone.now() and "500" in row.last_error
    OutboxMessage.objects.filter(id=row.id).update(next_attempt_at=timezone.now())  # time passes
    city_url.status = 200
    assert outbox.deliver(str(row.id)) is True

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.SENT, 2, "")
    first, second = city_url.received()
    assert first.body == second.body  # the document as stored, on every attempt
    for request in (first, second):
        assert signed_by_secret(request)
        assert request.headers["x-portal-event"] == "supervision.daily"
        assert request.headers["x-portal-delivery"] == str(row.id)
    document = json.loads(second.body)
    schema_file = Path(django_settings.BASE_DIR, "docs", "schemas", "supervision-daily.v1.json")
    jsonschema.validate(document, json.loads(schema_file.read_text(encoding="utf-8")))
    assert document["campus_code"] == "10999" and document["date"] == city_day.day.isoformat()
    body = second.body.decode()
    assert "north-1" in body  # the check reads what was sent
    for what, value in PERSONAL.items():
        assert value not in body, what


def test_it_keeps_retrying_past_the_attempts_other_deliveries_get(city_url):
    city_url.status = 503
    supervision.push(timezone.localdate())
    (row,) = rows()
    OutboxMessage.objects.filter(id=row.id).update(attempts=outbox.MAX_ATTEMPTS + 3)

    assert outbox.deliver(str(row.id)) is False

    row.refresh_from_db()
    assert row.status == Status.PENDING  # a webhook would have been given up (FAILED)
    assert row.next_attempt_at <= timezone.now() + timedelta(seconds=outbox.BACKOFF_MAX_SECONDS)


def test_a_lost_worker_does_not_end_the_retries(city_url, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the relay's publish delivers in-process
    supervision.push(timezone.localdate())
    (row,) = rows()
    OutboxMessage.objects.filter(id=row.id).update(
        status=Status.SENDING,
        attempts=outbox.MAX_ATTEMPTS,
        next_attempt_at=timezone.now() - timedelta(minutes=1),
    )

    outbox.relay()

    row.refresh_from_db()
    assert row.status == Status.SENT and len(city_url.received()) == 1


def test_without_a_url_at_delivery_the_row_fails_for_the_log(city_url, settings):
    supervision.push(timezone.localdate())
    (row,) = rows()
    settings.SUPERVISION_PUSH_URL = ""

    assert outbox.deliver(str(row.id)) is False

    row.refresh_from_db()
    assert row.status == Status.FAILED and "SUPERVISION_PUSH_URL" in row.last_error


def test_beat_runs_the_push_every_half_hour(city_url):
    entry = django_settings.CELERY_BEAT_SCHEDULE["supervision-push"]
    assert entry["task"] == bulk_push_supervision.name

    bulk_push_supervision()
    bulk_push_supervision()

    assert len(rows()) <= 1  # yesterday, once (if it is already closed)


def test_a_command_pushes_the_days_before_the_push_was_set_up(city_url):
    from io import StringIO

    from django.core.management import CommandError, call_command

    yesterday = timezone.localdate() - timedelta(days=1)
    supervision.push(yesterday)
    out = StringIO()

    start = (yesterday - timedelta(days=2)).isoformat()
    call_command("push_supervision", "--start", start, stdout=out)

    assert "2 of 3 days queued" in out.getvalue()
    assert [row.payload["date"] for row in rows()][1:] == [
        (yesterday - timedelta(days=n)).isoformat() for n in (2, 1)
    ]
    with pytest.raises(CommandError, match="yesterday at most"):
        call_command("push_supervision", "--end", timezone.localdate().isoformat())


def test_the_command_needs_a_url(settings):
    from django.core.management import CommandError, call_command

    settings.SUPERVISION_PUSH_URL = ""
    with pytest.raises(CommandError, match="SUPERVISION_PUSH_URL"):
        call_command("push_supervision")


def test_the_delivery_log_is_the_outbox_list_in_the_admin(city_url, client):
    from tests.logistics.factories import UserFactory

    supervision.push(timezone.localdate() - timedelta(days=1))
    (row,) = rows()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get("/admin/logistics/outboxmessage/", {"channel__exact": "supervision"})

    assert page.status_code == 200
    assert str(row.id) in page.content.decode()
    assert client.get(f"/admin/logistics/outboxmessage/{row.id}/change/").status_code == 200
