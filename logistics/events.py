"""Integration events for school IT: the catalogue apps register into, and `emit(...)`.

Apps register each event type once (`register_event_type` in AppConfig.ready) and call
`emit(...)` inside the transaction that made the change: it writes one outbox row per
subscribed webhook endpoint, published after commit (logistics.outbox), so a rolled-back
change announces nothing. Payloads carry ids, states and times, not names or phone numbers
(docs/events.md); each type's JSON Schema is docs/events/<type>.v<version>.json.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise

from logistics import outbox
from logistics.models import OutboxMessage, WebhookEndpoint
from logistics.notifications import kind_matches

TYPE_PATTERN = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+){2}$")
# uuid5 namespace of the ids of events that must be announced once (emit(..., key=…)).
EVENT_NAMESPACE = uuid.UUID("5d0c1f0e-7a57-4d8e-9c3b-8f6c2a1e0b42")


@dataclass(frozen=True)
class EventType:
    key: str
    version: int
    label: str | Promise
    description: str | Promise = ""

    @property
    def schema_name(self) -> str:
        """The JSON Schema file of this version under docs/events/."""
        return f"{self.key}.v{self.version}.json"


_event_types: dict[str, EventType] = {}


def register_event_type(
    key: str, *, version: int, label: str | Promise, description: str | Promise = ""
) -> EventType:
    """Adds a type to the catalogue (`<app>.<thing>.<what happened>`); registering a key again
    replaces it. Raise `version` when a field changes meaning or goes away (adding one does not)."""
    if not TYPE_PATTERN.match(key):
        raise ValueError(f"event type must look like 'app.thing.happened', not {key!r}")
    event_type = EventType(key=key, version=version, label=label, description=description)
    _event_types[key] = event_type
    return event_type


def event_types() -> list[EventType]:
    """The catalogue, by key."""
    return [_event_types[key] for key in sorted(_event_types)]


def get_event_type(key: str) -> EventType:
    try:
        return _event_types[key]
    except KeyError:
        raise ValueError(f"unknown event type {key!r}: register it first") from None


def subscription_matches(event_type: str, subscriptions: Iterable[str]) -> bool:
    """True if an endpoint subscribed to `event_type` itself or to a prefix of it ('repairs.')."""
    return kind_matches(event_type, subscriptions)


def normalize_subscriptions(values: Iterable[str]) -> list[str]:
    """Known types and prefixes of known types, de-duplicated; raises ValueError naming the
    first that matches nothing in the catalogue."""
    result: list[str] = []
    for raw in values:
        value = str(raw).strip().lower()
        if not value:
            continue
        if not any(subscription_matches(key, [value]) for key in _event_types):
            raise ValueError(value)
        if value not in result:
            result.append(value)
    return result


def envelope(
    event_type: str,
    data: Mapping[str, Any],
    *,
    occurred_at: datetime | None = None,
    key: str | None = None,
) -> dict:
    """The body every receiver gets: {id, type, version, occurred_at, data}. With `key` the
    id is derived from it, so announcing the same thing twice gives the same id."""
    kind = get_event_type(event_type)
    event_id = uuid.uuid5(EVENT_NAMESPACE, f"{event_type}:{key}") if key else uuid.uuid4()
    return {
        "id": str(event_id),
        "type": kind.key,
        "version": kind.version,
        "occurred_at": (occurred_at or timezone.now()).isoformat(),
        "data": dict(data),
    }


def subscribers(event_type: str) -> list[WebhookEndpoint]:
    """The active endpoints that subscribed to `event_type` (one query on a small table)."""
    endpoints = WebhookEndpoint.objects.filter(is_active=True).exclude(event_types=[])
    return [e for e in endpoints if subscription_matches(event_type, e.event_types)]


def emit(
    event_type: str,
    data: Mapping[str, Any],
    *,
    occurred_at: datetime | None = None,
    key: str | None = None,
) -> list[OutboxMessage]:
    """Announces one event to every endpoint subscribed to its type; call it in the change's
    transaction. `key` (e.g. "notice:42") makes it once only: an endpoint that already has a
    delivery of this event gets no second one (for sweeps that may see a thing again)."""
    return emit_many(event_type, [data], occurred_at=occurred_at, keys=[key] if key else None)


def emit_many(
    event_type: str,
    items: Iterable[Mapping[str, Any]],
    *,
    occurred_at: datetime | None = None,
    keys: list[str] | None = None,
) -> list[OutboxMessage]:
    """`emit` for many events of one type (a bulk arrival): one query for the subscribers,
    one insert for the deliveries (no savepoint: the insert is one statement)."""
    items = list(items)
    if not items:
        return []
    endpoints = subscribers(event_type)
    if not endpoints:
        get_event_type(event_type)  # an unknown type is a programming error even unheard
        return []
    bodies = [
        envelope(event_type, data, occurred_at=occurred_at, key=keys[i] if keys else None)
        for i, data in enumerate(items)
    ]
    sent = _already_delivered(bodies, endpoints) if keys else set()
    messages = [
        delivery(endpoint, body)
        for body in bodies
        for endpoint in endpoints
        if (body["id"], endpoint.pk) not in sent
    ]
    OutboxMessage.objects.bulk_create(messages)
    outbox.publish_on_commit(m.id for m in messages)
    return messages


def delivery(endpoint: WebhookEndpoint, body: dict) -> OutboxMessage:
    """An unsaved outbox row that delivers `body` (an envelope) to `endpoint`."""
    return OutboxMessage(
        channel=OutboxMessage.Channel.EVENT,
        endpoint=endpoint,
        payload=body,
        event_id=uuid.UUID(body["id"]),
    )


def _already_delivered(bodies: list[dict], endpoints: list[WebhookEndpoint]) -> set:
    rows = OutboxMessage.objects.filter(
        event_id__in=[body["id"] for body in bodies], endpoint__in=endpoints
    ).values_list("event_id", "endpoint_id")
    return {(str(event_id), endpoint_id) for event_id, endpoint_id in rows}
