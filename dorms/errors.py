"""Errors of the dorms system, on top of logistics.workflow."""

from django.utils.translation import gettext_lazy as _

from logistics import workflow
from logistics.workflow import DomainError


class DormError(DomainError):
    """Base of the dorms system's errors: pages and the API answer them."""


class InvalidTransition(workflow.InvalidTransition):
    default_message = _("This notice is no longer in a state that allows this action.")


class ConcurrentUpdate(workflow.ConcurrentUpdate):
    default_message = _("Someone else changed this notice a moment ago. Reload and try again.")


class NoticeFrozen(workflow.InvalidTransition):
    default_message = _(
        "A published notice keeps its title, body and kind. Publish a correction instead."
    )


class OutOfScope(workflow.NotAllowed):
    default_message = _("You may only address the buildings you manage.")


class LeadTimeWarning(workflow.Conflict):
    """A planned outage announced with less notice than its rule asks: the manager must give
    a reason (`fields` names `lead_time_reason`) to publish it all the same."""

    code = "lead_time_warning"


class NotAddressed(workflow.NotAllowed):
    default_message = _("This notice was not addressed to you.")


class AlreadyAcknowledged(workflow.Conflict):
    default_message = _("You have already acknowledged this notice.")


class AlreadyChecked(workflow.Conflict):
    default_message = _("This room has already been checked in this round.")


class HazardNotYours(workflow.NotAllowed):
    default_message = _("Only the residents of this room confirm the fix.")
