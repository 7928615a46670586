"""Every change in the dining app: dishes, menus (build, copy, template, import, publish,
sold out), favourites. Writes go through here (DESIGN.md).

CONTRACT (the lead wrote the signatures; helper d1 implements them and may add functions with
keyword-only arguments). Each service: @transaction.atomic, checks that `by` may edit the canteen
(Canteen.objects.editable_by(by)) and raises django PermissionDenied otherwise, records price
changes through dining.pricing.price_change_record, calls dining.cache.menu_changed /
canteen_changed, and notify() where people want to know.
"""

from django.utils.translation import gettext_lazy as _


class DiningError(Exception):
    """A domain error with a message for the user."""

    default_message = _("This action is not possible.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class PublishBlocked(DiningError):
    """A blocking price rule is broken; `findings` say which."""

    default_message = _("A price rule blocks publishing this menu.")

    def __init__(self, findings, message=None):
        self.findings = findings
        super().__init__(message)


class AcknowledgementRequired(DiningError):
    """Warnings must be acknowledged with a reason before publishing; `findings` say which."""

    default_message = _("This menu breaks a price rule: give a reason to publish it anyway.")

    def __init__(self, findings, message=None):
        self.findings = findings
        super().__init__(message)


def dish_save(*, by, canteen, data: dict, dish=None, reason: str = ""):
    """Creates or updates a dish (standard prices recorded as price changes)."""
    raise NotImplementedError


def menu_set_items(*, by, menu, items: list[dict]):
    """Replaces a menu's items: [{"dish": Dish, "price": Decimal, "price_employee": …,
    "price_other": …, "sort_order": int}]; price differences from the dish's last price are
    recorded. Returns the menu."""
    raise NotImplementedError


def menu_get_or_create(*, by, canteen, window, date, meal):
    """The draft menu of a window, date and meal (created when missing)."""
    raise NotImplementedError


def menus_copy(*, by, canteen, from_date, to_date, meals=None, days: int = 1) -> list:
    """Copies the menus of `days` days starting at from_date (all windows, the given meals or
    all) to the same meals starting at to_date, as drafts; returns the new menus."""
    raise NotImplementedError


def menus_apply_template(*, by, template, week_start) -> list:
    """Builds draft menus of the week starting at week_start (a Monday) from a weekly template."""
    raise NotImplementedError


def menus_import(*, by, canteen, upload):
    """Imports menu rows from CSV/XLSX through logistics.tabular (all or nothing); returns the
    ImportReport."""
    raise NotImplementedError


def menu_publish(*, by, menu, publish_at=None, acknowledge_reason: str = ""):
    """Publishes now, or schedules (publish_at up to 14 days ahead). Runs price_rules_check:
    a block raises PublishBlocked; warnings without acknowledge_reason raise
    AcknowledgementRequired; with a reason the findings are recorded and the menu publishes."""
    raise NotImplementedError


def menus_publish_due(*, now=None) -> int:
    """Publishes scheduled menus whose publish_at has come (Celery beat); returns how many."""
    raise NotImplementedError


def menu_item_set_sold_out(*, by, item, sold_out: bool):
    """The live sold-out switch during service."""
    raise NotImplementedError


def favourite_toggle(*, user, dish) -> bool:
    """Adds or removes a favourite dish; returns whether it is now a favourite."""
    raise NotImplementedError


def favourites_notify_tomorrow(*, today=None) -> int:
    """Tells each user whose favourite dish is on tomorrow's published menu, once a day."""
    raise NotImplementedError
