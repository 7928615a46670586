"""Dishes in the reviews system: a dish eaten on a date is a service event its eater may review.

There is no card system to tell who ate what, so the eater declares it (the event is not
verified and nobody is invited): a signed-in user may rate a dish for a date on which it was on
a published menu, today or in the last RATE_DAYS days, once per dish and date (the event's
uniqueness per person gives that).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reviews.models import IndexRow, Review, ServiceEvent, Subject
from reviews.registry import Dimension, register_event_type
from reviews.services import SubjectRef, service_event_record

EVENT_TYPE = "dining.dish"
RATE_DAYS = 7  # how far back a dish may be rated
LATEST = 5  # reviews shown on the dish page


def register() -> None:
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


def source_id(dish, date: datetime.date) -> str:
    return f"{dish.pk}:{date.isoformat()}"


def rateable_dates(dish, today: datetime.date) -> list[datetime.date]:
    """Dates (newest first) on which the dish was on a published menu, within RATE_DAYS."""
    from dining.models import MenuItem  # noqa: PLC0415 (apps load before models)

    first = today - datetime.timedelta(days=RATE_DAYS)
    dates = MenuItem.objects.filter(
        dish=dish, menu__status="published", menu__date__range=(first, today)
    ).values_list("menu__date", flat=True)
    return sorted(set(dates), reverse=True)


def my_dish_events(user, dish, dates) -> dict[datetime.date, ServiceEvent]:
    """The user's events of this dish on these dates, with their reviews (one query)."""
    if not user.is_authenticated or not dates:
        return {}
    events = ServiceEvent.objects.filter(
        event_type=EVENT_TYPE, served=user, source_id__in=[source_id(dish, d) for d in dates]
    ).select_related("review")
    return {datetime.date.fromisoformat(e.source_id.split(":", 1)[1]): e for e in events}


def _subjects(dish, window) -> list[SubjectRef]:
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
def dish_event_record(*, dish, date: datetime.date, by, today: datetime.date) -> ServiceEvent:
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
        url=dish.get_absolute_url(),
        department=dish.canteen.department,
        subjects=_subjects(dish, item.menu.window),
    )


def dish_subject(dish) -> Subject | None:
    return Subject.objects.filter(kind=Subject.Kind.DISH, ref=str(dish.pk)).first()


def rating_summary(subject: Subject | None) -> dict:
    """Count and mean of the dish's visible reviews: the index tables' monthly rows (written by
    beat) plus the few reviews written since their last aggregation (two small queries)."""
    if subject is None:
        return {"count": 0, "mean": None}
    rows = IndexRow.objects.filter(
        subject=subject, event_type=EVENT_TYPE, period=IndexRow.Period.MONTH
    ).aggregate(n=Sum("reviews"), total=Sum("stars_sum"), at=Max("computed_at"))
    recent = Review.objects.visible().filter(event_type=EVENT_TYPE, event__subjects=subject)
    if rows["at"] is not None:
        recent = recent.filter(created_at__gt=rows["at"])
    live = recent.aggregate(n=Count("id"), total=Sum("stars"))
    count = (rows["n"] or 0) + live["n"]
    total = (rows["total"] or 0) + (live["total"] or 0)
    return {"count": count, "mean": round(total / count, 1) if count else None}


def latest_reviews(subject: Subject | None, limit: int = LATEST) -> list[Review]:
    if subject is None:
        return []
    return list(
        Review.objects.visible()
        .filter(event_type=EVENT_TYPE, event__subjects=subject)
        .select_related("author", "event")
        .order_by("-created_at", "-id")[:limit]
    )
