"""Dishes in the reviews system: a dish eaten on a date is a service event its eater may review.

There is no card system to tell who ate what, so the eater declares it (the event is not
verified and nobody is invited): a signed-in user may rate a dish for a date on which it was on
a published menu, today or in the last RATE_DAYS days, once per dish and date (the event's
uniqueness per person gives that).
"""

from __future__ import annotations

import datetime
import re
from functools import partial
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics.models import User
from logistics.roles import Role
from reviews.registry import Dimension, SubjectFacts, register_event_type, register_subject_kind
from reviews.services import (
    SubjectRef,
    events_served,
    service_event_record,
    subject_find,
    subject_latest_reviews,
    subject_rating,
)

if TYPE_CHECKING:
    from dining.models import Dish, Window
    from reviews.models import Review, ServiceEvent, Subject

EVENT_TYPE = "dining.dish"
RATE_DAYS = 7  # how far back a dish may be rated
LATEST = 5  # reviews shown on the dish page


def register() -> None:
    """Called from DiningConfig.ready(): the dish event type and the subjects a canteen's staff
    answer for (the canteen, its windows, its dishes)."""
    register_event_type(
        EVENT_TYPE,
        label=gettext_lazy("Dish"),
        dimensions=(
            Dimension("taste", gettext_lazy("Taste")),  # 口味
            Dimension("portion", gettext_lazy("Portion")),  # 分量
            Dimension("value", gettext_lazy("Value for money")),  # 性价比
        ),
        invite=False,
        verified=False,
    )
    for kind, model_name in (("canteen", "Canteen"), ("window", "Window"), ("dish", "Dish")):
        register_subject_kind(
            kind,
            describe=partial(_describe, model_name),
            answerers=partial(_answerers, model_name),
            answered_by=partial(_answered_by, model_name),
        )


# --- Who answers for a canteen, window or dish: the canteen's staff -----------------------------

ID_RE = re.compile(r"[0-9]{1,18}")


def _row(model_name: str, ref: str):
    """The canteen, window or dish that a subject's ref names, with its canteen; or None."""
    from dining import models  # noqa: PLC0415 (apps load before models)

    if not ID_RE.fullmatch(str(ref or "")):
        return None
    rows = getattr(models, model_name).objects.filter(pk=int(ref))
    if model_name != "Canteen":
        rows = rows.select_related("canteen__department")
    else:
        rows = rows.select_related("department")
    return rows.first()


def _canteen(row):
    return row if row.__class__.__name__ == "Canteen" else row.canteen


def _describe(model_name: str, ref: str) -> SubjectFacts | None:
    row = _row(model_name, ref)
    if row is None:
        return None
    return SubjectFacts(row.name, row.name_en or "", _canteen(row).department)


def canteen_staff(canteen) -> list[User]:
    """Active canteen staff scoped to the canteen's building or department."""
    where = Q(staff_scopes__building_id=canteen.building_id)
    if canteen.department_id:
        where |= Q(staff_scopes__department_id=canteen.department_id)
    users = User.objects.filter(
        where,
        is_active=True,
        groups__name=Role.CANTEEN_STAFF,
        staff_scopes__role=Role.CANTEEN_STAFF,
    )
    return list(users.distinct())


def _answerers(model_name: str, ref: str) -> list[User]:
    row = _row(model_name, ref)
    return [] if row is None else canteen_staff(_canteen(row))


def _answered_by(model_name: str, user: User) -> QuerySet | None:
    """The refs of the canteens (or their windows or dishes) whose staff `user` is."""
    from dining import models  # noqa: PLC0415

    if not user.has_role(Role.CANTEEN_STAFF):
        return None
    canteens = models.Canteen.objects.editable_by(user)
    rows = canteens if model_name == "Canteen" else getattr(models, model_name).objects
    if model_name != "Canteen":
        rows = rows.filter(canteen__in=canteens)
    return rows.annotate(ref=Cast("pk", CharField())).values("ref")


def source_id(dish: Dish, date: datetime.date) -> str:
    return f"{dish.pk}:{date.isoformat()}"


def rateable_dates(dish: Dish, today: datetime.date) -> list[datetime.date]:
    """Dates (newest first) on which the dish was on a published menu, within RATE_DAYS."""
    from dining.models import MenuItem  # noqa: PLC0415 (apps load before models)

    first = today - datetime.timedelta(days=RATE_DAYS)
    dates = MenuItem.objects.filter(
        dish=dish, menu__status="published", menu__date__range=(first, today)
    ).values_list("menu__date", flat=True)
    return sorted(set(dates), reverse=True)


def my_dish_events(
    user: User, dish: Dish, dates: list[datetime.date]
) -> dict[datetime.date, ServiceEvent]:
    """The user's events of this dish on these dates, with their reviews (one query)."""
    if not user.is_authenticated or not dates:
        return {}
    events = events_served(
        event_type=EVENT_TYPE, served=user, source_ids=[source_id(dish, d) for d in dates]
    )
    return {datetime.date.fromisoformat(e.source_id.split(":", 1)[1]): e for e in events}


def _subjects(dish: Dish, window: Window) -> list[SubjectRef]:
    canteen, category = dish.canteen, dish.category
    department = canteen.department
    refs = [
        SubjectRef("canteen", str(canteen.pk), canteen.name, canteen.name_en, department),
        SubjectRef("window", str(window.pk), window.name, window.name_en, department),
        SubjectRef("dish", str(dish.pk), dish.name, dish.name_en, department),
        SubjectRef(
            "category", f"dining:{category.code}", category.name, category.name_en, department
        ),
    ]
    if department is not None:
        refs.append(
            SubjectRef("unit", str(department.pk), department.name, department.name_en, department)
        )
    return refs


@transaction.atomic
def dish_event_record(
    *, dish: Dish, date: datetime.date, by: User, today: datetime.date
) -> ServiceEvent:
    """`by` says they ate `dish` on `date`: the event they then review (idempotent)."""
    from dining.models import MenuItem  # noqa: PLC0415

    first = today - datetime.timedelta(days=RATE_DAYS)
    item = (
        MenuItem.objects.filter(dish=dish, menu__status="published", menu__date=date)
        .select_related("menu__window")
        .order_by("menu__meal", "menu__window_id")
        .first()
        if first <= date <= today
        else None
    )
    if item is None:
        raise ValidationError(
            {"date": _("This dish was not on a menu that day, or it is too long ago to rate.")}
        )
    zone = timezone.get_current_timezone()
    noon = datetime.datetime.combine(date, datetime.time(12), tzinfo=zone)
    return service_event_record(
        event_type=EVENT_TYPE,
        source_id=source_id(dish, date),
        served=by,
        occurred_at=min(noon, timezone.now()),
        title=f"{dish.name} {date.isoformat()}",
        title_en=f"{dish.name_en or dish.name} {date.isoformat()}",
        url=dish.get_absolute_url(),
        department=dish.canteen.department,
        subjects=_subjects(dish, item.menu.window),
    )


def dish_subject(dish: Dish) -> Subject | None:
    return subject_find("dish", str(dish.pk))


def rating_summary(subject: Subject | None) -> dict:
    """Count and mean of the dish's visible reviews."""
    return subject_rating(subject, event_type=EVENT_TYPE)


def latest_reviews(subject: Subject | None, limit: int = LATEST) -> list[Review]:
    return subject_latest_reviews(subject, event_type=EVENT_TYPE, limit=limit)
