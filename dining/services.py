"""Every change in the dining app: dishes, menus (build, copy, template, import, publish,
sold out), favourites. Writes go through here (DESIGN.md).

Each service runs in a transaction, checks that `by` may edit the canteen
(Canteen.objects.editable_by(by)) and raises PermissionDenied otherwise, raises the errors of
dining.errors when a rule says no, records price changes through the pricing package, tells the
menu cache (dining.cache) what changed, and notifies the people who want to know.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from logistics.notifications import notify

from . import cache
from .errors import AcknowledgementRequired, DiningError, PublishBlocked
from .models import DISH_EDITABLE_FIELDS, Canteen, Dish, Favourite, Menu, MenuItem, PriceChange
from .pricing import services as pricing

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from logistics.models import User
    from logistics.tabular import ImportReport

    from .models import MenuTemplate, Window

PUBLISH_AHEAD = timedelta(days=14)
# Tier name → the price field of Dish and MenuItem that holds it.
TIERS = {"student": "price", "employee": "price_employee", "other": "price_other"}
# dish_save sets these on the row; the allergens are a many-to-many set after saving.
DISH_COLUMNS = (set(DISH_EDITABLE_FIELDS) - {"allergens"}) | {"photo"}


# --- Permission ---------------------------------------------------------------------------------


def can_edit(*, user: User, canteen: Canteen) -> bool:
    """Whether `user` may change the dishes and menus of `canteen`."""
    return Canteen.objects.editable_by(user).filter(pk=canteen.pk).exists()


def _require_edit(by: User, canteen: Canteen) -> None:
    if not can_edit(user=by, canteen=canteen):
        raise PermissionDenied(gettext("You cannot edit this canteen."))


# --- Dishes -------------------------------------------------------------------------------------


@transaction.atomic
def dish_save(
    *, by: User, canteen: Canteen, data: dict, dish: Dish | None = None, reason: str = ""
) -> Dish:
    """Creates or updates a dish (standard prices recorded as price changes)."""
    _require_edit(by, canteen)
    if dish is not None and dish.canteen_id != canteen.pk:
        raise DiningError(_("This dish belongs to another canteen."))
    window = data.get("window")
    if window is not None and window.canteen_id != canteen.pk:
        raise DiningError(_("This window belongs to another canteen."))
    old_prices = {}
    if dish is not None:
        # From the database: a ModelForm may already have set the new values on `dish`.
        old_prices = Dish.objects.select_for_update().values(*TIERS.values()).get(pk=dish.pk)
    dish = dish or Dish(canteen=canteen)
    for name, value in data.items():
        if name in DISH_COLUMNS:
            setattr(dish, name, value)
    dish.full_clean(exclude=["allergens"])
    dish.save()
    if "allergens" in data:
        dish.allergens.set(data["allergens"])
    _record_dish_prices(dish, old_prices, by=by, reason=reason)
    cache.canteen_changed(canteen_id=canteen.pk)
    return dish


def _record_dish_prices(dish, old_prices: dict, *, by, reason: str) -> None:
    for tier, field in TIERS.items():
        new, old = getattr(dish, field), old_prices.get(field)
        if new is not None and new != old:
            pricing.price_change_record(
                dish=dish, new_price=new, old_price=old, by=by, tier=tier, reason=reason
            )


# --- Building menus -----------------------------------------------------------------------------


@transaction.atomic
def menu_get_or_create(
    *, by: User, canteen: Canteen, window: Window, date: datetime.date, meal: str
) -> Menu:
    """The draft menu of a window, date and meal (created when missing)."""
    _require_edit(by, canteen)
    if window.canteen_id != canteen.pk:
        raise DiningError(_("This window belongs to another canteen."))
    menu, _created = Menu.objects.get_or_create(
        window=window,
        date=date,
        meal=meal,
        defaults={"canteen": canteen, "created_by": by if by.is_authenticated else None},
    )
    return menu


@transaction.atomic
def menu_set_items(*, by: User, menu: Menu, items: list[dict], reason: str = "") -> Menu:
    """Replaces a menu's items: [{"dish": Dish, "price": Decimal, "price_employee": …,
    "price_other": …, "sort_order": int}]; price differences from the dish's last price are
    recorded. Returns the menu."""
    _require_edit(by, menu.canteen)
    menu = Menu.objects.select_for_update().get(pk=menu.pk)
    _check_items(menu, items)
    existing = {i.dish_id: i for i in menu.items.all()}
    wanted = {row["dish"].pk for row in items}
    menu.items.filter(dish_id__in=set(existing) - wanted).delete()
    last = _last_prices([row["dish"].pk for row in items])
    for order, row in enumerate(items):
        item = existing.get(row["dish"].pk) or MenuItem(menu=menu, dish=row["dish"])
        _fill_item(item, row, order)
        item.save()
        _record_item_prices(item, last.get(item.dish_id, {}), by=by, reason=reason)
    _back_to_draft(menu)
    cache.menu_changed(canteen_id=menu.canteen_id, date=menu.date)
    return menu


def _check_items(menu, items: list[dict]) -> None:
    seen = set()
    for row in items:
        dish = row["dish"]
        if dish.canteen_id != menu.canteen_id:
            raise DiningError(_("A dish of another canteen cannot be on this menu."))
        if dish.pk in seen:
            raise DiningError(_("%(dish)s is on the menu twice.") % {"dish": dish.localized_name})
        seen.add(dish.pk)
        if row.get("price") is None and dish.price is None:
            raise DiningError(_("Every dish on the menu needs a price."))


def _fill_item(item, row: dict, order: int) -> None:
    dish = row["dish"]
    for field in TIERS.values():
        value = row.get(field)
        setattr(item, field, getattr(dish, field) if value is None else value)
    item.sort_order = row.get("sort_order", order)


def _last_prices(dish_ids) -> dict[int, dict[str, object]]:
    """{dish id: {price field: the latest recorded price, else the standard price}}."""
    annotations = {
        f"last_{tier}": Subquery(
            PriceChange.objects.filter(dish=OuterRef("pk"), tier=tier)
            .order_by("-changed_at", "-id")
            .values("new_price")[:1]
        )
        for tier in TIERS
    }
    rows = Dish.objects.filter(pk__in=dish_ids).annotate(**annotations)
    return {
        d.pk: {
            field: getattr(d, f"last_{tier}")
            if getattr(d, f"last_{tier}") is not None
            else getattr(d, field)
            for tier, field in TIERS.items()
        }
        for d in rows
    }


def _record_item_prices(item, last: dict, *, by, reason: str) -> None:
    for tier, field in TIERS.items():
        new, old = getattr(item, field), last.get(field)
        if new is not None and old is not None and new != old:
            pricing.price_change_record(
                dish=item.dish,
                new_price=new,
                old_price=old,
                by=by,
                tier=tier,
                menu_item=item,
                reason=reason,
            )


def _back_to_draft(menu) -> None:
    # A changed menu is checked against the price rules again: it must be published again.
    if menu.status != Menu.Status.DRAFT:
        Menu.objects.filter(pk=menu.pk).update(
            status=Menu.Status.DRAFT, publish_at=None, published_at=None
        )
        menu.status, menu.publish_at, menu.published_at = Menu.Status.DRAFT, None, None


def _copy_into(*, by, canteen, window, date, meal, rows: list[dict]):
    """Writes `rows` into the draft menu of a window, date and meal; None if it is not a draft."""
    menu = menu_get_or_create(by=by, canteen=canteen, window=window, date=date, meal=meal)
    if menu.status != Menu.Status.DRAFT:
        return None
    return menu_set_items(by=by, menu=menu, items=rows)


@transaction.atomic
def menus_copy(
    *,
    by: User,
    canteen: Canteen,
    from_date: datetime.date,
    to_date: datetime.date,
    meals: Iterable[str] | None = None,
    days: int = 1,
) -> list[Menu]:
    """Copies the menus of `days` days starting at from_date (all windows, the given meals or
    all) to the same meals starting at to_date, as drafts; returns the new menus."""
    _require_edit(by, canteen)
    if days < 1 or days > 31:
        raise DiningError(_("Copy between 1 and 31 days."))
    if from_date == to_date:
        raise DiningError(_("Choose another day to copy from."))
    sources = (
        Menu.objects.filter(
            canteen=canteen, date__gte=from_date, date__lt=from_date + timedelta(days=days)
        )
        .select_related("window")
        .prefetch_related("items__dish")
        .order_by("date", "meal", "window_id")
    )
    if meals:
        sources = sources.filter(meal__in=list(meals))
    copied = []
    for source in sources:
        rows = [_row_of(item) for item in source.items.all()]
        if not rows:
            continue
        target = to_date + (source.date - from_date)
        menu = _copy_into(
            by=by, canteen=canteen, window=source.window, date=target, meal=source.meal, rows=rows
        )
        if menu is not None:
            copied.append(menu)
    return copied


def _row_of(item) -> dict:
    row = {field: getattr(item, field) for field in TIERS.values()}
    return {"dish": item.dish, "sort_order": item.sort_order, **row}


@transaction.atomic
def menus_apply_template(
    *, by: User, template: MenuTemplate, week_start: datetime.date
) -> list[Menu]:
    """Builds draft menus of the week starting at week_start (a Monday) from a weekly template."""
    canteen = template.canteen
    _require_edit(by, canteen)
    if week_start.weekday() != 0:
        raise DiningError(_("A week starts on a Monday."))
    groups = defaultdict(list)
    items = template.items.select_related("window", "dish").filter(dish__is_active=True)
    for item in items.order_by("weekday", "meal", "window_id", "id"):
        groups[(item.weekday, item.meal, item.window)].append({"dish": item.dish})
    built = []
    for (weekday, meal, window), rows in groups.items():
        menu = _copy_into(
            by=by,
            canteen=canteen,
            window=window,
            date=week_start + timedelta(days=weekday),
            meal=meal,
            rows=rows,
        )
        if menu is not None:
            built.append(menu)
    return built


@transaction.atomic
def menus_import(*, by: User, canteen: Canteen, upload: UploadedFile) -> ImportReport:
    """Imports menu rows from CSV/XLSX through logistics.tabular (all or nothing); returns the
    ImportReport."""
    from logistics.tabular import run_import

    from .imports import menu_import_spec

    _require_edit(by, canteen)
    return run_import(menu_import_spec(by=by, canteen=canteen), upload)


# --- Publishing ---------------------------------------------------------------------------------


@transaction.atomic
def menu_publish(
    *,
    by: User,
    menu: Menu,
    publish_at: datetime.datetime | None = None,
    acknowledge_reason: str = "",
) -> Menu:
    """Publishes now, or schedules (publish_at up to 14 days ahead). Runs price_rules_check:
    a block raises PublishBlocked; warnings without acknowledge_reason raise
    AcknowledgementRequired; with a reason the findings are recorded and the menu publishes."""
    _require_edit(by, menu.canteen)
    menu = Menu.objects.select_for_update().select_related("canteen").get(pk=menu.pk)
    now = timezone.now()
    if publish_at is not None and publish_at <= now:
        publish_at = None
    if publish_at is not None and publish_at > now + PUBLISH_AHEAD:
        raise DiningError(_("A menu can be scheduled at most 14 days ahead."))
    if not menu.items.exists():
        raise DiningError(_("Add at least one dish before publishing."))
    _check_rules(menu, by=by, reason=acknowledge_reason.strip())
    menu.published_by = by
    if publish_at is None:
        menu.status, menu.published_at, menu.publish_at = Menu.Status.PUBLISHED, now, None
    else:
        menu.status, menu.publish_at, menu.published_at = Menu.Status.SCHEDULED, publish_at, None
    menu.save(update_fields=["status", "publish_at", "published_at", "published_by", "updated_at"])
    cache.menu_changed(canteen_id=menu.canteen_id, date=menu.date)
    return menu


def _check_rules(menu, *, by, reason: str) -> None:
    findings = pricing.price_rules_check(menu=menu)
    if not findings:
        return
    if any(f.severity == "block" for f in findings):
        raise PublishBlocked([f for f in findings if f.severity == "block"])
    if not reason:
        raise AcknowledgementRequired(findings)
    pricing.price_violations_record(menu=menu, findings=findings, by=by, reason=reason)


@transaction.atomic
def menus_publish_due(*, now: datetime.datetime | None = None) -> int:
    """Publishes scheduled menus whose publish_at has come (Celery beat); returns how many."""
    now = now or timezone.now()
    due = list(
        Menu.objects.select_for_update(skip_locked=True)
        .filter(status=Menu.Status.SCHEDULED, publish_at__lte=now)
        .values_list("pk", "canteen_id", "date")
    )
    if not due:
        return 0
    Menu.objects.filter(pk__in=[pk for pk, _c, _d in due]).update(
        status=Menu.Status.PUBLISHED, published_at=now, publish_at=None, updated_at=now
    )
    for canteen_id, date in {(c, d) for _pk, c, d in due}:
        cache.menu_changed(canteen_id=canteen_id, date=date)
    return len(due)


@transaction.atomic
def menu_unpublish(*, by: User, menu: Menu) -> Menu:
    """Takes a published or scheduled menu back to draft (hidden from the public pages)."""
    _require_edit(by, menu.canteen)
    menu = Menu.objects.select_for_update().get(pk=menu.pk)
    _back_to_draft(menu)
    cache.menu_changed(canteen_id=menu.canteen_id, date=menu.date)
    return menu


@transaction.atomic
def menu_item_set_sold_out(*, by: User, item: MenuItem, sold_out: bool) -> MenuItem:
    """The live sold-out switch during service."""
    item = MenuItem.objects.select_related("menu__canteen", "dish").get(pk=item.pk)
    _require_edit(by, item.menu.canteen)
    item.sold_out = bool(sold_out)
    item.sold_out_at = timezone.now() if item.sold_out else None
    item.save(update_fields=["sold_out", "sold_out_at"])
    cache.menu_changed(canteen_id=item.menu.canteen_id, date=item.menu.date)
    return item


# --- Favourites ---------------------------------------------------------------------------------


@transaction.atomic
def favourite_toggle(*, user: User, dish: Dish) -> bool:
    """Adds or removes a favourite dish; returns whether it is now a favourite."""
    if not (user and user.is_authenticated):
        raise PermissionDenied(gettext("Sign in to keep favourites."))
    deleted, _rows = Favourite.objects.filter(user=user, dish=dish).delete()
    if deleted:
        return False
    Favourite.objects.get_or_create(user=user, dish=dish)
    return True


@transaction.atomic
def favourites_notify_tomorrow(*, today: datetime.date | None = None) -> int:
    """Tells each user whose favourite dish is on tomorrow's published menu, once a day."""
    today = today or timezone.localdate()
    tomorrow = today + timedelta(days=1)
    on_menu = MenuItem.objects.filter(
        menu__date=tomorrow, menu__status=Menu.Status.PUBLISHED, menu__canteen__is_active=True
    ).values("dish_id")
    favourites = (
        Favourite.objects.select_for_update(of=("self",))
        .filter(dish_id__in=on_menu, user__is_active=True)
        .exclude(last_notified_for=tomorrow)
        .select_related("user", "dish__canteen")
        .order_by("user_id", "dish__name")
    )
    by_user = defaultdict(list)
    for favourite in favourites:
        by_user[favourite.user].append(favourite)
    for user, faves in by_user.items():
        _notify_favourites(user, [f.dish for f in faves], tomorrow)
    Favourite.objects.filter(pk__in=[f.pk for fs in by_user.values() for f in fs]).update(
        last_notified_for=tomorrow
    )
    return len(by_user)


def _dish_in_canteen(dish):
    return lambda: (
        gettext("%(dish)s (%(canteen)s)")
        % {
            "dish": dish.localized_name,
            "canteen": dish.canteen.localized_name,
        }
    )


def _notify_favourites(user, dishes, day) -> None:
    # Rendered in each reader's language by notify(): every name is the one of that language.
    names = [_dish_in_canteen(dish) for dish in dishes]
    notify(
        recipients=[user],
        kind="dining.favourite_tomorrow",
        title=_("Your favourite dishes tomorrow: %(dishes)s"),
        body=_("On the menu on %(date)s: %(dishes)s"),
        params={"date": day, "dishes": names},
        url=reverse("dining:index") + f"?date={day.isoformat()}",
    )
