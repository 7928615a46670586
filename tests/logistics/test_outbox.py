"""The transactional outbox: publish after commit, relay, idempotent delivery, signed webhooks.

The tests marked redis run a real Celery worker on the real Redis and the test database.
"""

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from logistics import outbox
from logistics.celery import app as celery_app
from logistics.models import Notification, OutboxMessage, WebhookEndpoint
from logistics.notifications import notify
from tests.fixtures.celery_worker import wait_until
from tests.logistics.factories import UserFactory

Status = OutboxMessage.Status
SECRET = "group-bot-secret-0123456789"
# A hang guard, not a benchmark: an unbounded publish would block for minutes.
HANG_GUARD_SECONDS = 5


class Boom(Exception):
    pass


@pytest.fixture
def quiet_user(db):
    """A recipient without e-mail, so only the webhook row goes to the outbox."""
    return UserFactory(username="q0001", email="")


@pytest.fixture
def endpoint(db, http_receiver):
    return WebhookEndpoint.objects.create(name="维修群", url=http_receiver.url, secret=SECRET)


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_broker():
    """A TCP listener that accepts connections and never answers: the worst broker outage."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()
    for conn in accepted:
        conn.close()


def webhook_ids(receiver) -> list[str]:
    return [json.loads(r.body)["id"] for r in receiver.received()]


def notify_one(user, title="3号楼 201 的维修已派单"):
    notify(recipients=[user], kind="repairs.assigned", title=title, url="/repairs/1/")
    return OutboxMessage.objects.filter(channel="webhook").latest("created_at")


# --- Delivery, in-process -----------------------------------------------------------------------


def test_it_signs_webhooks_with_hmac_of_timestamp_and_body(quiet_user, endpoint, http_receiver):
    message = notify_one(quiet_user)

    assert outbox.deliver(str(message.id)) is True

    (request,) = http_receiver.received()
    timestamp = request.headers["x-portal-timestamp"]
    expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256)
    assert request.headers["x-portal-signature"] == "sha256=" + expected.hexdigest()
    assert abs(int(timestamp) - time.time()) < 300
    assert request.headers["x-portal-event"] == "repairs.assigned"
    assert request.headers["x-portal-delivery"] == str(message.id)
    payload = json.loads(request.body)
    assert payload["id"] == str(message.id)
    assert payload["title"] == "3号楼 201 的维修已派单"
    assert payload["url"] == "http://127.0.0.1:8000/repairs/1/"
    assert set(payload) == {"id", "kind", "title", "body", "url", "created_at"}


def test_it_rejects_a_signature_made_with_another_secret(quiet_user, endpoint, http_receiver):
    outbox.deliver(str(notify_one(quiet_user).id))

    (request,) = http_receiver.received()
    timestamp = request.headers["x-portal-timestamp"]
    forged = hmac.new(b"wrong", timestamp.encode() + b"." + request.body, hashlib.sha256)
    assert request.headers["x-portal-signature"] != "sha256=" + forged.hexdigest()


def test_it_delivers_a_message_once_when_run_twice(quiet_user, endpoint, http_receiver):
    message = notify_one(quiet_user)

    first = outbox.deliver(str(message.id))
    second = outbox.deliver(str(message.id))

    assert (first, second) == (True, False)
    assert webhook_ids(http_receiver) == [str(message.id)]
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.sent_at is not None
    assert message.attempts == 1


def test_it_ignores_unknown_and_malformed_ids(db):
    assert outbox.deliver("not-a-uuid") is False
    assert outbox.deliver("00000000-0000-0000-0000-000000000000") is False


def test_it_backs_off_after_a_failed_webhook(quiet_user, endpoint, http_receiver):
    http_receiver.status = 500
    message = notify_one(quiet_user)

    assert outbox.deliver(str(message.id)) is False
    assert outbox.deliver(str(message.id)) is False  # not due yet: nothing sent

    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.attempts == 1
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=30)
    assert "500" in message.last_error
    assert len(http_receiver.received()) == 1


def test_it_gives_up_after_the_last_attempt(quiet_user, endpoint, http_receiver):
    http_receiver.status = 503
    message = notify_one(quiet_user)
    OutboxMessage.objects.filter(id=message.id).update(attempts=outbox.MAX_ATTEMPTS - 1)

    outbox.deliver(str(message.id))

    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.attempts == outbox.MAX_ATTEMPTS
    assert "503" in message.last_error


def test_it_does_not_call_a_switched_off_endpoint(quiet_user, endpoint, http_receiver):
    message = notify_one(quiet_user)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)

    outbox.deliver(str(message.id))

    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert http_receiver.received() == []


def test_it_speaks_dingtalk_with_its_query_signature(quiet_user, http_receiver):
    secret = "SECdingtalk0123456789"
    WebhookEndpoint.objects.create(
        name="钉钉群", url=http_receiver.url + "?access_token=abc", secret=secret, style="dingtalk"
    )
    http_receiver.response_body = b'{"errcode":0,"errmsg":"ok"}'
    message = notify_one(quiet_user)

    assert outbox.deliver(str(message.id)) is True

    (request,) = http_receiver.received()
    query = parse_qs(urlsplit(request.path).query)
    assert query["access_token"] == ["abc"]
    timestamp = query["timestamp"][0]
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    assert query["sign"] == [base64.b64encode(digest.digest()).decode()]
    body = json.loads(request.body)
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "3号楼 201 的维修已派单"
    assert "http://127.0.0.1:8000/repairs/1/" in body["markdown"]["text"]


def test_it_speaks_wecom_markdown(quiet_user, http_receiver):
    WebhookEndpoint.objects.create(
        name="企业微信群", url=http_receiver.url, secret="x", style="wecom"
    )
    http_receiver.response_body = b'{"errcode":0,"errmsg":"ok"}'

    outbox.deliver(str(notify_one(quiet_user).id))

    (request,) = http_receiver.received()
    content = json.loads(request.body)["markdown"]["content"]
    assert content.startswith("#### 3号楼 201 的维修已派单")


def test_it_counts_a_robot_refusal_as_a_failure(quiet_user, http_receiver):
    WebhookEndpoint.objects.create(name="群", url=http_receiver.url, secret="x", style="wecom")
    http_receiver.response_body = b'{"errcode":93000,"errmsg":"invalid webhook url"}'
    message = notify_one(quiet_user)

    assert outbox.deliver(str(message.id)) is False

    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert "93000" in message.last_error


def test_it_sends_the_email_with_a_full_link(student):
    notify(recipients=[student], kind="parcels.arrived", title="您有一个包裹", url="/parcels/7/")
    message = OutboxMessage.objects.get(channel="email")

    outbox.deliver(str(message.id))

    (email,) = mail.outbox
    assert email.to == [student.email]
    assert email.subject == "您有一个包裹"
    assert "http://127.0.0.1:8000/parcels/7/" in email.body
    assert email.extra_headers["X-Portal-Delivery"] == str(message.id)


def test_it_writes_a_registered_kinds_email_at_delivery_in_the_recipients_language(
    student, monkeypatch
):
    from django.utils import translation
    from django.utils.translation import gettext_lazy

    seen = {}

    def build(message, payload):
        seen["language"] = translation.get_language()
        return outbox.EmailContent(
            subject=payload["title"],
            body=f"report {payload['data']['week']}",
            html="<p>report</p>",
            attachments=(outbox.Attachment("report.bin", b"42", "application/octet-stream"),),
        )

    monkeypatch.setattr(outbox, "_EMAIL_BUILDERS", {})
    outbox.register_email_content("test.report", build)
    student.language = "zh-hans"
    student.save(update_fields=["language"])
    notify(
        recipients=[student],
        kind="test.report",
        title=gettext_lazy("Weekly report %(week)s"),
        params={"week": "2026-W48"},
        data={"week": "2026-W48"},
    )

    outbox.deliver(str(OutboxMessage.objects.get(channel="email").id))

    (email,) = mail.outbox
    assert seen["language"] == "zh-hans"
    assert (email.subject, email.body) == ("周报 2026-W48", "report 2026-W48")
    assert email.alternatives[0] == ("<p>report</p>", "text/html")
    assert email.attachments == [("report.bin", b"42", "application/octet-stream")]
    assert email.extra_headers["X-Portal-Delivery"]


# --- Publishing and relay, in-process -----------------------------------------------------------


def test_it_publishes_nothing_before_commit(student, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        notify(recipients=[student], kind="repairs.assigned", title="派单")

    assert len(callbacks) == 1  # the publish waits for the commit
    assert OutboxMessage.objects.get().published_at is None


def test_it_delivers_in_process_after_commit_in_the_embedded_setup(
    eager, student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[student], kind="repairs.assigned", title="派单")
        assert mail.outbox == []

    assert [m.subject for m in mail.outbox] == ["派单"]
    assert OutboxMessage.objects.get().status == Status.SENT


def test_it_relays_rows_never_published(eager, quiet_user, endpoint, http_receiver):
    message = notify_one(quiet_user)  # on_commit never ran: as if the broker had been down

    assert outbox.relay() == 1
    assert outbox.relay() == 0

    assert webhook_ids(http_receiver) == [str(message.id)]


def test_it_relays_rows_a_lost_worker_left_sending(eager, quiet_user, endpoint, http_receiver):
    message = notify_one(quiet_user)
    OutboxMessage.objects.filter(id=message.id).update(
        status=Status.SENDING, attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )

    outbox.relay()

    message.refresh_from_db()
    assert message.status == Status.SENT
    assert webhook_ids(http_receiver) == [str(message.id)]


def test_it_leaves_a_fresh_claim_alone(eager, quiet_user, endpoint, http_receiver):
    message = notify_one(quiet_user)
    OutboxMessage.objects.filter(id=message.id).update(
        status=Status.SENDING, attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=5)
    )

    assert outbox.relay() == 0
    assert http_receiver.received() == []


def test_it_lets_a_killed_workers_claim_run_out_within_two_minutes(settings, quiet_user, endpoint):
    message = notify_one(quiet_user)
    before = timezone.now()

    assert outbox._claim(str(message.id)) is not None  # and the worker is killed right here
    after = timezone.now()

    message.refresh_from_db()
    assert message.status == Status.SENDING
    assert (
        before + timedelta(seconds=90) <= message.next_attempt_at <= after + timedelta(seconds=90)
    )
    settings.WEBHOOK_TIMEOUT = 60
    assert outbox.claim_seconds() == 180


def test_it_does_not_republish_a_recent_publish(eager, quiet_user, endpoint, http_receiver):
    message = notify_one(quiet_user)
    OutboxMessage.objects.filter(id=message.id).update(published_at=timezone.now())

    assert outbox.relay() == 0


def test_it_republishes_a_publish_that_went_stale(eager, settings, quiet_user, endpoint):
    message = notify_one(quiet_user)
    stale = timezone.now() - timedelta(seconds=settings.OUTBOX_STALE_AFTER + 1)
    OutboxMessage.objects.filter(id=message.id).update(published_at=stale)

    assert outbox.relay() == 1


def test_it_purges_only_rows_sent_long_ago(quiet_user, endpoint, http_receiver):
    old, recent, failed = (notify_one(quiet_user, title=t) for t in ("old", "recent", "failed"))
    long_ago = timezone.now() - outbox.KEEP_SENT - timedelta(days=1)
    OutboxMessage.objects.filter(id=old.id).update(status=Status.SENT, sent_at=long_ago)
    OutboxMessage.objects.filter(id=recent.id).update(status=Status.SENT, sent_at=timezone.now())
    OutboxMessage.objects.filter(id=failed.id).update(status=Status.FAILED, sent_at=long_ago)

    assert outbox.purge_sent() == 1

    remaining = OutboxMessage.objects.values_list("payload__title", flat=True)
    assert sorted(remaining) == ["failed", "recent"]


@pytest.mark.redis
@pytest.mark.parametrize("outage", ["refused", "silent"])
def test_it_returns_quickly_when_the_broker_is_unreachable(
    outage, settings, silent_broker, quiet_user, endpoint
):
    settings.CELERY_BROKER_URL = (
        f"redis://127.0.0.1:{closed_port()}/0" if outage == "refused" else silent_broker
    )
    message = notify_one(quiet_user)

    started = time.monotonic()
    assert outbox.publish([message.id]) == []
    assert time.monotonic() - started < HANG_GUARD_SECONDS

    message.refresh_from_db()
    assert (message.status, message.published_at) == (Status.PENDING, None)


# --- With a real Celery worker on the real Redis ------------------------------------------------


@pytest.fixture
def worker_setup(celery_worker, transactional_db, http_receiver):
    user = UserFactory(username="w0001", email="")
    WebhookEndpoint.objects.create(name="bot", url=http_receiver.url, secret=SECRET)
    return user


def sentinel_delivered(user, receiver) -> str:
    """Sends one more message and waits for it: everything queued before it was handled."""
    with transaction.atomic():
        sentinel = notify_one(user, title="sentinel")
    wait_until(lambda: str(sentinel.id) in webhook_ids(receiver), what="the sentinel webhook")
    return str(sentinel.id)


@pytest.mark.redis
def test_it_sends_nothing_for_a_rolled_back_write(worker_setup, http_receiver):
    with pytest.raises(Boom), transaction.atomic():
        notify_one(worker_setup, title="rolled back")
        raise Boom

    assert not Notification.objects.filter(title="rolled back").exists()
    assert not OutboxMessage.objects.exists()
    sentinel = sentinel_delivered(worker_setup, http_receiver)
    assert webhook_ids(http_receiver) == [sentinel]


@pytest.mark.redis
def test_it_commits_quickly_with_redis_down_and_relays_once_it_is_back(
    worker_setup, http_receiver, settings
):
    broker_url = settings.CELERY_BROKER_URL
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    started = time.monotonic()
    with transaction.atomic():
        message = notify_one(worker_setup)
    assert time.monotonic() - started < HANG_GUARD_SECONDS
    message.refresh_from_db()
    assert (message.status, message.published_at) == (Status.PENDING, None)

    settings.CELERY_BROKER_URL = broker_url
    celery_app.send_task("logistics.tasks.bulk_relay_outbox")
    wait_until(lambda: webhook_ids(http_receiver), what="the relayed webhook")
    celery_app.send_task("logistics.tasks.bulk_relay_outbox")  # a second relay finds nothing

    sentinel = sentinel_delivered(worker_setup, http_receiver)
    assert webhook_ids(http_receiver) == [str(message.id), sentinel]
    message.refresh_from_db()
    assert message.status == Status.SENT


@pytest.mark.redis
def test_it_delivers_once_when_the_task_runs_twice(worker_setup, http_receiver):
    with transaction.atomic():
        message = notify_one(worker_setup)
    wait_until(lambda: webhook_ids(http_receiver), what="the first delivery")

    for _ in range(2):
        celery_app.send_task(outbox.DELIVER_TASK, args=[str(message.id)])

    sentinel = sentinel_delivered(worker_setup, http_receiver)
    assert webhook_ids(http_receiver) == [str(message.id), sentinel]
