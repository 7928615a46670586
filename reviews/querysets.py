"""Reads of the reviews system, scoped once: what each user may see.

- the person served sees their own events and reviews (hidden ones included, marked);
- staff see the visible reviews of the departments they serve (StaffScope) and of themselves,
  without the author's name when the author chose "anonymous to staff";
- logistics managers, supervisors and superusers see everything, hidden reviews included.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone

from logistics.models.uploads import photo_list_prefetch
from logistics.roles import STAFF_ROLES, Role

from .models import FollowUp, Review, ServiceEvent
from .registry import subject_kinds

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from logistics.models import User

    AnyUser = User | AnonymousUser


def sees_everything(user: AnyUser) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.has_role(Role.LOGISTICS_MANAGER, Role.SUPERVISOR))
    )


def staff_department_ids(user: AnyUser, *roles: str) -> list[int]:
    """Departments the user serves through a StaffScope (of the given roles, or any); from
    User.scope_rows, read once per request."""
    return [scope.department_id for scope in user.scopes(*roles) if scope.department_id]


def answered_subjects_q(user: AnyUser) -> Q | None:
    """The subjects `user` answers for through an app's hook (a canteen's staff: its canteen,
    windows and dishes), as a filter on Subject built from subqueries (no extra round trip);
    None when they answer for none."""
    if not user.is_authenticated:
        return None
    where = None
    for subject_kind in subject_kinds():
        refs = subject_kind.answered_by(user)
        if refs is not None:
            found = Q(kind=subject_kind.kind, ref__in=refs)
            where = found if where is None else where | found
    return where


def events_for(user: AnyUser) -> QuerySet[ServiceEvent]:
    """The events the user was served: what they may review."""
    if not user.is_authenticated:
        return ServiceEvent.objects.none()
    return ServiceEvent.objects.filter(served=user)


# Events recorded without an invitation may be reviewed for this long.
UNINVITED_REVIEW_DAYS = 30


def events_to_review(user: AnyUser, now: datetime | None = None) -> QuerySet[ServiceEvent]:
    """The user's events still waiting for their review: unreviewed, and within the
    invitation's expiry (or UNINVITED_REVIEW_DAYS of the event when nobody was invited)."""
    now = now or timezone.now()
    within = Q(invitation__expires_at__gt=now) | Q(
        invitation__isnull=True, occurred_at__gte=now - timedelta(days=UNINVITED_REVIEW_DAYS)
    )
    return events_for(user).filter(within, review__isnull=True).select_related("invitation")


def may_review(event: ServiceEvent, user: AnyUser, now: datetime | None = None) -> bool:
    return events_to_review(user, now).filter(pk=event.pk).exists()


def can_moderate(user: AnyUser) -> bool:
    """Logistics managers, supervisors and superusers hide and show reviews."""
    return sees_everything(user)


def is_review_staff(user: AnyUser) -> bool:
    """Staff who see reviews of their units (and of themselves), or those who see all."""
    return sees_everything(user) or bool(user.is_authenticated and user.has_role(*STAFF_ROLES))


def reviews_for(user: AnyUser) -> QuerySet[Review]:
    # Photos as a plain list per review, oldest first (ReviewPhoto.Meta): Review.photos_in_order.
    photos = photo_list_prefetch()
    reviews = Review.objects.select_related("event", "author").prefetch_related(photos)
    if not user.is_authenticated:
        return reviews.none()
    if sees_everything(user):
        return reviews
    departments = staff_department_ids(user)
    # Staff, and people a review is about, never see hidden ones; the author always sees theirs.
    staff_q = (Q(event__department_id__in=departments) | Q(event__subjects__user=user)) & Q(
        is_hidden=False
    )
    return reviews.filter(Q(author=user) | staff_q).distinct()


def show_author(review: Review, user: AnyUser) -> bool:
    """Whether `user` may see who wrote `review` (anonymous reviews: author and admins only)."""
    return not review.anonymous or review.author_id == user.pk or user.is_superuser


def staff_reviews_for(user: AnyUser) -> QuerySet[Review]:
    """The staff list: reviews about the user's units and themselves (not their own ones)."""
    reviews = reviews_for(user)
    if sees_everything(user):
        return reviews
    return reviews.exclude(author=user)


def can_handle_follow_ups(user: AnyUser) -> bool:
    """Managers and holders of a role that low scores are followed up by (any event type)."""
    from .registry import event_types  # noqa: PLC0415

    if not user.is_authenticated:
        return False
    if user.is_superuser or user.has_role(Role.LOGISTICS_MANAGER):
        return True
    roles = {t.follow_up_role for t in event_types() if t.follow_up_role}
    return bool(roles) and user.has_role(*roles)


def follow_ups_for(user: AnyUser) -> QuerySet[FollowUp]:
    """Follow-ups the user handles: managers all; staff of the role their departments'."""
    follow_ups = FollowUp.objects.select_related("review__event", "review__author", "department")
    if not user.is_authenticated:
        return follow_ups.none()
    if user.is_superuser or user.has_role(Role.LOGISTICS_MANAGER):
        return follow_ups
    roles = list(user.role_names)
    if not roles:
        return follow_ups.none()
    q = Q(pk__in=[])
    for role in roles:
        if not user.scopes(role):
            # Staff without a scope serve the whole campus, as dispatchers do in repairs.
            q |= Q(role=role)
        else:
            q |= Q(role=role, department_id__in=staff_department_ids(user, role))
    return follow_ups.filter(q)
