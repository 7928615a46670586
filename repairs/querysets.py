"""Reads of repair requests: who may see what (for_user), queues, overdue, timelines.

"Open" and "overdue" are repairs.workflow's (imported at call time: the model loads this
module, and the workflow reads the model)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import connections, models, router
from django.db.models import Count, F, Prefetch, Q, QuerySet

from logistics.models.compiled import key_fits
from logistics.roles import Role

if TYPE_CHECKING:
    from logistics.models import Building, Room, StaffScope, User
    from repairs.models import Category, RepairRequest


class RepairRequestQuerySet(models.QuerySet):
    def for_user(self, user: User | None) -> RepairRequestQuerySet:
        """Exactly the requests `user` may see.

        A requester sees their own; a technician those assigned to them; a dispatcher those of
        their scoped departments/buildings (all when unscoped); managers and supervisors all.
        `visible_to` is the same rule for one request in memory (a test holds them equal).
        """
        if not (user and user.is_authenticated):
            return self.none()
        if user.is_superuser or user.has_role(Role.LOGISTICS_MANAGER, Role.SUPERVISOR):
            return self
        if user.has_role(Role.REPAIR_DISPATCHER) and not user.scopes(Role.REPAIR_DISPATCHER):
            return self  # an unscoped dispatcher serves every request (`covers`)
        visible = Q(requester=user)
        if user.has_role(Role.TECHNICIAN):
            visible |= Q(assignee=user)
        if user.has_role(Role.REPAIR_DISPATCHER):
            visible |= dispatcher_scope(user)
        return self.filter(visible)

    @staticmethod
    def for_user_shape(user: User | None) -> tuple:
        """Every input of `for_user(user)`'s SQL, for a compiled list's shape
        (logistics.models.compiled.CompiledPages): change one with the other."""
        if not (user and user.is_authenticated):
            return ("anonymous",)
        scopes = tuple((s.role, s.department_id, s.building_id) for s in user.scope_rows)
        return (user.pk, user.is_superuser, tuple(sorted(user.role_names)), scopes)

    def open(self) -> RepairRequestQuerySet:
        from repairs.workflow import OPEN_STATUSES

        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now: datetime | None = None) -> RepairRequestQuerySet:
        from repairs.workflow import overdue_q

        return self.filter(overdue_q(now))

    def unassigned(self) -> RepairRequestQuerySet:
        return self.open().filter(assignee__isnull=True)

    def for_technician(self, user: User) -> RepairRequestQuerySet:
        """A technician's open jobs, the most urgent (earliest due) first."""
        return self.open().filter(assignee=user).by_due_time()

    def by_due_time(self) -> RepairRequestQuerySet:
        """Queue order: earliest completion due first, requests without one last, then oldest."""
        return self.order_by(F("completion_due_at").asc(nulls_last=True), "created_at", "id")

    def similar_open(
        self,
        *,
        category: Category | int,
        room: Room | None = None,
        building: Building | None = None,
        place_text: str = "",
    ) -> RepairRequestQuerySet:
        """Open requests of the same category for the same place (the duplicate check)."""
        return similar_open_requests(
            category=category, room=room, building=building, place_text=place_text, queryset=self
        )

    def with_related(self) -> RepairRequestQuerySet:
        return self.select_related(
            "category", "building", "room__building", "requester", "assignee", "team"
        )

    def for_list(self) -> RepairRequestQuerySet:
        """What a list row shows (category, place, technician) in four joins, without the
        columns no row shows. The place's building is the request's own (filing sets it from
        the room), so the room's building is not joined again (RepairRequest.place)."""
        return self.select_related("category", "building", "room", "assignee").defer(*LIST_DEFERRED)

    def for_page(self) -> RepairRequestQuerySet:
        """A request's page (repairs.views.request_page): the row and its category (the
        heading, a dispatcher's scope), one join. What its facts show besides is fetched onto
        the same instance only when they are drawn, not kept (`with_details`)."""
        return self.select_related("category").defer("search_tokens")

    def with_photos(self) -> RepairRequestQuerySet:
        """Each request's photos, oldest first, as a plain list (`RepairRequest.
        photos_in_order` reads it; the API and Open311 write them)."""
        return self.prefetch_related(photo_lists())

    def for_api(self) -> RepairRequestQuerySet:
        """The API's representation (repairs.api.serializers): the detail page's four joins,
        each narrowed to the columns it writes (a person: id, username, names), the technician
        by primary key in one narrow query, the team only as its id."""
        deferred = [
            f"{relation}__{field.name}"
            for relation, kept in API_RELATED.items()
            for field in self.model._meta.get_field(relation).related_model._meta.concrete_fields
            if field.name not in kept
        ]
        people = get_user_model().objects.only(*PERSON_FIELDS)
        return (
            self.select_related(*API_RELATED)
            .defer("search_tokens", *deferred)
            .prefetch_related(Prefetch("assignee", queryset=people))
        )


def with_details(repair: RepairRequest) -> RepairRequest:
    """`repair`, read by for_page, with the relations its facts show: each it has by primary
    key, one narrow query each. The request is read once; its relations only when its facts
    are drawn, which a page whose facts are kept never does."""
    models.prefetch_related_objects([repair], "building", "room", "requester", "assignee", "team")
    return repair


def last_change():
    """When any request last changed (the newest updated_at, one lookup on its index): the
    version of the pages kept whole (repairs.views.common.cached_body), read where the pages
    read."""
    row = _read_one("SELECT MAX({updated_at}) FROM {table}")
    return row[0] if row else None


def request_state(pk: int) -> tuple | None:
    """(updated_at, status) of one request by its primary key, None when there is none: the
    version of a request's own kept page (repairs.views.request_page.page_version)."""
    from repairs.models import RepairRequest

    if not key_fits(RepairRequest, pk, connections[router.db_for_read(RepairRequest)]):
        return None
    return _read_one("SELECT {updated_at}, {status} FROM {table} WHERE {id} = %s", [pk])


def _read_one(statement: str, params: list | None = None) -> tuple | None:
    """The first row of a fixed statement on the requests' table, where the pages read. Its SQL
    is written once per process: the ORM took longer to build it than the database takes to
    answer."""
    from repairs.models import RepairRequest

    alias = router.db_for_read(RepairRequest)
    with connections[alias].cursor() as cursor:
        cursor.execute(_sql(alias, statement), params)
        return cursor.fetchone()


@cache
def _sql(alias: str, statement: str) -> str:
    from repairs.models import RepairRequest

    q = connections[alias].ops.quote_name
    names = {field: q(field) for field in ("updated_at", "status", "id")}
    return statement.format(table=q(RepairRequest._meta.db_table), **names)


# The order a request's photos are shown and written in.
PHOTO_ORDER = ("created_at", "id")


def photo_lists() -> Prefetch:
    """The photos of each row read — requests or timeline events — oldest first, as a plain
    list that their `photos_in_order` gives (logistics.models.uploads.ListedPhotos)."""
    from logistics.models.uploads import photo_list_prefetch
    from repairs.models import RepairPhoto

    return photo_list_prefetch(queryset=RepairPhoto.objects.order_by(*PHOTO_ORDER))


# What a list shows of a person (User.get_display_name reads the names).
PERSON_FIELDS = ("id", "username", "display_name", "first_name", "last_name")
# The API's joins and what it reads of each (a category's department: the dispatcher's scope).
API_RELATED = {
    "requester": PERSON_FIELDS,
    "category": ("id", "code", "name", "name_en", "department"),
    "building": ("id", "name", "name_en", "campus"),
    "room": ("id", "number", "building"),
}


# Long text no list row shows (the search tokens are the largest column of the table).
LIST_DEFERRED = (
    "search_tokens",
    "answers",
    "preferred_windows",
    "resolution_note",
    "materials",
    "rejection_reason",
    "rating_comment",
)


def department_q(department_id: int) -> Q:
    """The requests of a department (a unit): its team's or its categories'."""
    return Q(team_id=department_id) | Q(category__department_id=department_id)


def dispatcher_scope(user: User) -> Q:
    """The requests a repair dispatcher serves: their scoped units, or all when unscoped."""
    scopes = [(s.department_id, s.building_id) for s in user.scopes(Role.REPAIR_DISPATCHER)]
    if not scopes:
        return Q(pk__isnull=False)
    q = Q(pk__in=[])
    for department_id, building_id in scopes:
        if department_id:
            q |= department_q(department_id)
        if building_id:
            q |= Q(building_id=building_id)
    return q


def similar_open_requests(
    *,
    category: Category | int,
    room: Room | None = None,
    building: Building | None = None,
    place_text: str = "",
    queryset: RepairRequestQuerySet | None = None,
) -> RepairRequestQuerySet:
    """Open requests of `category` for the same room, or — without a room — for the same
    building and place text (case-insensitive). Empty when no place is given.

    This is the "already reported — follow it instead?" check before filing; callers that show
    the result to a user should narrow it with for_user or show only number and status.
    """
    from repairs.models import RepairRequest

    requests = (queryset if queryset is not None else RepairRequest.objects.all()).open()
    requests = requests.filter(category=category)
    if room is not None:
        return requests.filter(room=room).order_by("created_at", "id")
    place_text = (place_text or "").strip()
    if building is None or not place_text:
        return requests.none()
    return requests.filter(
        building=building, room__isnull=True, place_text__iexact=place_text
    ).order_by("created_at", "id")


def visible_to(user: User | None, repair: RepairRequest) -> bool:
    """`for_user`'s rule for one request already read (its category with it, for a scoped
    dispatcher): a page that reads its row by key alone (repairs.views.request_page) asks
    this after, not in the query. tests/repairs/test_querysets.py holds the two equal."""
    if not (user and user.is_authenticated):
        return False
    if user.is_superuser or user.has_role(Role.LOGISTICS_MANAGER, Role.SUPERVISOR):
        return True
    if repair.requester_id == user.pk:
        return True
    if user.has_role(Role.TECHNICIAN) and repair.assignee_id == user.pk:
        return True
    return user.has_role(Role.REPAIR_DISPATCHER) and covers(
        user.scopes(Role.REPAIR_DISPATCHER), repair
    )


def covers(scopes: Iterable[StaffScope], repair: RepairRequest) -> bool:
    """True if a dispatcher with these StaffScope rows serves `repair` (no rows: all)."""
    if not scopes:
        return True
    units = {repair.team_id, getattr(repair.category, "department_id", None)} - {None}
    return any(
        (s.department_id and s.department_id in units)
        or (s.building_id and s.building_id == repair.building_id)
        for s in scopes
    )


def dispatchers_for(repair: RepairRequest) -> list[User]:
    """The active repair dispatchers whose scope covers `repair`."""
    User = get_user_model()
    users = (
        User.objects.filter(groups__name=Role.REPAIR_DISPATCHER, is_active=True)
        .prefetch_related(
            models.Prefetch(
                "staff_scopes",
                queryset=_scope_model().objects.filter(role=Role.REPAIR_DISPATCHER),
                to_attr="dispatcher_scopes",
            )
        )
        .distinct()
    )
    return [u for u in users if covers(u.dispatcher_scopes, repair)]


def managers() -> list[User]:
    """The active logistics managers (the second escalation level)."""
    User = get_user_model()
    return list(User.objects.filter(groups__name=Role.LOGISTICS_MANAGER, is_active=True).distinct())


def technicians() -> QuerySet[User]:
    """Active users with the technician role, by name."""
    User = get_user_model()
    return User.objects.filter(groups__name=Role.TECHNICIAN, is_active=True).distinct()


def technician_workload(
    *, requests: RepairRequestQuerySet | None = None, now: datetime | None = None
) -> QuerySet[User]:
    """Technicians with their open jobs counted: open, in_progress, on_hold, overdue.

    `requests` narrows the jobs counted (a dispatcher passes RepairRequest.objects.for_user(me));
    technicians without open jobs are listed with zeros. One query.
    """
    from repairs.models import RepairRequest
    from repairs.workflow import overdue_q

    jobs = requests if requests is not None else RepairRequest.objects.all()
    job_ids = jobs.open().filter(assignee__isnull=False).values("pk")
    open_q = Q(assigned_repairs__pk__in=job_ids)
    return (
        technicians()
        .annotate(
            open_jobs=Count("assigned_repairs", filter=open_q, distinct=True),
            in_progress_jobs=Count(
                "assigned_repairs",
                filter=open_q & Q(assigned_repairs__status=RepairRequest.Status.IN_PROGRESS),
                distinct=True,
            ),
            on_hold_jobs=Count(
                "assigned_repairs",
                filter=open_q & Q(assigned_repairs__status=RepairRequest.Status.ON_HOLD),
                distinct=True,
            ),
            overdue_jobs=Count(
                "assigned_repairs",
                filter=open_q & overdue_q(now, prefix="assigned_repairs__"),
                distinct=True,
            ),
        )
        .order_by("-open_jobs", "username")
    )


def _scope_model() -> type[StaffScope]:
    from logistics.models import StaffScope

    return StaffScope
