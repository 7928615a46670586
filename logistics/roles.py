"""The portal's roles. Each is a Django group created by a migration; staff roles can be scoped."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    TEACHER = "teacher", _("Teacher")
    TECHNICIAN = "technician", _("Technician")
    REPAIR_DISPATCHER = "repair_dispatcher", _("Repair dispatcher")
    CANTEEN_STAFF = "canteen_staff", _("Canteen staff")
    DORM_MANAGER = "dorm_manager", _("Dorm manager")
    MAILROOM_CLERK = "mailroom_clerk", _("Mailroom clerk")
    LOSTFOUND_DESK = "lostfound_desk", _("Lost-and-found desk")
    LOGISTICS_MANAGER = "logistics_manager", _("Logistics manager")
    INTEGRATOR = "integrator", _("Integrator")
    SUPERVISOR = "supervisor", _("Supervisor")


def role_labels(names) -> list[str]:
    """The names of the roles among `names`, in the user's language and in the order above;
    a group that is not a role keeps its own name (last)."""
    known = [str(role.label) for role in Role if role.value in names]
    return known + sorted(name for name in names if name not in Role.values)


# Roles that serve a unit and may be limited to it through a StaffScope.
STAFF_ROLES = frozenset(
    {
        Role.TECHNICIAN,
        Role.REPAIR_DISPATCHER,
        Role.CANTEEN_STAFF,
        Role.DORM_MANAGER,
        Role.MAILROOM_CLERK,
        Role.LOSTFOUND_DESK,
    }
)
# Roles that may read and manage across the campus.
MANAGER_ROLES = frozenset({Role.LOGISTICS_MANAGER})
# Staff roles that head a unit: scoped to buildings or departments (StaffScope), they see the
# command centre for those units.
UNIT_HEAD_ROLES = frozenset({Role.REPAIR_DISPATCHER, Role.DORM_MANAGER})
