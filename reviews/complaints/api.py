"""REST endpoints of this part of reviews, registered on the reviews API router."""


def register(router) -> None:
    """Adds this part's viewsets to /api/v1/reviews/."""
