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
