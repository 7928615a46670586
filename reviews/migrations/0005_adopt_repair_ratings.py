"""Repairs rated before the reviews system: each rating becomes a service event and a review.

What repairs.reviews does for new ratings, with the historical models: the event of the
completed repair (subjects: campus, repair centre, technician, category) and the requester's
review (stars and comment of the repair's rating, no dimension scores, written when it was
rated). No invitation (nobody was invited) and no follow-up: a call-back about a repair rated
months ago would only flood the dispatchers. Repairs that already have an event are skipped,
so running it again changes nothing. Going back leaves the rows (they are real reviews now).
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.urls import NoReverseMatch, reverse

EVENT_TYPE = "repairs.request"
BATCH = 500


def _display_name(user) -> str:
    full = f"{user.first_name} {user.last_name}".strip()
    return user.display_name or full or user.username


def _url(pk: int) -> str:
    try:
        return reverse("repairs:detail", args=[pk])
    except NoReverseMatch:
        return ""


class _Subjects:
    """Subject rows by (kind, ref), created on first use."""

    def __init__(self, Subject):
        self.Subject = Subject
        self.rows = {}

    def get(self, kind, ref, name, name_en="", department=None, user=None):
        key = (kind, str(ref))
        if key not in self.rows:
            self.rows[key], _ = self.Subject.objects.get_or_create(
                kind=kind,
                ref=str(ref),
                defaults={
                    "name": name[:100],
                    "name_en": (name_en or "")[:100],
                    "department": department,
                    "user": user,
                },
            )
        return self.rows[key]

    def of(self, repair) -> list:
        department = repair.team or repair.category.department
        category = repair.category
        rows = [self.get("campus", "all", "全校", "Whole campus")]
        if department is not None:
            rows.append(
                self.get("unit", department.pk, department.name, department.name_en, department)
            )
        if repair.assignee is not None:
            name = _display_name(repair.assignee)
            rows.append(
                self.get("staff", repair.assignee.pk, name, name, department, repair.assignee)
            )
        rows.append(
            self.get(
                "category",
                f"repairs:{category.code}",
                category.name,
                category.name_en,
                category.department or department,
            )
        )
        return rows


def adopt(apps, schema_editor):
    RepairRequest = apps.get_model("repairs", "RepairRequest")
    ServiceEvent = apps.get_model("reviews", "ServiceEvent")
    Review = apps.get_model("reviews", "Review")
    subjects = _Subjects(apps.get_model("reviews", "Subject"))
    adopted = ServiceEvent.objects.filter(
        event_type=EVENT_TYPE, source_id=Cast(OuterRef("pk"), CharField())
    )
    rated = (
        RepairRequest.objects.filter(rating__isnull=False)
        .exclude(Exists(adopted))
        .select_related("category__department", "team", "assignee", "requester")
        .order_by("pk")
    )
    edit_days = timedelta(days=getattr(settings, "REVIEWS_EDIT_DAYS", 7))
    batch = []
    for repair in rated.iterator(chunk_size=BATCH):
        batch.append(repair)
        if len(batch) == BATCH:
            _adopt_batch(batch, ServiceEvent, Review, subjects, edit_days)
            batch = []
    if batch:
        _adopt_batch(batch, ServiceEvent, Review, subjects, edit_days)


def _adopt_batch(repairs, ServiceEvent, Review, subjects, edit_days) -> None:
    events = ServiceEvent.objects.bulk_create(
        [
            ServiceEvent(
                event_type=EVENT_TYPE,
                source_id=str(r.pk),
                served=r.requester,
                occurred_at=r.completed_at or r.rated_at or r.updated_at,
                title=f"R{r.pk:06d} {r.category.name}"[:200],
                url=_url(r.pk),
                department=r.team or r.category.department,
                verified=True,
            )
            for r in repairs
        ]
    )
    Through = ServiceEvent.subjects.through
    Through.objects.bulk_create(
        [
            Through(serviceevent_id=event.pk, subject_id=subject.pk)
            for repair, event in zip(repairs, events, strict=True)
            for subject in subjects.of(repair)
        ]
    )
    reviews = []
    for repair, event in zip(repairs, events, strict=True):
        at = repair.rated_at or event.occurred_at
        reviews.append(
            Review(
                event=event,
                author=repair.requester,
                event_type=EVENT_TYPE,
                stars=repair.rating,
                scores={},
                comment=repair.rating_comment,
                anonymous=False,
                created_at=at,
                updated_at=at,
                editable_until=at + edit_days,
            )
        )
    Review.objects.bulk_create(reviews)


class Migration(migrations.Migration):
    dependencies = [
        ("repairs", "0002_open_queue_index"),
        ("reviews", "0001_initial"),
    ]

    operations = [migrations.RunPython(adopt, migrations.RunPython.noop, elidable=True)]
