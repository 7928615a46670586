"""How figures are shown on every app's pages: shares as whole percents, a dash for none."""


def percent(share: float | None) -> str:
    """A share (0..1) as a whole percent, "—" when there is nothing to count."""
    return "—" if share is None else f"{share * 100:.0f}%"
