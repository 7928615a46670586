"""The found item's state machine, written once: which action moves it from which state and who
may take it. Services check it, pages offer it, the API and templates read it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from logistics.workflow import StateMachine, Transition
from lostfound.errors import InvalidTransition, SecondPersonRequired
from lostfound.models import FoundItem
from lostfound.querysets import is_desk_staff

Status = FoundItem.Status


def _desk(user, item: FoundItem) -> bool:
    return is_desk_staff(user, item.desk_id)


TRANSITIONS = StateMachine(
    [
        Transition(
            "receive",
            frozenset({Status.REPORTED}),
            Status.STORED,
            allowed=_desk,
            label=_("Receive at the desk"),
        ),
        Transition(
            "confirm_intake",
            frozenset({Status.INTAKE_PENDING}),
            Status.STORED,
            allowed=_desk,
            label=_("Confirm intake (second person)"),
        ),
    ],
    invalid=InvalidTransition,
)


def check_second_person(item: FoundItem, user) -> None:
    """Refuses the desk person who took the valuable in (the second pair of eyes)."""
    if item.intake_by_id == user.pk:
        raise SecondPersonRequired()
