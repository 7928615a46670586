"""Where a complaint goes: the responsible department, the staff who answer for its subject, and
the people who hear about it.

An app whose staff answer for some subjects (dining: a dish, window or canteen is its canteen's
staff's) registers hooks with ``reviews.registry.register_subject_kind``; routing asks them, so
reviews names no app: "complaints about a dish or price reach that canteen's staff".
"""

import re

from logistics.models import Department, User
from logistics.roles import Role
from reviews.models import ServiceEvent, Subject
from reviews.registry import get_subject_kind, subject_kinds
from reviews.services import SubjectRef, subject_get_or_create

ID_RE = re.compile(r"[0-9]{1,18}")


def is_id(value) -> bool:
    """An id as a URL or form carries it: ASCII digits that fit a database integer
    (str.isdigit() also takes "²", which int() and the database refuse)."""
    return bool(ID_RE.fullmatch(str(value or "")))


def answered_subject(*, subject: Subject | None = None, event: ServiceEvent | None = None):
    """The subject whose answerers a complaint reaches: its own if an app answers for that kind,
    else the first such subject of its event; None when no app answers for any."""
    if subject is not None and get_subject_kind(subject.kind) is not None:
        return subject
    if event is None:
        return None
    kinds = [k.kind for k in subject_kinds()]
    return event.subjects.filter(kind__in=kinds).order_by("kind", "pk").first() if kinds else None


def subject_staff(
    *, subject: Subject | None = None, event: ServiceEvent | None = None
) -> list[User]:
    """The staff who answer for the complaint's subject (a dish: its canteen's staff)."""
    found = answered_subject(subject=subject, event=event)
    if found is None:
        return []
    return get_subject_kind(found.kind).answerers(found.ref)


def subject_from_param(value: str, *, create: bool = True) -> Subject | None:
    """The subject named by a "kind:ref" link parameter (dish:12), created for an app's rows
    that have no subject yet (only when `create`: a GET shows an unsaved one); None for
    anything else."""
    kind, _sep, ref = (value or "").partition(":")
    if kind not in Subject.Kind.values or not ref or len(ref) > 64:
        return None
    subject = Subject.objects.select_related("department").filter(kind=kind, ref=ref).first()
    if subject is not None:
        return subject
    subject_kind = get_subject_kind(kind)
    facts = subject_kind.describe(ref) if subject_kind else None
    if facts is None:
        return None
    if not create:
        return Subject(
            kind=kind, ref=ref, name=facts.name, name_en=facts.name_en, department=facts.department
        )
    return subject_get_or_create(SubjectRef(kind, ref, facts.name, facts.name_en, facts.department))


def route(*, department=None, subject=None, event=None) -> Department | None:
    """The department a complaint goes to: explicit, else the subject's, else the event's, else
    that of the subject an app answers for, else the logistics office (which passes it on, as
    the form promises one who leaves the unit empty); None when there is none of those."""
    for candidate in (
        department,
        getattr(subject, "department", None),
        getattr(event, "department", None),
    ):
        if candidate is not None:
            return candidate
    found = answered_subject(subject=subject, event=event)
    facts = get_subject_kind(found.kind).describe(found.ref) if found is not None else None
    if facts is not None and facts.department is not None:
        return facts.department
    return logistics_office()


def logistics_office() -> Department | None:
    """The campus's logistics office (后勤保障处): the first department of that kind."""
    offices = Department.objects.filter(kind=Department.Kind.LOGISTICS)
    return offices.order_by("code").first()


def department_staff(department) -> list[User]:
    """Active users with a StaffScope (any role) on `department`."""
    if department is None:
        return []
    users = User.objects.filter(is_active=True, staff_scopes__department=department)
    return list(users.distinct())


def managers(department=None) -> list[User]:
    """Logistics managers of the campus (unscoped) or of `department`."""
    from reviews.notify import role_holders  # noqa: PLC0415

    return role_holders(Role.LOGISTICS_MANAGER, department)
