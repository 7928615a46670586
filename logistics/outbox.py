"""The transactional outbox: delivery rows published after commit, relayed, delivered once.

A row is written in the caller's transaction (so a rollback leaves nothing to send), published
to Celery after commit, and re-published by the relay when the broker was unreachable. Delivery
claims the row with a conditional UPDATE, so a redelivered or repeated task sends nothing twice.
"""

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from kombu import pools

from logistics import i18n, resilience
from logistics.celery import app as celery_app
from logistics.models import Notification, OutboxMessage, WebhookEndpoint

logger = logging.getLogger(__name__)

DELIVER_TASK = "logistics.tasks.deliver_outbox_message"
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 3600
# A claim outlives any single send (bounded by WEBHOOK_TIMEOUT / EMAIL_TIMEOUT); after it the
# relay treats the worker as lost and hands the row out again. Short, so a delivery a killed
# worker had in flight goes out again within about two minutes (at-least-once, by delivery id).
CLAIM_SECONDS = 90
RELAY_BATCH = 500
KEEP_SENT = timedelta(days=30)
PURGE_BATCH = 10_000
# How much of a receiver's answer the delivery log keeps.
RESPONSE_KEEP = 2000

Status = OutboxMessage.Status
Channel = OutboxMessage.Channel
# Channels retried until the receiver accepts, hourly once the back-off is at its longest: the
# city supervision push (a day the city platform never received is a gap in its records).
UNTIL_ACCEPTED = (Channel.SUPERVISION,)


class PermanentError(Exception):
    """A delivery that can never succeed (no address, endpoint switched off): no retries."""


class EndpointOff(PermanentError):
    """The endpoint was switched off or removed before the delivery went out."""


class Refused(Exception):
    """The receiver answered, but not with success: its status and the start of its answer
    go into the delivery log."""

    def __init__(self, message: str, *, status: int | None, body: bytes = b""):
        super().__init__(message)
        self.response = _response(status, body)


# --- Publishing ---------------------------------------------------------------------------------


def publish_on_commit(message_ids) -> None:
    """Publishes the rows once the surrounding transaction commits; nothing if it rolls back."""
    ids = [str(message_id) for message_id in message_ids]
    if ids:
        # robust: a failure here must not undo or fail the caller's committed request.
        transaction.on_commit(lambda: publish(ids), robust=True)


def publish(message_ids) -> list[str]:
    """Sends one delivery task per row; returns the ids the broker accepted.

    Never raises for a broker problem: the rows stay pending and the relay publishes them later.
    """
    ids = [str(message_id) for message_id in message_ids]
    if not ids:
        return []
    if settings.CELERY_TASK_ALWAYS_EAGER:
        for message_id in ids:
            deliver(message_id)
        return ids
    published = _send_tasks(ids)
    if published:
        OutboxMessage.objects.filter(id__in=published, status=Status.PENDING).update(
            published_at=timezone.now()
        )
    return published


def _send_tasks(ids: list[str]) -> list[str]:
    published: list[str] = []
    # A broker that failed in this request or keeps failing is not waited for again: the rows
    # wait for the relay (logistics.resilience).
    if not resilience.usable(resilience.BROKER):
        logger.info(
            "outbox: broker skipped after recent failures; %d message(s) for the relay", len(ids)
        )
        return published
    try:
        # The URL is read per call (not from the app's frozen config) so tests can point it away.
        url = getattr(settings, "CELERY_BROKER_WRITE_URL", None) or settings.CELERY_BROKER_URL
        pool = pools.producers[celery_app.connection_for_write(url=url)]
        with pool.acquire(block=True, timeout=settings.REDIS_SOCKET_TIMEOUT) as producer:
            for message_id in ids:
                celery_app.send_task(
                    DELIVER_TASK, args=[message_id], producer=producer, retry=False
                )
                published.append(message_id)
    except Exception as exc:  # noqa: BLE001 — any broker failure: leave the rest to the relay
        resilience.failed(resilience.BROKER, exc)
        logger.warning(
            "outbox: broker unreachable (%s); %d message(s) left for the relay",
            exc,
            len(ids) - len(published),
        )
    else:
        resilience.succeeded(resilience.BROKER)
    return published


# --- Relay --------------------------------------------------------------------------------------


def relay(*, limit: int = RELAY_BATCH) -> int:
    """Re-publishes rows never published, published long ago, or claimed by a lost worker."""
    now = timezone.now()
    _release_expired_claims(now)
    stale = now - timedelta(seconds=settings.OUTBOX_STALE_AFTER)
    due = (
        OutboxMessage.objects.filter(status=Status.PENDING)
        .filter(Q(published_at__isnull=True) | Q(published_at__lt=stale))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )
    ids = [str(message_id) for message_id in due]
    publish(ids)
    return len(ids)


def _release_expired_claims(now) -> None:
    expired = OutboxMessage.objects.filter(status=Status.SENDING, next_attempt_at__lt=now)
    expired.filter(attempts__gte=MAX_ATTEMPTS).exclude(channel__in=UNTIL_ACCEPTED).update(
        status=Status.FAILED, next_attempt_at=None, last_error="worker lost during delivery"
    )
    expired.update(status=Status.PENDING, published_at=None, next_attempt_at=None)


def purge_sent(*, older_than: timedelta = KEEP_SENT, limit: int = PURGE_BATCH) -> int:
    """Deletes rows sent longer ago than `older_than` (failed rows stay for inspection)."""
    cutoff = timezone.now() - older_than
    old = OutboxMessage.objects.filter(status=Status.SENT, sent_at__lt=cutoff)
    # In batches, so a first run on a big table never holds long locks.
    ids = list(old.values_list("id", flat=True)[:limit])
    return OutboxMessage.objects.filter(id__in=ids).delete()[0]


# --- Delivery -----------------------------------------------------------------------------------


def deliver(message_id: str) -> bool:
    """Claims, sends and settles one row; True if this call sent it. Safe to call any number
    of times: only the call that wins the claim sends."""
    message = _claim(message_id)
    if message is None:
        return False
    try:
        response = SENDERS[message.channel](message) or {}
    except Exception as exc:  # noqa: BLE001 — every failure is recorded on the row and retried
        _record_failure(message, exc)
        return False
    _settle(
        message,
        status=Status.SENT,
        sent_at=timezone.now(),
        next_attempt_at=None,
        last_error="",
        **response,
    )
    if message.endpoint_id:
        _endpoint_answered(message.endpoint_id)
    return True


def _settle(message: OutboxMessage, **changes) -> None:
    # Only the holder of this claim settles it: the claim's expiry time is its token, so a
    # worker that overran its claim cannot overwrite the run that took over.
    OutboxMessage.objects.filter(
        id=message.id, status=Status.SENDING, next_attempt_at=message.next_attempt_at
    ).update(**changes)


def claim_seconds() -> float:
    """CLAIM_SECONDS, or three sends' worth of timeout if the timeouts were set longer."""
    return max(CLAIM_SECONDS, 3 * max(settings.WEBHOOK_TIMEOUT, settings.EMAIL_TIMEOUT))


def _claim(message_id: str) -> OutboxMessage | None:
    try:
        message_id = uuid.UUID(str(message_id))
    except ValueError:
        logger.warning("outbox: ignoring malformed message id %r", message_id)
        return None
    now = timezone.now()
    claimed = (
        OutboxMessage.objects.filter(id=message_id, status=Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            status=Status.SENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=now + timedelta(seconds=claim_seconds()),
        )
    )
    if not claimed:
        return None
    return OutboxMessage.objects.select_related("recipient", "endpoint").get(id=message_id)


def _record_failure(message: OutboxMessage, exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    logger.warning(
        "outbox: %s %s failed (attempt %d): %s",
        message.channel,
        message.id,
        message.attempts,
        error,
    )
    exhausted = message.attempts >= MAX_ATTEMPTS and message.channel not in UNTIL_ACCEPTED
    given_up = isinstance(exc, PermanentError) or exhausted
    if given_up:
        changes = {"status": Status.FAILED, "next_attempt_at": None}
    else:
        changes = {
            "status": Status.PENDING,
            "published_at": None,
            "next_attempt_at": timezone.now() + timedelta(seconds=backoff(message.attempts)),
        }
    response = getattr(exc, "response", None) or {"response_status": None, "response_body": ""}
    _settle(message, last_error=error, **changes, **response)
    if given_up and message.endpoint_id and not isinstance(exc, EndpointOff):
        _endpoint_gave_up(message.endpoint_id)


def backoff(attempts: int) -> int:
    """Seconds to wait after the `attempts`-th failed attempt: 1, 2, 4 … minutes, at most 1 h."""
    return min(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1), BACKOFF_MAX_SECONDS)


# --- Endpoint health ----------------------------------------------------------------------------


def _endpoint_answered(endpoint_id: int) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint_id, consecutive_failures__gt=0).update(
        consecutive_failures=0
    )


def _endpoint_gave_up(endpoint_id: int) -> None:
    """Counts a delivery given up; the one that reaches WEBHOOK_DISABLE_AFTER switches the
    endpoint off (a conditional UPDATE, so its owner is told once)."""
    WebhookEndpoint.objects.filter(pk=endpoint_id).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    limit = settings.WEBHOOK_DISABLE_AFTER
    if limit <= 0:
        return
    switched_off = WebhookEndpoint.objects.filter(
        pk=endpoint_id, is_active=True, consecutive_failures__gte=limit
    ).update(is_active=False, disabled_at=timezone.now())
    if switched_off:
        from logistics.webhooks import webhook_endpoint_disabled

        webhook_endpoint_disabled(endpoint_id=endpoint_id)


# --- Senders ------------------------------------------------------------------------------------


def absolute_url(url: str) -> str:
    """The portal's links as full URLs, for e-mail and chat where relative links are useless."""
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def localized_payload(payload: dict, language: str | None) -> dict:
    """The payload with title and body in `language` (as written when it holds no translations);
    the translations themselves stay out of what is sent."""
    texts = i18n.pick(payload.get("translations"), language)
    result = {key: value for key, value in payload.items() if key != "translations"}
    if texts:
        result.update(title=texts["title"], body=texts["body"], language=language)
    return result


@dataclass(frozen=True)
class Attachment:
    """A file sent with an e-mail."""

    filename: str
    content: bytes
    mimetype: str


@dataclass(frozen=True)
class EmailContent:
    """What one e-mail says: a subject, a plain-text body, and optionally an HTML body and files."""

    subject: str
    body: str
    html: str = ""
    attachments: tuple[Attachment, ...] = ()


EmailBuilder = Callable[[OutboxMessage, dict], EmailContent]
_EMAIL_BUILDERS: dict[str, EmailBuilder] = {}


def register_email_content(kind: str, build: EmailBuilder) -> None:
    """Has the e-mails of notifications of `kind` written by `build(message, payload)` at
    delivery — for an HTML body or attachments, which a notification's title and body cannot
    carry. It runs in the recipient's language (active, and `payload` localized to it, with the
    `data` that notify() was given); raise PermanentError when there is nothing left to send."""
    _EMAIL_BUILDERS[kind] = build


def send_email(message: OutboxMessage) -> None:
    recipient = message.recipient
    if recipient is None or not recipient.email:
        raise PermanentError("recipient has no e-mail address")
    # The recipient's language now, at delivery: a switch after the event still counts.
    language = i18n.user_language(recipient)
    payload = localized_payload(message.payload, language)
    build = _EMAIL_BUILDERS.get(payload.get("kind", ""))
    if build is not None:
        with i18n.in_language(language):
            _send_mail(message, build(message, payload))
        return
    lines = [payload.get("body", ""), absolute_url(payload.get("url", ""))]
    body = "\n\n".join(line for line in lines if line)
    _send_mail(message, EmailContent(subject=payload["title"], body=body))


def send_digest(message: OutboxMessage) -> None:
    recipient = message.recipient
    if recipient is None or not recipient.email:
        raise PermanentError("recipient has no e-mail address")
    notifications = Notification.objects.filter(
        recipient=recipient, id__in=message.payload.get("notification_ids", [])
    ).order_by("created_at", "id")
    with i18n.in_language(i18n.user_language(recipient)) as language:
        _send_digest(message, notifications, language)


def _send_digest(message: OutboxMessage, notifications, language: str) -> None:
    items = [
        f"- {n.in_language(language)['title']}" + (f"\n  {absolute_url(n.url)}" if n.url else "")
        for n in notifications
    ]
    if not items:
        return
    subject = ngettext("%(count)d new notification", "%(count)d new notifications", len(items)) % {
        "count": len(items)
    }
    footer = _("All notifications: %(url)s") % {"url": absolute_url("/notifications/")}
    _send_mail(message, EmailContent(subject, "\n".join(items) + "\n\n" + footer))


def _send_mail(message: OutboxMessage, content: EmailContent) -> None:
    email = EmailMultiAlternatives(
        subject=content.subject,
        body=content.body,
        to=[message.recipient.email],
        headers={"X-Portal-Delivery": str(message.id)},
    )
    if content.html:
        email.attach_alternative(content.html, "text/html")
    for attachment in content.attachments:
        email.attach(attachment.filename, attachment.content, attachment.mimetype)
    email.send(fail_silently=False)


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of "<timestamp>.<body>" under the endpoint's secret."""
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def send_webhook(message: OutboxMessage) -> dict:
    """A notification to a group bot, in its message format and language."""
    endpoint = _usable_endpoint(message)
    with i18n.in_language(endpoint.language) as language:
        payload = localized_payload(message.payload, language)
        content = WEBHOOK_BODIES[endpoint.style](message, payload)
    status, answer = post_signed(
        _webhook_url(endpoint),
        endpoint.secret,
        content,
        event=message.payload.get("kind", ""),
        delivery=message.id,
    )
    if endpoint.style != WebhookEndpoint.Style.GENERIC:
        _check_robot_answer(status, answer)
    return _response(status, answer)


def send_event(message: OutboxMessage) -> dict:
    """An integration event: its envelope as stored, the same bytes on every attempt."""
    endpoint = _usable_endpoint(message)
    status, answer = post_signed(
        _webhook_url(endpoint),
        endpoint.secret,
        message.payload,
        event=message.payload["type"],
        delivery=message.id,
    )
    return _response(status, answer)


def _usable_endpoint(message: OutboxMessage) -> WebhookEndpoint:
    endpoint = message.endpoint
    if endpoint is None or not endpoint.is_active:
        raise EndpointOff("webhook endpoint removed or switched off")
    if not endpoint.url.startswith(("http://", "https://")):
        raise PermanentError("webhook URL must be http(s)")
    return endpoint


def send_supervision(message: OutboxMessage) -> dict:
    """The city supervision document of a day (logistics.supervision), as stored, to
    SUPERVISION_PUSH_URL, signed like a webhook with SUPERVISION_PUSH_SECRET."""
    url = settings.SUPERVISION_PUSH_URL
    if not url.startswith(("http://", "https://")):
        raise PermanentError("SUPERVISION_PUSH_URL is not set to an http(s) address")
    status, answer = post_signed(
        url,
        settings.SUPERVISION_PUSH_SECRET,
        message.payload,
        event="supervision.daily",
        delivery=message.id,
    )
    return _response(status, answer)


def post_signed(url: str, secret: str, content: dict, *, event: str, delivery) -> tuple[int, bytes]:
    """POSTs `content` as JSON with the portal's signature headers; returns the status and the
    start of a 2xx answer. Any other answer raises Refused (a failed attempt, logged with it)."""
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 — callers check the scheme
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "campus-logistics-portal",
            "X-Portal-Event": event,
            "X-Portal-Delivery": str(delivery),
            "X-Portal-Timestamp": timestamp,
            "X-Portal-Signature": webhook_signature(secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT) as response:  # noqa: S310
            return response.status, response.read(RESPONSE_KEEP)
    except urllib.error.HTTPError as exc:
        answer = exc.read(RESPONSE_KEEP)
        raise Refused(f"HTTP Error {exc.code}: {exc.reason}", status=exc.code, body=answer)


def _response(status: int | None, body: bytes) -> dict:
    text = body[:RESPONSE_KEEP].decode("utf-8", errors="replace").replace("\x00", "")
    return {"response_status": status, "response_body": text}


def _generic_body(message: OutboxMessage, payload: dict) -> dict:
    return {**payload, "id": str(message.id)}


def _robot_markdown(payload: dict) -> str:
    lines = [f"#### {payload['title']}", payload.get("body", "")]
    if payload.get("url"):
        lines.append(f"[{_('Open in the portal')}]({payload['url']})")
    return "\n\n".join(line for line in lines if line)


def _dingtalk_body(message: OutboxMessage, payload: dict) -> dict:
    text = _robot_markdown(payload)
    return {"msgtype": "markdown", "markdown": {"title": payload["title"], "text": text}}


def _wecom_body(message: OutboxMessage, payload: dict) -> dict:
    return {"msgtype": "markdown", "markdown": {"content": _robot_markdown(payload)}}


WEBHOOK_BODIES = {
    WebhookEndpoint.Style.GENERIC: _generic_body,
    WebhookEndpoint.Style.DINGTALK: _dingtalk_body,
    WebhookEndpoint.Style.WECOM: _wecom_body,
}


def dingtalk_sign(secret: str, timestamp_ms: str) -> str:
    """DingTalk's robot signature: base64 HMAC-SHA256 of the timestamp (ms), newline, secret."""
    signed = f"{timestamp_ms}\n{secret}".encode()
    return base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()


def _webhook_url(endpoint: WebhookEndpoint) -> str:
    # DingTalk robots with "加签" security want the signature in the query; WeCom's key is in the
    # URL already; generic receivers verify the X-Portal-Signature header.
    if endpoint.style != WebhookEndpoint.Style.DINGTALK:
        return endpoint.url
    timestamp = str(int(time.time() * 1000))
    query = urlencode({"timestamp": timestamp, "sign": dingtalk_sign(endpoint.secret, timestamp)})
    return endpoint.url + ("&" if "?" in endpoint.url else "?") + query


def _check_robot_answer(status: int, answer: bytes) -> None:
    # DingTalk and WeCom answer 200 even when they refuse; the verdict is errcode in the body.
    try:
        result = json.loads(answer)
    except ValueError:
        raise Refused(f"robot answered no JSON: {answer[:200]!r}", status=status, body=answer)
    if not isinstance(result, dict) or result.get("errcode") != 0:
        raise Refused(f"robot refused the message: {result}", status=status, body=answer)


SENDERS = {
    Channel.EMAIL: send_email,
    Channel.DIGEST: send_digest,
    Channel.WEBHOOK: send_webhook,
    Channel.SUPERVISION: send_supervision,
    Channel.EVENT: send_event,
}
