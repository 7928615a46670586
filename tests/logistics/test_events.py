"""Integration events: the catalogue, emit into the outbox, signed delivery with its log,
back-off, switching an endpoint off after failures, re-send, and exactly once through a broker
outage (a real Celery worker on the real Redis, as in test_outbox)."""

import json
import time
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from django.db import transaction
from django.utils import timezone

from logistics import events, outbox, webhooks
from logistics.celery import app as celery_app
from logistics.models import Notification, OutboxMessage, WebhookEndpoint
from logistics.notifications import notify
from logistics.workflow import InvalidTransition
from tests.fixtures.celery_worker import wait_until
from tests.logistics.factories import UserFactory
from tests.logistics.test_outbox import HANG_GUARD_SECONDS, Boom, closed_port

Status = OutboxMessage.Status
SECRET = "school-it-secret-0123456789"
SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "events"
BRIEF = {
    "repairs.request.filed",
    "repairs.request.status_changed",
    "parcels.parcel.arrived",
    "parcels.parcel.picked_up",
    "dorms.notice.published",
    "dorms.outage.started",
    "lostfound.item.returned",
    "reviews.complaint.overdue",
}


@pytest.fixture
def it_endpoint(db, integrator, http_receiver):
    http_receiver.secret = SECRET
    return webhooks.webhook_endpoint_create(
        owner=integrator,
        name="一卡通",
        url=http_receiver.url,
        secret=SECRET,
        event_types=["webhooks.", "repairs.request.filed"],
    )


def ping(endpoint_id=1):
    return events.emit(webhooks.PING, {"endpoint_id": endpoint_id})


def bodies(receiver) -> list[dict]:
    return [json.loads(r.body) for r in receiver.received()]


def validate(body: dict) -> None:
    schema = json.loads((SCHEMAS / f"{body['type']}.v{body['version']}.json").read_text())
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(body)


# --- The catalogue ------------------------------------------------------------------------------


def test_it_has_every_event_type_of_the_brief_each_with_its_schema_file():
    keys = {kind.key for kind in events.event_types()}

    assert keys >= BRIEF
    for kind in events.event_types():
        schema = json.loads((SCHEMAS / kind.schema_name).read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["properties"]["type"] == {"const": kind.key}
        assert schema["properties"]["version"] == {"const": kind.version}


def test_it_refuses_a_malformed_or_unknown_type(db):
    with pytest.raises(ValueError):
        events.register_event_type("repairs.filed", version=1, label="x")
    with pytest.raises(ValueError):
        events.emit("repairs.request.vanished", {})


def test_it_accepts_known_types_and_prefixes_only(integrator):
    assert webhooks.clean_event_types([" Repairs. ", "parcels.parcel.arrived", "repairs."]) == [
        "repairs.",
        "parcels.parcel.arrived",
    ]
    with pytest.raises(Exception) as error:
        webhooks.clean_event_types(["repairs.request.exploded"])
    assert "repairs.request.exploded" in str(error.value)


# --- emit -----------------------------------------------------------------------------------------


def test_it_writes_one_delivery_per_subscribed_endpoint(it_endpoint, integrator):
    other = webhooks.webhook_endpoint_create(
        owner=integrator, name="b", url="https://b.example/", secret=SECRET, event_types=["dorms."]
    )
    off = webhooks.webhook_endpoint_create(
        owner=integrator,
        name="c",
        url="https://c.example/",
        secret=SECRET,
        event_types=["webhooks."],
    )
    webhooks.webhook_endpoint_update(endpoint=off, is_active=False)
    WebhookEndpoint.objects.create(name="group bot", url="https://bot.example/", secret=SECRET)

    (message,) = ping()

    assert message.endpoint == it_endpoint
    assert message.channel == OutboxMessage.Channel.EVENT
    assert str(message.event_id) == message.payload["id"]
    assert set(message.payload) == {"id", "type", "version", "occurred_at", "data"}
    assert not OutboxMessage.objects.filter(endpoint__in=[other, off]).exists()


def test_it_keeps_notifications_away_from_an_event_endpoint(it_endpoint, student):
    notify(recipients=[student], kind="repairs.assigned", title="派单", email=False)

    assert not OutboxMessage.objects.filter(endpoint=it_endpoint).exists()


def test_it_announces_a_keyed_event_once_per_endpoint(it_endpoint):
    first = events.emit(webhooks.PING, {"endpoint_id": 1}, key="x")
    second = events.emit(webhooks.PING, {"endpoint_id": 1}, key="x")

    assert len(first) == 1
    assert second == []


def test_it_writes_nothing_when_the_transaction_rolls_back(it_endpoint):
    with pytest.raises(Boom), transaction.atomic():
        ping()
        raise Boom

    assert not OutboxMessage.objects.exists()


# --- Delivery, in-process -------------------------------------------------------------------------


def test_it_delivers_the_envelope_signed_and_logs_the_answer(it_endpoint, http_receiver):
    http_receiver.response_body = b'{"received": true}'
    (message,) = ping(it_endpoint.pk)

    assert outbox.deliver(str(message.id)) is True

    (request,) = http_receiver.received()  # the receiver checked the signature
    assert http_receiver.rejected == 0
    assert request.headers["x-portal-event"] == webhooks.PING
    assert request.headers["x-portal-delivery"] == str(message.id)
    body = json.loads(request.body)
    assert body == message.payload
    validate(body)
    message.refresh_from_db()
    assert (message.status, message.response_status) == (Status.SENT, 200)
    assert message.response_body == '{"received": true}'


def test_it_is_refused_by_a_receiver_holding_another_secret(it_endpoint, http_receiver):
    http_receiver.secret = "not-the-shared-secret"
    (message,) = ping()

    assert outbox.deliver(str(message.id)) is False

    assert http_receiver.rejected == 1
    message.refresh_from_db()
    assert (message.status, message.response_status) == (Status.PENDING, 401)
    assert message.response_body == "bad signature"


def test_it_backs_off_longer_after_each_failure(it_endpoint, http_receiver):
    http_receiver.status, http_receiver.response_body = 503, b"maintenance " * 400
    (message,) = ping()
    pauses = []
    for _attempt in range(3):
        before = timezone.now()
        outbox.deliver(str(message.id))
        message.refresh_from_db()
        pauses.append((message.next_attempt_at - before).total_seconds())
        OutboxMessage.objects.filter(id=message.id).update(next_attempt_at=None)  # time passes

    assert [round(p / 60) for p in pauses] == [1, 2, 4]
    assert message.attempts == 3
    assert message.response_status == 503
    assert len(message.response_body) == outbox.RESPONSE_KEEP
    assert len(http_receiver.received()) == 3


def give_up(message) -> None:
    OutboxMessage.objects.filter(id=message.id).update(attempts=outbox.MAX_ATTEMPTS - 1)
    outbox.deliver(str(message.id))


def test_it_switches_an_endpoint_off_after_deliveries_given_up_and_tells_its_owner(
    settings, it_endpoint, http_receiver, integrator
):
    settings.WEBHOOK_DISABLE_AFTER = 2
    http_receiver.status = 500
    first, second, third = (ping()[0] for _ in range(3))

    give_up(first)
    it_endpoint.refresh_from_db()
    assert (it_endpoint.is_active, it_endpoint.consecutive_failures) == (True, 1)
    give_up(second)

    it_endpoint.refresh_from_db()
    assert it_endpoint.is_active is False
    assert it_endpoint.disabled_at is not None
    (notice,) = Notification.objects.filter(kind="webhooks.endpoint.disabled")
    assert notice.recipient == integrator
    assert "一卡通" in notice.title
    outbox.deliver(str(third.id))  # pending when it was switched off: not sent, not counted
    third.refresh_from_db()
    it_endpoint.refresh_from_db()
    assert third.status == Status.FAILED
    assert it_endpoint.consecutive_failures == 2
    assert len(http_receiver.received()) == 2
    assert ping() == []  # nothing is written for an endpoint that is off


def test_it_counts_again_from_zero_after_a_success(settings, it_endpoint, http_receiver):
    settings.WEBHOOK_DISABLE_AFTER = 2
    http_receiver.status = 500
    give_up(ping()[0])
    http_receiver.status = 200

    outbox.deliver(str(ping()[0].id))

    it_endpoint.refresh_from_db()
    assert (it_endpoint.is_active, it_endpoint.consecutive_failures) == (True, 0)


def test_it_clears_the_switch_off_when_switched_on_again(settings, it_endpoint, http_receiver):
    settings.WEBHOOK_DISABLE_AFTER = 1
    http_receiver.status = 500
    give_up(ping()[0])

    webhooks.webhook_endpoint_update(endpoint=it_endpoint, is_active=True)

    it_endpoint.refresh_from_db()
    assert (it_endpoint.is_active, it_endpoint.consecutive_failures) == (True, 0)
    assert it_endpoint.disabled_at is None


# --- Re-send and test ---------------------------------------------------------------------------


def test_it_resends_a_delivery_as_a_new_one_with_the_same_event(it_endpoint, http_receiver):
    http_receiver.status = 500
    (message,) = ping()
    give_up(message)
    http_receiver.status = 200

    copy = webhooks.webhook_delivery_resend(delivery=message)
    assert outbox.deliver(str(copy.id)) is True

    assert copy.id != message.id
    first, second = http_receiver.received()
    assert json.loads(first.body) == json.loads(second.body)
    assert first.headers["x-portal-delivery"] != second.headers["x-portal-delivery"]
    message.refresh_from_db()
    assert (message.status, message.response_status) == (Status.FAILED, 500)  # the log stays


def test_it_refuses_to_resend_a_delivery_still_on_its_way(it_endpoint):
    (message,) = ping()

    with pytest.raises(InvalidTransition):
        webhooks.webhook_delivery_resend(delivery=message)


def test_it_sends_a_test_event_to_an_endpoint_not_subscribed_to_it(integrator, http_receiver):
    endpoint = webhooks.webhook_endpoint_create(
        owner=integrator, name="x", url=http_receiver.url, secret=SECRET, event_types=[]
    )

    message = webhooks.webhook_endpoint_ping(endpoint=endpoint)
    outbox.deliver(str(message.id))

    (body,) = bodies(http_receiver)
    assert body["type"] == webhooks.PING
    assert body["data"] == {"endpoint_id": endpoint.pk}


def test_it_refuses_events_for_a_robot_and_a_short_secret(integrator):
    with pytest.raises(Exception) as error:
        webhooks.webhook_endpoint_create(
            owner=integrator, name="x", url="https://x.example/", secret="short", event_types=[]
        )
    assert "secret" in error.value.message_dict
    endpoint = WebhookEndpoint.objects.create(
        name="群", url="https://x.example/", secret=SECRET, style="wecom"
    )
    with pytest.raises(Exception) as error:
        webhooks.webhook_endpoint_update(endpoint=endpoint, event_types=["repairs."])
    assert "event_types" in error.value.message_dict


# --- With a real Celery worker on the real Redis ------------------------------------------------


@pytest.fixture
def worker_endpoint(celery_worker, transactional_db, http_receiver):
    http_receiver.secret = SECRET
    owner = UserFactory(username="i0001")
    return webhooks.webhook_endpoint_create(
        owner=owner, name="it", url=http_receiver.url, secret=SECRET, event_types=["webhooks."]
    )


def sentinel_delivered(receiver) -> str:
    with transaction.atomic():
        (sentinel,) = events.emit(webhooks.PING, {"endpoint_id": 0})
    wait_until(lambda: sentinel.payload["id"] in event_ids(receiver), what="the sentinel event")
    return sentinel.payload["id"]


def event_ids(receiver) -> list[str]:
    return [body["id"] for body in bodies(receiver)]


@pytest.mark.redis
def test_it_delivers_an_event_exactly_once_through_a_broker_outage(
    worker_endpoint, http_receiver, settings
):
    with pytest.raises(Boom), transaction.atomic():
        events.emit(webhooks.PING, {"endpoint_id": 99})
        raise Boom
    broker_url = settings.CELERY_BROKER_URL
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    started = time.monotonic()
    with transaction.atomic():
        (message,) = events.emit(webhooks.PING, {"endpoint_id": 1})
    assert time.monotonic() - started < HANG_GUARD_SECONDS
    message.refresh_from_db()
    assert (message.status, message.published_at) == (Status.PENDING, None)

    settings.CELERY_BROKER_URL = broker_url
    celery_app.send_task("logistics.tasks.bulk_relay_outbox")
    wait_until(lambda: event_ids(http_receiver), what="the relayed event")
    celery_app.send_task("logistics.tasks.bulk_relay_outbox")  # a second relay finds nothing
    celery_app.send_task(outbox.DELIVER_TASK, args=[str(message.id)])  # nor a repeated task

    sentinel = sentinel_delivered(http_receiver)
    assert event_ids(http_receiver) == [message.payload["id"], sentinel]
    assert http_receiver.rejected == 0
    message.refresh_from_db()
    assert (message.status, message.response_status) == (Status.SENT, 200)


@pytest.mark.redis
def test_it_retries_a_failed_event_until_the_receiver_takes_it(worker_endpoint, http_receiver):
    http_receiver.status = 502
    with transaction.atomic():
        (message,) = events.emit(webhooks.PING, {"endpoint_id": 1})
    wait_until(lambda: http_receiver.received(), what="the first attempt")
    wait_until(
        lambda: (
            OutboxMessage.objects.filter(id=message.id, status=Status.PENDING, attempts=1)
            .exclude(next_attempt_at=None)
            .exists()
        ),
        what="the failure recorded",
    )
    http_receiver.status = 200
    OutboxMessage.objects.filter(id=message.id).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)  # the back-off has passed
    )

    celery_app.send_task("logistics.tasks.bulk_relay_outbox")

    wait_until(
        lambda: OutboxMessage.objects.filter(id=message.id, status=Status.SENT).exists(),
        what="the retry",
    )
    assert event_ids(http_receiver) == [message.payload["id"]] * 2
