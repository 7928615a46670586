"""The errors of repair services: the workflow core's, with the repairs' own messages."""

from django.utils.translation import gettext_lazy as _

from logistics import workflow


class InvalidTransition(workflow.InvalidTransition):
    default_message = _("This request is no longer in a state that allows this action.")


class ConcurrentUpdate(workflow.ConcurrentUpdate):
    default_message = _("Someone else changed this request a moment ago. Reload and try again.")


class ReopenWindowClosed(InvalidTransition):
    """Reopening is only possible for REPAIRS_REOPEN_DAYS after completion."""


class AlreadyAssigned(workflow.Conflict):
    default_message = _("The request is already assigned to this technician.")


class AlreadyRated(workflow.Conflict):
    default_message = _("This request has already been rated.")


class OwnRequest(workflow.Conflict):
    default_message = _("This is your own request: you are told of its progress anyway.")
