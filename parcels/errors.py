"""Errors of the parcels system, on top of logistics.workflow."""

from django.utils.translation import gettext_lazy as _

from logistics import workflow
from logistics.workflow import DomainError


class ParcelError(DomainError):
    """Base of the parcels system's errors: pages and the API answer them."""


class InvalidTransition(workflow.InvalidTransition):
    default_message = _("This parcel is no longer in a state that allows this action.")


class ConcurrentUpdate(workflow.ConcurrentUpdate):
    default_message = _("Someone else changed this parcel a moment ago. Reload and try again.")


class InvalidTrackingNumber(workflow.InvalidInput):
    default_message = _("This is not a tracking number.")


class NoShelfSpace(workflow.Conflict):
    default_message = _(
        "No shelf of this size class has a free place. Add a shelf or choose a larger size."
    )


class NothingToPickUp(ParcelError):
    code = "not_found"
    http_status = 404
    default_message = _("No waiting parcel matches this code at this station.")


class TooManyAttempts(ParcelError):
    code = "throttled"
    http_status = 429
    default_message = _("Too many wrong codes. Ask for the recipient's QR code or try again later.")


class ProxyInvalid(workflow.InvalidInput):
    default_message = _("Choose a campus account or give the collector's name.")
