"""Errors of the lost-and-found system, on top of logistics.workflow."""

from django.utils.translation import gettext_lazy as _

from logistics import workflow
from logistics.workflow import DomainError


class LostFoundError(DomainError):
    """Base of the lost-and-found system's errors: pages and the API answer them."""


class InvalidTransition(workflow.InvalidTransition):
    default_message = _("This item is no longer in a state that allows this action.")


class ConcurrentUpdate(workflow.ConcurrentUpdate):
    default_message = _("Someone else changed this item a moment ago. Reload and try again.")


class SecondPersonRequired(workflow.NotAllowed):
    """A valuable's intake is confirmed by a second desk person, not the one who took it in."""

    default_message = _("A second desk person must confirm this valuable item.")


class ClaimBlocked(workflow.NotAllowed):
    """Three rejected claims in a category: no claim in it for a day."""

    default_message = _(
        "Three of your claims in this category were rejected: you may claim again tomorrow."
    )


class WrongCode(workflow.InvalidInput):
    default_message = _("This code does not match. Ask the owner for the code the portal shows.")


class AlreadyClaimed(workflow.Conflict):
    default_message = _("You have already claimed this item; the desk is looking at it.")


class OwnItem(workflow.NotAllowed):
    default_message = _("You found this item yourself.")


class HoldingNotOver(workflow.Conflict):
    """An item goes on the disposal register only after its campus holding period."""

    default_message = _("This item's holding period has not ended yet.")


class ClaimOpen(workflow.Conflict):
    default_message = _("A claim on this item is still open: decide it first.")


class AlreadyProposed(workflow.Conflict):
    default_message = _("A disposal of this item was already proposed.")
