"""Errors of the lost-and-found system, on top of logistics.workflow."""

from logistics.workflow import DomainError


class LostFoundError(DomainError):
    """Base of the lost-and-found system's errors: pages and the API answer them."""
