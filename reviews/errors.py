"""The errors of the reviews services: the workflow core's, with the reviews' own messages."""

from django.utils.translation import gettext_lazy as _

from logistics import workflow


class AlreadyReviewed(workflow.Conflict):
    default_message = _("You have already reviewed this.")


class NotEditable(workflow.Conflict):
    default_message = _("This review can no longer be edited.")


class InvalidTransition(workflow.InvalidTransition):
    default_message = _("This complaint is no longer in a state that allows this action.")


class ConcurrentUpdate(workflow.ConcurrentUpdate):
    default_message = _("Someone else changed this a moment ago. Reload and try again.")
