"""API of the core's places."""


def register(router) -> None:
    """Registers this module's viewsets on the /api/v1/ router."""
