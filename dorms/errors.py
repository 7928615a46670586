"""Errors of the dorms system, on top of logistics.workflow."""

from logistics.workflow import DomainError


class DormError(DomainError):
    """Base of the dorms system's errors: pages and the API answer them."""
