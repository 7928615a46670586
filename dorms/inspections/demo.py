"""Demo data of room inspections: one round over the demo dormitories, walked three days ago,
with hazards — some fixed (on time), some overdue, one open in the demo student's room."""

from datetime import timedelta

from django.utils import timezone

from logistics.demo import DemoData
from logistics.models import Room, User

from . import services
from .models import Hazard, InspectionRound
from .services import HazardSpec

ROOMS_PER_BUILDING = 12
# room index in its building → hazards found there
FOUND = {1: ["high_power"], 4: ["extension_chain", "smoking"], 7: ["blocked_exit"], 9: ["wiring"]}


def seed_inspections(demo: DemoData) -> None:
    if InspectionRound.objects.exists():
        return
    manager = demo.users["dorm_manager"]
    buildings = [demo.buildings["MH-D1"], demo.buildings["MH-D2"]]
    today = timezone.localdate()
    inspection_round = services.inspection_round_plan(
        by=manager,
        title="第四季度宿舍消防安全检查",
        buildings=buildings,
        inspectors=[manager],
        starts_on=today - timedelta(days=3),
        ends_on=today + timedelta(days=4),
    )
    walked = timezone.now() - timedelta(days=3)
    student_room = demo.room("MH-D1", "101")
    for building in buildings:
        rooms = Room.objects.filter(building=building, kind=Room.Kind.DORM).order_by("number")
        rooms = rooms.exclude(pk=student_room.pk)
        for index, room in enumerate(rooms[:ROOMS_PER_BUILDING]):
            kinds = FOUND.get(index, [])
            services.room_check_record(
                inspection_round=inspection_round,
                room=room,
                by=manager,
                hazards=[HazardSpec(kind=kind) for kind in kinds],
                now=walked,
            )
    _settle(inspection_round, manager)
    _student_room(student_room, inspection_round, manager)


def _student_room(room, inspection_round, manager) -> None:
    """The demo student's room has a smoke-detector hazard still open (fix within 7 days)."""
    services.room_check_record(
        inspection_round=inspection_round,
        room=room,
        by=manager,
        hazards=[HazardSpec(kind="smoke_detector", note="烟感报警器电池缺失")],
    )


def _settle(inspection_round, manager) -> None:
    """Half the hazards found three days ago are fixed and re-checked; the others, past their
    one- or two-day deadline, are overdue."""
    walked = Hazard.objects.filter(round=inspection_round)
    for index, hazard in enumerate(walked.order_by("pk")):
        if index % 2 == 0:
            resident = User.objects.filter(dorm_room_id=hazard.room_id, is_active=True).first()
            if resident is not None:
                services.hazard_confirm_fix(hazard=hazard, by=resident)
            services.hazard_recheck(hazard=hazard, by=manager, fixed=True)
            fixed = hazard.created_at + timedelta(hours=20)
            Hazard.objects.filter(pk=hazard.pk).update(fixed_at=fixed, closed_at=fixed)
