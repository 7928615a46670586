"""The errors of the reviews services, on top of logistics.workflow: pages show their message,
the API answers their code and status through the shared exception handler."""

from django.utils.translation import gettext_lazy as _

from logistics import workflow


class ReviewError(workflow.DomainError):
    """Base of the reviews system's errors: an action the rules refuse (409 conflict)."""

    code = "conflict"
    http_status = 409


class AlreadyReviewed(ReviewError):
    default_message = _("You have already reviewed this.")


class NotEditable(ReviewError):
    default_message = _("This review can no longer be edited.")


class InvalidTransition(ReviewError, workflow.InvalidTransition):
    code = "invalid_transition"
    default_message = _("This complaint is no longer in a state that allows this action.")


class ConcurrentUpdate(ReviewError, workflow.ConcurrentUpdate):
    code = "concurrent_update"
    default_message = _("Someone else changed this a moment ago. Reload and try again.")
