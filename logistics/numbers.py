"""How the pages write figures: one formatting of shares and means for every app."""

NONE = "—"


def percent(share: float | None) -> str:
    """A share (0.42) as a whole percentage ("42%"); a dash when there is none."""
    return NONE if share is None else f"{share * 100:.0f}%"
