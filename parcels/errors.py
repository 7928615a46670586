"""Errors of the parcels system, on top of logistics.workflow."""

from logistics.workflow import DomainError


class ParcelError(DomainError):
    """Base of the parcels system's errors: pages and the API answer them."""
