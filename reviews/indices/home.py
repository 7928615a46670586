"""Home-page and manager-overview sections of this part of reviews (logistics.sections)."""


def register() -> None:
    """Called from ReviewsConfig.ready()."""
