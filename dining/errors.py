"""Errors of the dining services, on top of logistics.workflow: pages show their message, the API
answers their code and status through the shared exception handler."""

from django.utils.translation import gettext_lazy as _

from logistics.workflow import DomainError


class DiningError(DomainError):
    """A dining rule said no (a dish of another canteen, a copy of 40 days …): 400 invalid."""

    code = "invalid"
    http_status = 400


class PriceRuleBroken(DiningError):
    """A menu breaks price rules; `findings` say which (the API's "findings" field)."""

    http_status = 409

    def __init__(self, findings, message=None):
        self.findings = findings
        super().__init__(message, fields={"findings": [f.message for f in findings]})


class PublishBlocked(PriceRuleBroken):
    """A blocking price rule is broken."""

    code = "blocked"
    default_message = _("A price rule blocks publishing this menu.")


class AcknowledgementRequired(PriceRuleBroken):
    """Warnings must be acknowledged with a reason before publishing."""

    code = "acknowledge"
    default_message = _("This menu breaks a price rule: give a reason to publish it anyway.")
