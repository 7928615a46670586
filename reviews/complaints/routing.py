"""Where a complaint goes: the responsible department, the canteen behind a dining subject, and
the people who hear about it.

Dining subjects (a dish, a window, a canteen) carry the id of the dining row in ``Subject.ref``.
Their canteen is read through the app registry, not an import, so reviews keeps working where
the dining app is not installed: "complaints about a dish or price reach that canteen's manager".
"""

import re

from django.apps import apps
from django.db.models import Q

from logistics.models import User
from logistics.roles import Role
from reviews.models import ServiceEvent, Subject
from reviews.services import SubjectRef, subject_get_or_create

ID_RE = re.compile(r"[0-9]{1,18}")
DINING_KINDS = (Subject.Kind.DISH, Subject.Kind.WINDOW, Subject.Kind.CANTEEN)
DINING_MODELS = {Subject.Kind.DISH: "Dish", Subject.Kind.WINDOW: "Window"}


def is_id(value) -> bool:
    """An id as a URL or form carries it: ASCII digits that fit a database integer
    (str.isdigit() also takes "²", which int() and the database refuse)."""
    return bool(ID_RE.fullmatch(str(value or "")))


def _dining_row(kind: str, ref: str):
    """The dining Dish/Window/Canteen that a subject stands for, or None."""
    if kind not in DINING_KINDS or not is_id(ref):
        return None
    try:
        model = apps.get_model("dining", DINING_MODELS.get(kind, "Canteen"))
    except LookupError:
        return None
    related = ["canteen"] if kind != Subject.Kind.CANTEEN else []
    return model.objects.select_related(*related).filter(pk=int(ref)).first()


def canteen_of(subject: Subject | None):
    """The canteen a dish, window or canteen subject belongs to (None for other subjects)."""
    if subject is None:
        return None
    row = _dining_row(subject.kind, subject.ref)
    if row is None:
        return None
    return row if subject.kind == Subject.Kind.CANTEEN else row.canteen


def complaint_canteen(*, subject=None, event: ServiceEvent | None = None):
    """The canteen behind a complaint: its subject's, else that of a dining subject of its event."""
    canteen = canteen_of(subject)
    if canteen is None and event is not None:
        for candidate in event.subjects.filter(kind__in=DINING_KINDS):
            canteen = canteen_of(candidate)
            if canteen is not None:
                break
    return canteen


def subject_from_param(value: str, *, create: bool = True) -> Subject | None:
    """The subject named by a "kind:ref" link parameter (dish:12), created for dining rows that
    have no subject yet (only when `create`: a GET shows an unsaved one); None for anything
    else."""
    kind, _sep, ref = (value or "").partition(":")
    if kind not in Subject.Kind.values or not ref or len(ref) > 64:
        return None
    subject = Subject.objects.select_related("department").filter(kind=kind, ref=ref).first()
    if subject is not None:
        return subject
    row = _dining_row(kind, ref)
    if row is None:
        return None
    canteen = row if kind == Subject.Kind.CANTEEN else row.canteen
    name_en = getattr(row, "name_en", "") or ""
    if not create:
        return Subject(
            kind=kind, ref=ref, name=row.name, name_en=name_en, department=canteen.department
        )
    ref = SubjectRef(kind, ref, row.name, name_en, department=canteen.department)
    return subject_get_or_create(ref)


def route(*, department=None, subject=None, event=None):
    """The department a complaint goes to: explicit, else the subject's, else the event's, else
    the canteen's (for dining subjects); None when nobody can be found."""
    for candidate in (
        department,
        getattr(subject, "department", None),
        getattr(event, "department", None),
    ):
        if candidate is not None:
            return candidate
    canteen = complaint_canteen(subject=subject, event=event)
    return getattr(canteen, "department", None)


def department_staff(department) -> list[User]:
    """Active users with a StaffScope (any role) on `department`."""
    if department is None:
        return []
    users = User.objects.filter(is_active=True, staff_scopes__department=department)
    return list(users.distinct())


def canteen_staff(canteen) -> list[User]:
    """Canteen staff scoped to the canteen's department or building."""
    if canteen is None:
        return []
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


def managers(department=None) -> list[User]:
    """Logistics managers of the campus (unscoped) or of `department`."""
    from reviews.notify import role_holders  # noqa: PLC0415

    return role_holders(Role.LOGISTICS_MANAGER, department)
