"""Writes of the reviews system: service events, subjects, reviews, moderation, follow-ups.

Complaints live in ``reviews.complaints``, the index aggregation in ``reviews.indices``.
Other apps call ``service_event_record`` (inside their own transaction) when they have served
someone; pages and the API call ``review_create`` / ``review_update`` / ``review_hide``.
Other apps use reviews only through this module and ``reviews.registry``: the reads they need
(their events, a subject's rating and latest reviews) are at the end of this module.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from logistics.models import Department, User
from logistics.uploads import clean_images

from .errors import AlreadyReviewed, NotEditable
from .models import (
    FollowUp,
    IndexRow,
    Invitation,
    Moderation,
    Review,
    ReviewPhoto,
    ServiceEvent,
    Subject,
)
from .querysets import can_moderate, show_author
from .registry import EventType, get_event_type


@dataclass(frozen=True)
class SubjectRef:
    """What an event is about, as the recording app knows it: (kind, ref) is the identity."""

    kind: str
    ref: str
    name: str
    name_en: str = ""
    department: Department | None = None
    user: User | None = None


def subject_get_or_create(ref: SubjectRef) -> Subject:
    """The subject row for `ref`, created on first use, names and owners kept current."""
    defaults = {
        "name": ref.name[:100],
        "name_en": (ref.name_en or "")[:100],
        "department": ref.department,
        "user": ref.user,
    }
    subject, created = Subject.objects.get_or_create(
        kind=ref.kind, ref=str(ref.ref), defaults=defaults
    )
    if not created:
        changed = [f for f, v in defaults.items() if v is not None and getattr(subject, f) != v]
        if changed:
            for name in changed:
                setattr(subject, name, defaults[name])
            subject.save(update_fields=changed)
    return subject


def campus_subject() -> Subject:
    return subject_get_or_create(SubjectRef(Subject.Kind.CAMPUS, "all", "全校", "Whole campus"))


def _event_type(key: str) -> EventType:
    event_type = get_event_type(key)
    if event_type is None:
        raise ValueError(f"unknown review event type {key!r}: register it first")
    return event_type


@transaction.atomic
def service_event_record(
    *,
    event_type: str,
    source_id: str | int,
    served: User,
    occurred_at: datetime,
    title: str,
    url: str = "",
    department: Department | None = None,
    subjects: Iterable[SubjectRef] = (),
    invite: bool | None = None,
    title_en: str = "",
) -> ServiceEvent:
    """Records that `served` was served (idempotent per event type, source and person) and,
    if the event type invites, schedules one invitation after the configured delay. `title`
    is the Chinese title, `title_en` the English one (pages and notifications in English show
    it; `title` where it is empty)."""
    kind = _event_type(event_type)
    event, created = ServiceEvent.objects.get_or_create(
        event_type=event_type,
        source_id=str(source_id),
        served=served,
        defaults={
            "occurred_at": occurred_at,
            "title": title[:200],
            "title_en": title_en[:200],
            "url": url[:300],
            "department": department,
            "verified": kind.verified,
        },
    )
    if not created:
        return event
    rows = [subject_get_or_create(ref) for ref in subjects]
    event.subjects.set([campus_subject(), *rows])
    if kind.invite if invite is None else invite:
        _invitation_schedule(event)
    return event


def _invitation_schedule(event: ServiceEvent) -> Invitation:
    send_at = max(event.occurred_at, timezone.now()) + timedelta(
        minutes=settings.REVIEWS_INVITE_DELAY_MINUTES
    )
    return Invitation.objects.create(
        event=event,
        send_at=send_at,
        remind_at=send_at + timedelta(days=settings.REVIEWS_REMINDER_DAYS),
        expires_at=event.occurred_at + timedelta(days=settings.REVIEWS_INVITATION_DAYS),
    )


def clean_stars(value: int | str, field: str = "stars") -> int:
    try:
        stars = int(str(value).strip())
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5 or str(value).strip() not in {str(stars), f"{stars}.0"}:
        raise ValidationError({field: _("Give a rating from 1 to 5.")})
    return stars


def clean_scores(event_type: EventType, scores: dict | None) -> dict:
    """Scores on the event type's dimensions: each optional, each 1–5; unknown keys refused."""
    scores = {k: v for k, v in (scores or {}).items() if v not in (None, "")}
    unknown = sorted(set(scores) - set(event_type.dimension_keys()))
    if unknown:
        raise ValidationError(
            {"scores": _("Unknown score: %(keys)s.") % {"keys": ", ".join(unknown)}}
        )
    cleaned, errors = {}, []
    for dimension in event_type.dimensions:
        if dimension.key in scores:
            try:
                cleaned[dimension.key] = clean_stars(scores[dimension.key])
            except ValidationError:
                errors.append(
                    _("%(dimension)s: give a score from 1 to 5.") % {"dimension": dimension.label}
                )
    if errors:
        raise ValidationError({"scores": errors})
    return cleaned


def _clean_comment(comment) -> str:
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ValidationError({"comment": _("Write at most 2000 characters.")})
    return comment


def _check_author(event: ServiceEvent, by) -> None:
    if event.served_id != getattr(by, "pk", None):
        # Only the person served may review; pages never offer it to anyone else.
        raise PermissionDenied(_("Only the person served can review this."))


@transaction.atomic
def review_create(
    *,
    event: ServiceEvent,
    by: User,
    stars: int | str,
    scores: dict | None = None,
    comment: str = "",
    anonymous: bool = False,
    photos: Iterable = (),
) -> Review:
    """The person served reviews the event, once (the database refuses a second review)."""
    _check_author(event, by)
    kind = _event_type(event.event_type)
    cleaned = _clean_review(kind, stars=stars, scores=scores, comment=comment, photos=photos)
    now = timezone.now()
    try:
        with transaction.atomic():
            review = Review.objects.create(
                event=event,
                author=by,
                event_type=event.event_type,
                stars=cleaned["stars"],
                scores=cleaned["scores"],
                comment=cleaned["comment"],
                anonymous=bool(anonymous),
                created_at=now,
                updated_at=now,
                editable_until=now + timedelta(days=settings.REVIEWS_EDIT_DAYS),
            )
    except IntegrityError:
        raise AlreadyReviewed() from None
    _store_photos(review, cleaned["photos"])
    Invitation.objects.filter(event=event, answered_at__isnull=True).update(answered_at=now)
    _after_review_saved(kind, review)
    return review


def _clean_review(kind: EventType, *, stars, scores, comment, photos, existing_photos=0) -> dict:
    """Every field checked at once, so the user sees all their mistakes in one answer."""
    errors: dict = {}
    cleaned: dict = {}
    checks = {
        "stars": lambda: clean_stars(stars),
        "scores": lambda: clean_scores(kind, scores),
        "comment": lambda: _clean_comment(comment),
        "photos": lambda: clean_images(
            photos, limit=max(settings.REVIEWS_MAX_PHOTOS - existing_photos, 0)
        ),
    }
    for name, check in checks.items():
        try:
            cleaned[name] = check()
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _store_photos(review: Review, images) -> None:
    for image in images:
        photo = ReviewPhoto(review=review, width=image.width, height=image.height)
        photo.image.save(image.name, image.file, save=False)
        photo.save()


def _after_review_saved(kind: EventType, review: Review) -> None:
    threshold = kind.follow_up_at_or_below
    if threshold is not None and review.stars <= threshold and not review.is_hidden:
        _follow_up_open(kind, review)
    if kind.on_review is not None:
        kind.on_review(review)


def _follow_up_open(kind: EventType, review: Review) -> None:
    from .notify import follow_up_opened  # noqa: PLC0415 (notifications need the row first)

    follow_up, created = FollowUp.objects.get_or_create(
        review=review,
        defaults={"department": review.event.department, "role": kind.follow_up_role or ""},
    )
    if created:
        follow_up_opened(follow_up)


@transaction.atomic
def review_update(
    *,
    review: Review,
    by: User,
    stars: int | str,
    scores: dict | None = None,
    comment: str = "",
    anonymous: bool = False,
    photos: Iterable = (),
    remove_photo_ids: Iterable[int] = (),
) -> Review:
    """The author edits their review within REVIEWS_EDIT_DAYS; photos may be added/removed."""
    review = Review.objects.select_for_update().select_related("event").get(pk=review.pk)
    _check_author(review.event, by)
    now = timezone.now()
    if now > review.editable_until:
        raise NotEditable()
    kind = _event_type(review.event_type)
    remove = {int(i) for i in remove_photo_ids or () if str(i).isdigit()}
    kept = review.photos.exclude(pk__in=remove).count()
    cleaned = _clean_review(
        kind, stars=stars, scores=scores, comment=comment, photos=photos, existing_photos=kept
    )
    review.photos.filter(pk__in=remove).delete()
    review.stars, review.scores = cleaned["stars"], cleaned["scores"]
    review.comment, review.anonymous, review.updated_at = cleaned["comment"], bool(anonymous), now
    review.save(update_fields=["stars", "scores", "comment", "anonymous", "updated_at"])
    _store_photos(review, cleaned["photos"])
    _after_review_saved(kind, review)
    return review


def _check_moderator(by) -> None:
    if not can_moderate(by):
        raise PermissionDenied(_("Only logistics managers can moderate reviews."))


@transaction.atomic
def review_hide(*, review: Review, by: User, reason: str) -> Review:
    """A moderator hides a review from everyone but its author and administrators."""
    return _moderate(review=review, by=by, reason=reason, hide=True)


@transaction.atomic
def review_show(*, review: Review, by: User, reason: str) -> Review:
    """A moderator shows a hidden review again."""
    return _moderate(review=review, by=by, reason=reason, hide=False)


def _moderate(*, review: Review, by: User, reason: str, hide: bool) -> Review:
    _check_moderator(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason; it is recorded.")})
    review = Review.objects.select_for_update().get(pk=review.pk)
    now = timezone.now()
    review.is_hidden = hide
    review.hidden_reason = reason[:300] if hide else ""
    review.hidden_by = by if hide else None
    review.hidden_at = now if hide else None
    review.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at"])
    Moderation.objects.create(
        review=review,
        action=Moderation.Action.HIDE if hide else Moderation.Action.SHOW,
        reason=reason[:300],
        by=by,
    )
    kind = get_event_type(review.event_type)
    if kind is not None and kind.on_review is not None:
        kind.on_review(review)
    return review


@transaction.atomic
def follow_up_close(*, follow_up: FollowUp, by: User, note: str) -> FollowUp:
    """The dispatcher (or a manager) records the outcome of the call-back."""
    from .querysets import follow_ups_for  # noqa: PLC0415

    if not follow_ups_for(by).filter(pk=follow_up.pk).exists():
        raise PermissionDenied(_("You cannot handle this follow-up."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write down what came of the call.")})
    updated = FollowUp.objects.filter(pk=follow_up.pk, status=FollowUp.Status.OPEN).update(
        status=FollowUp.Status.DONE, note=note, done_at=timezone.now(), done_by=by
    )
    if not updated:
        raise NotEditable(_("This follow-up is already done."))
    follow_up.refresh_from_db()
    return follow_up


# --- Reads for other apps -----------------------------------------------------------------------


def subject_find(kind: str, ref: str) -> Subject | None:
    """The subject an app's row stands for, if anyone reviewed it yet."""
    return Subject.objects.filter(kind=kind, ref=str(ref)).first()


def event_find(*, event_type: str, source_id: str | int, served: User) -> ServiceEvent | None:
    return ServiceEvent.objects.filter(
        event_type=event_type, source_id=str(source_id), served_id=served.pk
    ).first()


def events_served(
    *, event_type: str, served: User, source_ids: Iterable[str]
) -> list[ServiceEvent]:
    """`served`'s events of these sources, each with its review if any (one query)."""
    if not served.is_authenticated:
        return []
    events = ServiceEvent.objects.filter(
        event_type=event_type, served=served, source_id__in=list(source_ids)
    )
    return list(events.select_related("review"))


def event_review(event: ServiceEvent) -> Review | None:
    return Review.objects.filter(event=event).first()


def review_find(*, event_type: str, source_id: str | int, author: User) -> Review | None:
    """The review `author` wrote of the event of this source, if any."""
    return Review.objects.filter(
        event_type=event_type, event__source_id=str(source_id), author_id=author.pk
    ).first()


def author_shown(review: Review, user: User) -> bool:
    """Whether `user` may see who wrote `review` (the author may stay anonymous to staff)."""
    return show_author(review, user)


def subject_rating(subject: Subject | None, *, event_type: str) -> dict:
    """Count and mean of the subject's visible reviews of one event type: the index tables'
    monthly rows (written by beat) plus the few reviews written since their last aggregation
    (two small queries)."""
    if subject is None:
        return {"count": 0, "mean": None}
    rows = IndexRow.objects.filter(
        subject=subject, event_type=event_type, period=IndexRow.Period.MONTH
    ).aggregate(n=Sum("reviews"), total=Sum("stars_sum"), at=Max("computed_at"))
    recent = Review.objects.visible().filter(event_type=event_type, event__subjects=subject)
    if rows["at"] is not None:
        recent = recent.filter(created_at__gt=rows["at"])
    live = recent.aggregate(n=Count("id"), total=Sum("stars"))
    count = (rows["n"] or 0) + live["n"]
    total = (rows["total"] or 0) + (live["total"] or 0)
    return {"count": count, "mean": round(total / count, 1) if count else None}


def subject_latest_reviews(subject: Subject | None, *, event_type: str, limit: int) -> list[Review]:
    """The subject's latest visible reviews of one event type, with author and event."""
    if subject is None:
        return []
    return list(
        Review.objects.visible()
        .filter(event_type=event_type, event__subjects=subject)
        .select_related("author", "event")
        .order_by("-created_at", "-id")[:limit]
    )
