"""Reads of the reviews system, scoped once: what each user may see.

- the person served sees their own events and reviews (hidden ones included, marked);
- staff see the visible reviews of the departments they serve (StaffScope) and of themselves,
  without the author's name when the author chose "anonymous to staff";
- logistics managers, supervisors and superusers see everything, hidden reviews included.
"""

from django.db.models import Q, QuerySet

from logistics.roles import Role

from .models import FollowUp, Review, ServiceEvent


def sees_everything(user) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.has_role(Role.LOGISTICS_MANAGER, Role.SUPERVISOR))
    )


def staff_department_ids(user, *roles: str) -> list[int]:
    """Departments the user serves through a StaffScope (of the given roles, or any)."""
    scopes = user.staff_scopes.exclude(department__isnull=True)
    if roles:
        scopes = scopes.filter(role__in=roles)
    return list(scopes.values_list("department_id", flat=True))


def events_for(user) -> QuerySet[ServiceEvent]:
    """The events the user was served: what they may review."""
    if not user.is_authenticated:
        return ServiceEvent.objects.none()
    return ServiceEvent.objects.filter(served=user)


def reviews_for(user) -> QuerySet[Review]:
    reviews = Review.objects.select_related("event", "author").prefetch_related("photos")
    if not user.is_authenticated:
        return reviews.none()
    if sees_everything(user):
        return reviews
    departments = staff_department_ids(user)
    staff_q = Q(event__department_id__in=departments) | Q(event__subjects__user=user)
    if departments or user.role_names:
        staff_q = staff_q & Q(is_hidden=False)
    return reviews.filter(Q(author=user) | staff_q).distinct()


def show_author(review: Review, user) -> bool:
    """Whether `user` may see who wrote `review` (anonymous reviews: author and admins only)."""
    return not review.anonymous or review.author_id == user.pk or user.is_superuser


def follow_ups_for(user) -> QuerySet[FollowUp]:
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
        if not user.scoped(role).exists():
            # Staff without a scope serve the whole campus, as dispatchers do in repairs.
            q |= Q(role=role)
        else:
            q |= Q(role=role, department_id__in=staff_department_ids(user, role))
    return follow_ups.filter(q)
