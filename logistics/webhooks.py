"""Webhook endpoints of school IT: create, change, re-send a delivery, test, and the notice when
one is switched off after failing (logistics.outbox counts the failures).

Errors callers get: django ValidationError keyed by field ("url", "event_types", "secret" …) for
bad input (400); logistics.workflow.InvalidTransition (409) for a re-send or test that cannot go
out now (endpoint off, delivery still on its way).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics import events, outbox, workflow
from logistics.models import OutboxMessage, WebhookEndpoint

if TYPE_CHECKING:
    from logistics.models import User

Status = OutboxMessage.Status
PING = "webhooks.endpoint.ping"
EDITABLE = ("name", "url", "secret", "event_types", "language", "is_active")
MIN_SECRET = 16


def endpoints_for(user: User):
    """The endpoints `user` manages through the API: their own."""
    return WebhookEndpoint.objects.filter(owner=user).order_by("name", "pk")


def deliveries_for(endpoint: WebhookEndpoint):
    """The endpoint's delivery log, newest first (the outbox_endpoint_log_idx index)."""
    return OutboxMessage.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")


def clean_event_types(values: Iterable[str]) -> list[str]:
    try:
        return events.normalize_subscriptions(values)
    except ValueError as exc:
        message = _("%(type)s is not an event type of the catalogue.") % {"type": exc.args[0]}
        raise ValidationError({"event_types": [message]}) from None


def _clean(endpoint: WebhookEndpoint) -> None:
    errors = {}
    if len(endpoint.secret or "") < MIN_SECRET:
        errors["secret"] = [
            _("Use a secret of at least %(count)d characters.") % {"count": MIN_SECRET}
        ]
    if endpoint.event_types and endpoint.style != WebhookEndpoint.Style.GENERIC:
        errors["event_types"] = [_("Only a generic JSON endpoint receives integration events.")]
    if errors:
        raise ValidationError(errors)
    endpoint.full_clean(exclude=["owner", "department"])


@transaction.atomic
def webhook_endpoint_create(
    *,
    owner: User,
    name: str,
    url: str,
    secret: str,
    event_types: Iterable[str],
    language: str | None = None,
    is_active: bool = True,
) -> WebhookEndpoint:
    """An endpoint of `owner` hearing the given event types (generic JSON, no notifications)."""
    endpoint = WebhookEndpoint(
        owner=owner,
        name=(name or "").strip(),
        url=(url or "").strip(),
        secret=secret or "",
        event_types=clean_event_types(event_types),
        notifications=False,
        style=WebhookEndpoint.Style.GENERIC,
        is_active=is_active,
    )
    if language:
        endpoint.language = language
    _clean(endpoint)
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    """Changes the fields given (EDITABLE); switching an endpoint on again clears its failure
    count and the time it was switched off."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if "event_types" in changes:
        changes["event_types"] = clean_event_types(changes["event_types"])
    switched_on = changes.get("is_active") and not endpoint.is_active
    for field, value in changes.items():
        setattr(endpoint, field, value.strip() if field in ("name", "url") else value)
    if switched_on:
        endpoint.consecutive_failures, endpoint.disabled_at = 0, None
    _clean(endpoint)
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_delivery_resend(*, delivery: OutboxMessage) -> OutboxMessage:
    """Sends a delivery again as a new one (the log keeps the first): the same event, the
    same id in the body, a new delivery id. Refused while the endpoint is off or the delivery
    is still on its way."""
    delivery = OutboxMessage.objects.select_related("endpoint").get(pk=delivery.pk)  # as it is now
    endpoint = delivery.endpoint
    if delivery.channel not in (OutboxMessage.Channel.EVENT, OutboxMessage.Channel.WEBHOOK):
        raise workflow.InvalidInput(
            fields={"delivery": [_("Only webhook deliveries are sent again.")]}
        )
    _check_sendable(endpoint)
    if delivery.status in (Status.PENDING, Status.SENDING):
        raise workflow.InvalidTransition(
            _("This delivery is still on its way; wait for its result before sending it again.")
        )
    copy = OutboxMessage.objects.create(
        channel=delivery.channel,
        endpoint=endpoint,
        notification=delivery.notification,
        payload=delivery.payload,
        event_id=delivery.event_id,
    )
    outbox.publish_on_commit([copy.id])
    return copy


@transaction.atomic
def webhook_endpoint_ping(*, endpoint: WebhookEndpoint) -> OutboxMessage:
    """Sends a test event (webhooks.endpoint.ping) to this endpoint alone, subscribed or not."""
    _check_sendable(endpoint)
    body = events.envelope(PING, {"endpoint_id": endpoint.pk})
    message = events.delivery(endpoint, body)
    message.save()
    outbox.publish_on_commit([message.id])
    return message


def _check_sendable(endpoint: WebhookEndpoint | None) -> None:
    if endpoint is None or not endpoint.is_active:
        raise workflow.InvalidTransition(_("The endpoint is switched off: switch it on first."))


def webhook_endpoint_disabled(*, endpoint_id: int) -> None:
    """Tells the owner that their endpoint was switched off after failing (from the outbox,
    once: the switch-off was a conditional UPDATE)."""
    from logistics.notifications import notify

    endpoint = WebhookEndpoint.objects.select_related("owner").get(pk=endpoint_id)
    if endpoint.owner is None:
        return
    notify(
        recipients=[endpoint.owner],
        kind="webhooks.endpoint.disabled",
        title=gettext_lazy("Webhook %(name)s was switched off"),
        body=gettext_lazy(
            "The last %(count)s deliveries to %(url)s failed after all their retries, so the "
            "portal stopped sending to it. Fix the receiver, then switch the endpoint on again "
            "(admin, or PATCH /api/v1/webhooks/%(id)s/ with is_active true) and re-send the "
            "failed deliveries you need."
        ),
        params={
            "name": endpoint.name,
            "count": endpoint.consecutive_failures,
            "url": endpoint.url,
            "id": endpoint.pk,
        },
        webhooks=False,
    )
