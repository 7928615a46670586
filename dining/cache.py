"""The lunchtime cache: public menu pages and the menu API cached per canteen and date.

CONTRACT (the lead wrote the signatures; helper d3 implements them). Services call the
invalidation functions inside their transaction; the invalidation happens after commit, so a
stale price never shows after the change is saved.
"""


def menu_changed(*, canteen_id: int, date) -> None:
    """A menu of this canteen and date changed (items, prices, sold out, publishing)."""
    raise NotImplementedError


def canteen_changed(*, canteen_id: int) -> None:
    """Something shown on every day of this canteen changed (a dish's name, photo, standard
    price, allergens; opening hours; closed days)."""
    raise NotImplementedError
