"""Writes of room inspections: planning a round (with its notice), recording a room, and a
hazard's life (the residents confirm the fix, a re-check closes it), and the overdue sweep.

Errors callers get: InvalidInput (field errors), OutOfScope / NotAllowed / HazardNotYours (403),
AlreadyChecked and InvalidTransition (409), ConcurrentUpdate (409).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics import workflow
from logistics.models import Building, Room, User
from logistics.uploads import CleanImage
from logistics.workflow import notify_involved
from repairs.public import repair_file

from .. import errors
from .. import services as notice_services
from ..querysets import managed_building_ids
from .models import Hazard, InspectionRound, RoomCheck
from .querysets import can_check_round, can_plan_rounds
from .workflow import HAZARD_MACHINE, default_deadline, overdue_q

Status = Hazard.Status


@dataclass
class HazardSpec:
    """One hazard as the inspector records it; `repair_category_id` files a repair request."""

    kind: str
    note: str = ""
    photo: CleanImage | None = None
    deadline: datetime | None = None
    repair_category_id: int | None = None


@transaction.atomic
def inspection_round_plan(
    *,
    by: User,
    title: str,
    buildings: list[Building],
    inspectors: list[User],
    starts_on: date,
    ends_on: date,
    notice_body: str = "",
) -> InspectionRound:
    """Plans a round and publishes its inspection notice to the buildings' residents."""
    if not can_plan_rounds(by):
        raise workflow.NotAllowed()
    problems = _round_problems(title, buildings, inspectors, starts_on, ends_on)
    if problems:
        raise workflow.InvalidInput(fields=problems)
    managed = managed_building_ids(by)
    if managed is not None and not {b.pk for b in buildings} <= set(managed):
        raise errors.OutOfScope()
    notice = notice_services.notice_save(
        by=by,
        data={
            "kind": "inspection",
            "title": title,
            "body": notice_body or _default_body(starts_on, ends_on),
            "valid_until": timezone.make_aware(datetime.combine(ends_on, datetime.max.time())),
        },
        audience=notice_services.AudienceSpec(audience="buildings", buildings=buildings),
    )
    notice = notice_services.notice_publish(notice=notice, by=by)
    inspection_round = InspectionRound.objects.create(
        title=title, starts_on=starts_on, ends_on=ends_on, notice=notice, planned_by=by
    )
    inspection_round.buildings.set(buildings)
    inspection_round.inspectors.set(inspectors)
    notify_involved(
        recipients=inspectors,
        by=by,
        kind="dorms.inspection.assigned",
        title=gettext_lazy("You inspect: %(title)s"),
        params={"title": title},
        url=inspection_round.get_absolute_url(),
    )
    return inspection_round


def _round_problems(title, buildings, inspectors, starts_on, ends_on) -> dict:
    problems: dict[str, list[str]] = {}
    if not (title or "").strip():
        problems["title"] = [_("A round needs a title.")]
    if not buildings:
        problems["buildings"] = [_("Choose the buildings to inspect.")]
    if not inspectors:
        problems["inspectors"] = [_("Name at least one inspector.")]
    if starts_on and ends_on and ends_on < starts_on:
        problems["ends_on"] = [_("The round must end on or after its first day.")]
    return problems


def _default_body(starts_on: date, ends_on: date) -> str:
    return _(
        "Fire-safety inspection of every room from %(start)s to %(end)s. Please let the "
        "inspectors in; high-power appliances, open flames and blocked exits are recorded."
    ) % {"start": starts_on.isoformat(), "end": ends_on.isoformat()}


@transaction.atomic
def room_check_record(
    *,
    inspection_round: InspectionRound,
    room: Room,
    by: User,
    hazards: list[HazardSpec] = (),
    note: str = "",
    now: datetime | None = None,
) -> RoomCheck:
    """Records a room: passed when `hazards` is empty, else each hazard with its deadline. The
    room's residents hear of the hazards; a hazard with a repair category files a request."""
    now = now or timezone.now()
    if not can_check_round(by, inspection_round):
        raise workflow.NotAllowed()
    if not inspection_round.buildings.filter(pk=room.building_id).exists():
        raise workflow.InvalidInput(fields={"room": [_("This room is not in the round.")]})
    _check_deadlines(hazards, now)
    check = RoomCheck(
        round=inspection_round,
        room=room,
        building_id=room.building_id,
        inspector=by,
        passed=not hazards,
        note=(note or "")[:500],
        checked_at=now,
    )
    if RoomCheck.objects.filter(round=inspection_round, room=room).exists():
        raise errors.AlreadyChecked()
    check.save()
    found = [_record_hazard(check, spec, by, now) for spec in hazards]
    if found:
        _tell_residents(check, found)
    return check


def _check_deadlines(hazards, now) -> None:
    for spec in hazards:
        if spec.deadline is not None and spec.deadline <= now:
            raise workflow.InvalidInput(fields={"deadline": [_("The fix deadline must be ahead.")]})


def _record_hazard(check: RoomCheck, spec: HazardSpec, by: User, now: datetime) -> Hazard:
    hazard = Hazard(
        room_check=check,
        round_id=check.round_id,
        room_id=check.room_id,
        building_id=check.building_id,
        kind=spec.kind,
        note=(spec.note or "")[:500],
        deadline=spec.deadline or default_deadline(spec.kind, now),
        created_at=now,
    )
    if spec.photo is not None:
        hazard.photo.save(spec.photo.name, spec.photo.file, save=False)
    if spec.repair_category_id:
        hazard.repair_number, hazard.repair_url = _file_repair(hazard, spec, by)
    hazard.save()
    return hazard


def _file_repair(hazard: Hazard, spec: HazardSpec, by: User) -> tuple[str, str]:
    description = _("Safety inspection: %(hazard)s. %(note)s") % {
        "hazard": hazard.get_kind_display(),
        "note": hazard.note,
    }
    try:
        filed = repair_file(
            requester=by,
            room=hazard.room,
            category_id=spec.repair_category_id,
            description=description.strip(),
        )
    except ValidationError as error:
        raise workflow.InvalidInput(fields={"repair_category": error.messages}) from None
    except PermissionDenied:
        raise workflow.NotAllowed() from None
    return filed["number"], filed["url"]


def _tell_residents(check: RoomCheck, hazards: list[Hazard]) -> None:
    residents = User.objects.filter(dorm_room_id=check.room_id, is_active=True)
    first = min(h.deadline for h in hazards)
    notify_involved(
        recipients=residents,
        by=None,
        kind="dorms.hazard.found",
        title=gettext_lazy(
            "Safety inspection: %(count)s hazards in your room, fix by %(deadline)s"
        ),
        params={"count": len(hazards), "deadline": timezone.localtime(first).date().isoformat()},
        url=reverse("dorms:my-building"),
    )


def _move(hazard: Hazard, *, to: str, **changes) -> None:
    workflow.transition(
        hazard,
        expected=[hazard.status],
        to=to,
        touch=None,
        invalid=errors.InvalidTransition,
        concurrent=errors.ConcurrentUpdate,
        **changes,
    )


@transaction.atomic
def hazard_confirm_fix(*, hazard: Hazard, by: User) -> Hazard:
    """A resident of the room says the hazard is fixed; a re-check will close it."""
    if not (by.dorm_room_id and by.dorm_room_id == hazard.room_id):
        raise errors.HazardNotYours()
    HAZARD_MACHINE.check(hazard, "confirm_fix", by)
    _move(hazard, to=Status.FIX_REPORTED, fixed_at=timezone.now(), fixed_by=by)
    return hazard


@transaction.atomic
def hazard_recheck(*, hazard: Hazard, by: User, fixed: bool) -> Hazard:
    """An inspector or manager re-checks: fixed closes the hazard; not fixed sends a reported
    fix back to open (the residents hear of it)."""
    if fixed:
        HAZARD_MACHINE.check(hazard, "close", by)
        changes = {"closed_at": timezone.now(), "closed_by": by}
        if hazard.fixed_at is None:
            changes["fixed_at"] = changes["closed_at"]
        _move(hazard, to=Status.CLOSED, **changes)
        return hazard
    HAZARD_MACHINE.check(hazard, "reopen", by)
    _move(hazard, to=Status.OPEN, fixed_at=None, fixed_by=None)
    notify_involved(
        recipients=User.objects.filter(dorm_room_id=hazard.room_id, is_active=True),
        by=by,
        kind="dorms.hazard.reopened",
        title=gettext_lazy("The re-check found the hazard still there: %(hazard)s"),
        params={"hazard": hazard.get_kind_display()},
        url=hazard.get_absolute_url(),
    )
    return hazard


def hazards_report_overdue(*, now: datetime | None = None) -> int:
    """The beat sweep: each hazard past its deadline is reported once to the dorm managers of
    its building (one notification per manager and sweep). Claimed by a conditional UPDATE."""
    from ..acks import dorm_managers_of

    now = now or timezone.now()
    due = Hazard.objects.filter(overdue_q(now), overdue_reported_at__isnull=True)
    ids = list(due.order_by("deadline", "pk").values_list("pk", flat=True)[:1000])
    if not ids:
        return 0
    with transaction.atomic():
        claimed = list(
            Hazard.objects.filter(pk__in=ids, overdue_reported_at__isnull=True)
            .select_for_update(skip_locked=True)
            .values_list("pk", "building_id")
        )
        Hazard.objects.filter(pk__in=[pk for pk, _b in claimed]).update(overdue_reported_at=now)
        by_building: dict[int, int] = {}
        for _pk, building_id in claimed:
            by_building[building_id] = by_building.get(building_id, 0) + 1
        for building_id, count in by_building.items():
            notify_involved(
                recipients=dorm_managers_of([building_id]),
                by=None,
                kind="dorms.hazard.overdue",
                title=gettext_lazy("%(count)s hazards are past their fix deadline in %(building)s"),
                params={"count": count, "building": Building.objects.get(pk=building_id)},
                url=reverse("dorms:hazards") + "?overdue=1",
            )
    return len(claimed)


@transaction.atomic
def hazard_add(*, check: RoomCheck, spec: HazardSpec, by: User) -> Hazard:
    """One more hazard in a room already recorded with hazards (an inspector records them one
    by one on a phone, each with its photo)."""
    if not can_check_round(by, check.round):
        raise workflow.NotAllowed()
    if check.passed:
        raise errors.AlreadyChecked(_("This room was recorded as passed in this round."))
    now = timezone.now()
    _check_deadlines([spec], now)
    hazard = _record_hazard(check, spec, by, now)
    _tell_residents(check, [hazard])
    return hazard
