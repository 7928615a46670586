"""The one registration call through which any app makes its service events reviewable.

An app registers each kind of event it serves people with, once, from ``AppConfig.ready()``::

    from reviews.registry import Dimension, register_event_type

    register_event_type(
        "repairs.request",
        label=_("Repair"),
        dimensions=[
            Dimension("speed", _("Response speed")),      # 响应速度
            Dimension("quality", _("Repair quality")),    # 维修质量
            Dimension("attitude", _("Service attitude")), # 服务态度
        ],
        follow_up_at_or_below=2,                 # 1–2 stars: a call-back for …
        follow_up_role=Role.REPAIR_DISPATCHER,   # … the dispatchers of the event's department
        on_review=sync_repair_rating,            # callable(review) inside the transaction
    )

and records an event when it has served someone, inside its own transaction::

    from reviews.services import SubjectRef, service_event_record

    service_event_record(
        event_type="repairs.request", source_id=str(repair.pk), served=repair.requester,
        occurred_at=repair.completed_at, title=..., url=repair.get_absolute_url(),
        department=repair.department,
        subjects=[SubjectRef("unit", str(dept.pk), dept.name, dept.name_en, department=dept), …],
    )

The person served is then invited (if ``invite``), may review it once, and the event's
subjects collect the scores in the satisfaction indices.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise


@dataclass(frozen=True)
class Dimension:
    """A score besides the stars, 1–5, e.g. 响应速度 for repairs."""

    key: str
    label: str | Promise


@dataclass(frozen=True)
class EventType:
    """How events of one kind are reviewed."""

    key: str
    label: str | Promise
    dimensions: tuple[Dimension, ...] = ()
    # Invite the person served once the event is recorded (after the configured delay).
    invite: bool = True
    # False where the app cannot know who was served and takes their word (a dish eaten).
    verified: bool = True
    # A review at or below this many stars opens a follow-up for follow_up_role.
    follow_up_at_or_below: int | None = None
    follow_up_role: str | None = None
    # Called with the review inside the transaction that creates, edits or hides it.
    on_review: Callable | None = field(default=None, compare=False)

    def dimension_keys(self) -> list[str]:
        return [d.key for d in self.dimensions]


_registry: dict[str, EventType] = {}


def register_event_type(key: str, **options) -> EventType:
    """Registers (or replaces, so a reloaded ready() is harmless) an event type."""
    event_type = EventType(key=key, **options)
    _registry[key] = event_type
    return event_type


def get_event_type(key: str) -> EventType | None:
    return _registry.get(key)


def event_types() -> list[EventType]:
    return sorted(_registry.values(), key=lambda t: t.key)


def event_type_label(key: str) -> str:
    event_type = _registry.get(key)
    return str(event_type.label) if event_type else key
