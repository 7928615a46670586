"""Repairs in the reviews system: a completed repair is a service event its requester may review.

The reviews system owns the rating (one review per repair, its dimensions, its follow-up of low
scores); the repair's own ``rating``/``rating_comment``/``rated_at`` columns are a copy kept by
``sync_repair_rating`` so repairs' figures, exports, API and Open311 keep reading them.

A moderator hiding the review keeps the copy: hiding takes the text out of the reviews pages and
indices' public views, but the requester's score of the work stays part of the repair's record
and of the repairs figures (a moderator must not be able to change a technician's assessment by
hiding a review; the administrators still see both).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from logistics.roles import Role
from reviews.registry import Dimension, register_event_type
from reviews.services import (
    SubjectRef,
    event_find,
    review_create,
    review_find,
    service_event_record,
)

if TYPE_CHECKING:
    from logistics.models import Department, User
    from repairs.models import RepairRequest
    from reviews.models import Review, ServiceEvent

EVENT_TYPE = "repairs.request"


def register() -> None:
    register_event_type(
        EVENT_TYPE,
        label=_("Repair"),
        dimensions=(
            Dimension("speed", _("Response speed")),  # 响应速度
            Dimension("quality", _("Repair quality")),  # 维修质量
            Dimension("attitude", _("Service attitude")),  # 服务态度
        ),
        follow_up_at_or_below=2,
        follow_up_role=Role.REPAIR_DISPATCHER,
        on_review=sync_repair_rating,
    )


def repair_department(repair: RepairRequest) -> Department | None:
    return repair.team or repair.category.department


def repair_subjects(repair: RepairRequest) -> list[SubjectRef]:
    """The repair centre (unit), the technician (staff) and the category."""
    department = repair_department(repair)
    category = repair.category
    subjects = []
    if department is not None:
        subjects.append(
            SubjectRef("unit", str(department.pk), department.name, department.name_en, department)
        )
    if repair.assignee_id:
        technician = repair.assignee
        name = technician.get_display_name()
        subjects.append(
            SubjectRef("staff", str(technician.pk), name, name, department, user=technician)
        )
    subjects.append(
        SubjectRef(
            "category",
            f"repairs:{category.code}",
            category.name,
            category.name_en,
            department=category.department or department,
        )
    )
    return subjects


def repair_event_record(repair: RepairRequest) -> ServiceEvent:
    """The service event of a completed repair (idempotent: a redo after reopening keeps it)."""
    from repairs.timeline import repair_url  # noqa: PLC0415 (repairs.timeline imports notify)

    return service_event_record(
        event_type=EVENT_TYPE,
        source_id=str(repair.pk),
        served=repair.requester,
        occurred_at=repair.completed_at or timezone.now(),
        title=f"{repair.number} {repair.category.name}",
        title_en=f"{repair.number} {repair.category.name_en or repair.category.name}",
        url=repair_url(repair),
        department=repair_department(repair),
        subjects=repair_subjects(repair),
    )


def existing_repair_event(repair: RepairRequest) -> ServiceEvent | None:
    return event_find(event_type=EVENT_TYPE, source_id=repair.pk, served=repair.requester)


def repair_event(repair: RepairRequest) -> ServiceEvent:
    """The repair's event; repairs completed before the reviews system get theirs on demand."""
    return existing_repair_event(repair) or repair_event_record(repair)


def repair_review(repair: RepairRequest) -> Review | None:
    return review_find(event_type=EVENT_TYPE, source_id=repair.pk, author=repair.requester)


@transaction.atomic
def repair_review_create(
    *,
    repair: RepairRequest,
    by: User,
    rating: int,
    scores: dict | None = None,
    comment: str = "",
    anonymous: bool = False,
) -> Review:
    """The requester's review of the repair through the reviews system (raises AlreadyReviewed,
    PermissionDenied, ValidationError keyed "stars"/"scores"/"comment")."""
    return review_create(
        event=repair_event(repair),
        by=by,
        stars=rating,
        scores=scores,
        comment=comment,
        anonymous=anonymous,
    )


def sync_repair_rating(review: Review) -> None:
    """on_review: the repair's rating columns follow the review (created, edited, moderated).

    The first rating also goes into the repair's timeline and to the technician, whichever page
    it came from (the repair's own prompt or the invitation's review form)."""
    from repairs.models import RepairRequest  # noqa: PLC0415 (apps load before models)
    from repairs.timeline import notify_repair, record  # noqa: PLC0415

    source = review.event.source_id
    repair = (
        RepairRequest.objects.select_for_update().filter(pk=int(source)).first()
        if source.isdigit()
        else None
    )
    if repair is None:
        return
    first = repair.rating is None
    # The stars stay when a moderator hides the review (a moderator must not change a
    # technician's figures); the words they hid leave the repair's page and timeline too.
    comment = "" if review.is_hidden else review.comment
    RepairRequest.objects.filter(pk=repair.pk).update(
        rating=review.stars,
        rating_comment=comment,
        rated_at=review.created_at,
        updated_at=timezone.now(),  # Open311 and the API tell clients the request changed
    )
    if not first:
        repair.events.filter(action="rated").update(note=comment)
    if first:
        repair.rating = review.stars
        record(
            repair,
            by=review.author,
            action="rated",
            note=review.comment,
            data={"rating": review.stars},
        )
        notify_repair(
            repair,
            action="rated",
            recipients=[repair.assignee],
            by=review.author,
            rating=review.stars,
        )
