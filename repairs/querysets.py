"""Reads of repair requests: who may see what (for_user), queues, overdue, timelines."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from logistics.roles import Role

OPEN_STATUSES = ("submitted", "accepted", "assigned", "in_progress", "on_hold", "reopened")


class RepairRequestQuerySet(models.QuerySet):
    def for_user(self, user) -> "RepairRequestQuerySet":
        """Exactly the requests `user` may see.

        A requester sees their own; a technician those assigned to them; a dispatcher those of
        their scoped departments/buildings (all when unscoped); managers and supervisors all.
        """
        if not (user and user.is_authenticated):
            return self.none()
        if user.is_superuser or user.has_role(Role.LOGISTICS_MANAGER, Role.SUPERVISOR):
            return self
        visible = Q(requester=user)
        if user.has_role(Role.TECHNICIAN):
            visible |= Q(assignee=user)
        if user.has_role(Role.REPAIR_DISPATCHER):
            visible |= dispatcher_scope(user)
        return self.filter(visible)

    def open(self) -> "RepairRequestQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now=None) -> "RepairRequestQuerySet":
        now = now or timezone.now()
        return self.open().exclude(status="on_hold").filter(completion_due_at__lt=now)

    def with_related(self) -> "RepairRequestQuerySet":
        return self.select_related(
            "category", "building", "room__building", "requester", "assignee", "team"
        )


def dispatcher_scope(user) -> Q:
    """The requests a repair dispatcher serves: their scoped units, or all when unscoped."""
    scopes = list(user.scoped(Role.REPAIR_DISPATCHER).values_list("department_id", "building_id"))
    if not scopes:
        return Q(pk__isnull=False)
    q = Q(pk__in=[])
    for department_id, building_id in scopes:
        if department_id:
            q |= Q(team_id=department_id) | Q(category__department_id=department_id)
        if building_id:
            q |= Q(building_id=building_id)
    return q
