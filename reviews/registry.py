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

An app whose subjects are answered for by its own staff (a dish, a window, a canteen: the
canteen's staff) says who they are, also from ``ready()``; reviews then routes complaints about
those subjects and shows their index rows without naming the app::

    from reviews.registry import SubjectFacts, register_subject_kind

    register_subject_kind(
        "dish",
        describe=dish_facts,            # callable(ref) -> SubjectFacts | None (no such dish)
        answerers=dish_answerers,       # callable(ref) -> list[User]: who answers for it
        answered_by=dishes_answered_by, # callable(user) -> refs (values("ref")) or None
    )
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.functional import Promise

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from logistics.models import Department, User


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


# --- Subjects that an app's staff answer for --------------------------------------------------


@dataclass(frozen=True)
class SubjectFacts:
    """What the app behind a subject says about one: its names and its department."""

    name: str
    name_en: str = ""
    department: Department | None = None


@dataclass(frozen=True)
class SubjectKind:
    """How reviews learns, for subjects of one kind, who answers for them."""

    kind: str
    # ref -> the subject's facts, or None when the app has no such row.
    describe: Callable[[str], SubjectFacts | None] = field(compare=False)
    # ref -> the active staff who answer for the subject (complaints reach them).
    answerers: Callable[[str], list[User]] = field(compare=False)
    # user -> a queryset of the refs (one "ref" text column) of the subjects of this kind the
    # user answers for, used as a subquery; None when they answer for none.
    answered_by: Callable[[User], QuerySet | None] = field(compare=False)


_subject_kinds: dict[str, SubjectKind] = {}


def register_subject_kind(
    kind: str,
    *,
    describe: Callable[[str], SubjectFacts | None],
    answerers: Callable[[str], list[User]],
    answered_by: Callable[[User], QuerySet | None],
) -> SubjectKind:
    """Registers (or replaces) the hooks of one subject kind."""
    subject_kind = SubjectKind(kind, describe, answerers, answered_by)
    _subject_kinds[kind] = subject_kind
    return subject_kind


def get_subject_kind(kind: str) -> SubjectKind | None:
    return _subject_kinds.get(kind)


def subject_kinds() -> list[SubjectKind]:
    return sorted(_subject_kinds.values(), key=lambda k: k.kind)
