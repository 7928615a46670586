"""API of the core's notifications."""


def register(router) -> None:
    """Registers this module's viewsets on the /api/v1/ router."""
