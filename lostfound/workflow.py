"""The found item's state machine, written once: which action moves it from which state and who
may take it. Services check it, pages offer it, the API and templates read it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from logistics.workflow import StateMachine, Transition
from lostfound.errors import InvalidTransition, SecondPersonRequired
from lostfound.models import Claim, FoundItem
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


# --- Claims -------------------------------------------------------------------------------------

ClaimStatus = Claim.Status


def _claim_desk(user, claim: Claim) -> bool:
    return is_desk_staff(user, claim.item.desk_id)


CLAIM_TRANSITIONS = StateMachine(
    [
        Transition(
            "approve",
            frozenset({ClaimStatus.PENDING}),
            ClaimStatus.APPROVED,
            allowed=_claim_desk,
            label=_("Approve"),
        ),
        Transition(
            "reject",
            frozenset({ClaimStatus.PENDING}),
            ClaimStatus.REJECTED,
            allowed=_claim_desk,
            label=_("Reject"),
        ),
        Transition(
            "hand_over",
            frozenset({ClaimStatus.APPROVED}),
            ClaimStatus.HANDED_OVER,
            allowed=lambda user, claim: (
                _claim_desk(user, claim) and claim.item.custody == FoundItem.Custody.DESK
            ),
            label=_("Hand over"),
        ),
        Transition(
            "confirm_handover",
            frozenset({ClaimStatus.HANDOVER_PENDING}),
            ClaimStatus.HANDED_OVER,
            allowed=_claim_desk,
            label=_("Confirm handover (second person)"),
        ),
    ],
    invalid=InvalidTransition,
)
