"""The errors of repair services, with a message for the user."""

from django.utils.translation import gettext_lazy as _


class RepairError(Exception):
    """A domain error with a message for the user (views show it, the API answers 400/409)."""

    default_message = _("This action is not possible.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class InvalidTransition(RepairError):
    default_message = _("This request is no longer in a state that allows this action.")


class ConcurrentUpdate(RepairError):
    default_message = _("Someone else changed this request a moment ago. Reload and try again.")
