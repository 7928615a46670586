"""Reads of complaints, scoped once: who sees which complaint and who may handle it.

- the author sees their own complaints;
- department staff (a StaffScope on the complaint's department, any role) see and handle the
  complaints routed there; staff who answer for a subject (a canteen's staff for its dishes
  and windows: reviews.registry's subject hooks) also those about it;
- logistics managers and superusers see and handle everything; supervisors read everything;
- everybody else: 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    Q,
    QuerySet,
    Value,
    When,
)

from logistics.roles import Role
from reviews.models import Complaint, ServiceEvent, Subject
from reviews.querysets import answered_subjects_q, sees_everything, staff_department_ids

if TYPE_CHECKING:
    from logistics.models import User


def is_manager(user: User) -> bool:
    """Logistics managers and superusers (User.is_manager), signed in."""
    return user.is_authenticated and user.is_manager


def _answered_q(user: User) -> Q:
    """Complaints about a subject the user answers for (reviews.registry's subject hooks: a
    canteen's staff for its dishes, windows and canteen), or about an event with such a subject."""
    answered = answered_subjects_q(user)
    if answered is None:
        return Q(pk__in=[])
    subjects = Subject.objects.filter(answered).values("pk")
    about = ServiceEvent.subjects.through.objects.filter(subject__in=subjects)
    return Q(subject__in=subjects) | Q(event__in=about.values("serviceevent_id"))


def _department_ids(user: User) -> list[int]:
    """The departments `user` serves, read once per user object (like its roles)."""
    ids = user.__dict__.get("_complaint_department_ids")
    if ids is None:
        ids = user.__dict__["_complaint_department_ids"] = staff_department_ids(user)
    return ids


def handled_q(user: User) -> Q:
    """The complaints `user` handles as staff (managers excluded: they handle all)."""
    return Q(department_id__in=_department_ids(user)) | _answered_q(user)


def with_handling(queryset: QuerySet[Complaint], user: User) -> QuerySet[Complaint]:
    """Annotates `viewer_handles`: whether `user` handles each row, so a list asks the rule
    table about every row without a query per row."""
    if is_manager(user):
        return queryset.annotate(viewer_handles=Value(True))
    handles = Case(When(handled_q(user), then=Value(True)), default=Value(False))
    return queryset.annotate(viewer_handles=ExpressionWrapper(handles, BooleanField()))


def with_related(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return queryset.select_related("department", "subject", "event", "author")


def complaints_for(user: User) -> QuerySet[Complaint]:
    """The complaints `user` may see."""
    complaints = with_related(Complaint.objects.all())
    if not user.is_authenticated:
        return complaints.none()
    if sees_everything(user):
        return complaints
    return complaints.filter(Q(author=user) | handled_q(user))


def inbox_for(user: User) -> QuerySet[Complaint]:
    """The complaints `user` handles (empty for people who handle none)."""
    complaints = with_related(Complaint.objects.all())
    if not user.is_authenticated:
        return complaints.none()
    if sees_everything(user):
        return complaints
    return complaints.filter(handled_q(user))


def handles_any(user: User) -> bool:
    """Whether the inbox is the user's entry page (staff of a department, managers)."""
    if not user.is_authenticated:
        return False
    return (
        sees_everything(user) or bool(_department_ids(user)) or (user.has_role(Role.CANTEEN_STAFF))
    )


def can_handle(user: User | None, complaint: Complaint) -> bool:
    """Department staff, canteen staff of it, logistics managers and superusers."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if is_manager(user):
        return True
    return Complaint.objects.filter(handled_q(user), pk=complaint.pk).exists()


def board() -> QuerySet[Complaint]:
    """The "you said, we did" board: resolved or closed suggestions whose author opted in."""
    return (
        Complaint.objects.filter(
            kind=Complaint.Kind.SUGGESTION,
            public_ok=True,
            status__in=(Complaint.Status.RESOLVED, Complaint.Status.CLOSED),
        )
        .select_related("department")
        .order_by("-resolved_at", "-id")
    )
