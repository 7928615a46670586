"""The errors of the reviews services, with a message for the user."""

from django.utils.translation import gettext_lazy as _


class ReviewError(Exception):
    """A domain error with a message for the user (views show it, the API answers 400/409)."""

    default_message = _("This action is not possible.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class AlreadyReviewed(ReviewError):
    default_message = _("You have already reviewed this.")


class NotEditable(ReviewError):
    default_message = _("This review can no longer be edited.")


class InvalidTransition(ReviewError):
    default_message = _("This complaint is no longer in a state that allows this action.")


class ConcurrentUpdate(ReviewError):
    default_message = _("Someone else changed this a moment ago. Reload and try again.")
