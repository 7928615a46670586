"""Permission-matrix rules of the dorms routes; tests/test_permission_matrix.py merges them.

The example notice is addressed to the student's dorm room: the student reads it, logistics
managers and superusers manage it, everybody else gets 404. Writing pages refuse (403) those
who see a notice but do not manage it.
"""


def _student_notice(m, cast, **extra):
    from django.core.files.base import ContentFile  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from tests.dorms.factories import published  # noqa: PLC0415
    from tests.logistics.factories import RoomFactory  # noqa: PLC0415

    student = cast.users[m.STUDENT]
    if student.dorm_room_id is None:
        student.dorm_room = RoomFactory()
        student.save(update_fields=["dorm_room"])
    now = timezone.now()
    fields = {
        "audience": "rooms",
        "kind": "outage",
        "utility": "water",
        "starts_at": now - timezone.timedelta(hours=1),
        "ends_at": now + timezone.timedelta(hours=3),
        "valid_until": now + timezone.timedelta(hours=3),
        "requires_ack": True,
        **extra,
    }
    notice = published(**fields)
    notice.targets.create(building=student.dorm_room.building, room=student.dorm_room)
    attachment = notice.attachments.create(name="plan.pdf", content_type="application/pdf")
    attachment.file.save("plan.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    return notice, attachment


def _round_with_hazard(m, cast):
    """A round over the student's building (walked by an inspector none of the actors is) with
    a hazard, and its photo, in the student's room."""
    from django.utils import timezone  # noqa: PLC0415

    from dorms.inspections.models import Hazard, InspectionRound, RoomCheck  # noqa: PLC0415
    from tests.logistics.factories import RoomFactory, UserFactory  # noqa: PLC0415

    student = cast.users[m.STUDENT]
    if student.dorm_room_id is None:
        student.dorm_room = RoomFactory()
        student.save(update_fields=["dorm_room"])
    room = student.dorm_room
    inspector = UserFactory(roles=["dorm_manager"])
    today = timezone.localdate()
    inspection_round = InspectionRound.objects.create(
        title="检查", starts_on=today, ends_on=today, planned_by=inspector
    )
    inspection_round.buildings.add(room.building)
    inspection_round.inspectors.add(inspector)
    check = RoomCheck.objects.create(
        round=inspection_round, room=room, building=room.building, inspector=inspector, passed=False
    )
    hazard = Hazard(
        room_check=check,
        round=inspection_round,
        room=room,
        building=room.building,
        kind="smoking",
        deadline=timezone.now() + timezone.timedelta(days=1),
    )
    hazard.photo.save("h.png", _png(), save=False)
    hazard.save()
    return inspection_round, hazard


def _png():
    from io import BytesIO  # noqa: PLC0415

    from django.core.files.base import ContentFile  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415

    buffer = BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    return ContentFile(buffer.getvalue())


def inspection_rules(m) -> dict:
    managers = (m.MANAGER, m.ADMIN)

    def round_kwargs(cast):
        return {"pk": _round_with_hazard(m, cast)[0].pk}

    def walk_kwargs(cast):
        inspection_round, hazard = _round_with_hazard(m, cast)
        return {"pk": inspection_round.pk, "building_pk": hazard.building_id}

    def room_kwargs(cast):
        inspection_round, hazard = _round_with_hazard(m, cast)
        return {"pk": inspection_round.pk, "room_pk": hazard.room_id}

    def hazard_kwargs(cast):
        return {"pk": _round_with_hazard(m, cast)[1].pk}

    def inspectors_only(kwargs, **methods):
        """Inspectors and managers of the round's buildings; the residents get 404 too."""
        expect = {(verb, m.STUDENT): m.HIDDEN for verb in methods if methods[verb] == "owner"}
        expect |= {(verb, a): m.ALLOWED for verb in methods for a in managers}
        expect = {k: v for k, v in expect.items() if methods[k[0]] == "owner"}
        return m.rule(kwargs=kwargs, expect=expect, **methods)

    def room_and_managers(**methods):
        """The residents of the room and the round's managers; others 404."""
        expect = {(v, a): m.ALLOWED for v in methods for a in managers if methods[v] == "owner"}
        return m.rule(kwargs=hazard_kwargs, expect=expect, **methods)

    why = "residents confirm, inspectors and managers re-check; others 404"
    return {
        "dorms:inspections": m.rule(get="login", why="the rounds I walk or manage (none: empty)"),
        "dorms:inspection-create": m.rule(get="manager", post="manager"),
        "dorms:inspection-detail": inspectors_only(round_kwargs, get="owner"),
        "dorms:inspection-walk": inspectors_only(walk_kwargs, get="owner"),
        "dorms:inspection-room": inspectors_only(room_kwargs, get="owner", post="owner"),
        "dorms:hazards": m.rule(get="login", why="the hazards I follow (none: empty)"),
        "dorms:hazard-detail": room_and_managers(get="owner"),
        "dorms:hazard-photo": room_and_managers(get="owner"),
        "dorms:hazard-confirm": room_and_managers(get="method-login", post="owner", why=why),
        "dorms:hazard-recheck": room_and_managers(get="method-login", post="owner", why=why),
        "dorms-api:inspection-list": m.rule(get="login"),
        "dorms-api:inspection-detail": inspectors_only(round_kwargs, get="owner"),
        "dorms-api:hazard-list": m.rule(get="login"),
        "dorms-api:hazard-detail": room_and_managers(get="owner"),
        "dorms-api:hazard-confirm-fix": m.rule(
            get="method-login",
            post="owner",
            kwargs=hazard_kwargs,
            expect={("post", a): m.DENIED for a in managers},
            why="managers see the hazard but only residents confirm: 403",
        ),
        "dorms-api:hazard-recheck": room_and_managers(
            get="method-login", post="owner", why="an empty body is a 400 for those who see it"
        ),
    }


def rules(m) -> dict:
    def notice_pk(cast):
        return {"pk": _student_notice(m, cast)[0].pk}

    def draft_pk(cast):
        return {"pk": _student_notice(m, cast, status="draft", published_at=None)[0].pk}

    def attachment_kwargs(cast):
        notice, attachment = _student_notice(m, cast)
        return {"pk": notice.pk, "attachment_pk": attachment.pk}

    managers = (m.MANAGER, m.ADMIN)

    def reader(**methods):
        """The student reads; managers too; others 404."""
        expect = {(verb, a): m.ALLOWED for verb in methods for a in managers if verb != "get"}
        expect |= {("get", a): m.ALLOWED for a in managers if methods.get("get") == "owner"}
        return m.rule(kwargs=notice_pk, expect=expect, **methods)

    def writer(kwargs, **methods):
        """Managers write; others 404: the student too for a draft (not yet addressed to
        them), and 403 for a published notice they read but do not manage."""
        student = m.HIDDEN if kwargs is draft_pk else m.DENIED
        expect = {(verb, a): m.ALLOWED for verb in methods for a in managers}
        expect = {key: v for key, v in expect.items() if methods[key[0]] == "owner"}
        expect |= {(verb, m.STUDENT): student for verb in methods if methods[verb] == "owner"}
        return m.rule(kwargs=kwargs, expect=expect, **methods)

    def emergency_pk(cast):
        notice = _student_notice(m, cast, kind="emergency", utility="", audience="buildings")[0]
        return {"pk": notice.pk}

    return {
        "dorms:feed-campus": m.rule(
            get="public", kwargs=lambda cast: {"code": cast.campus.code}, why="Atom for any reader"
        ),
        "dorms:feed-building": m.rule(
            get="public", kwargs=lambda cast: {"pk": cast.building.pk}, why="Atom for any reader"
        ),
        "dorms:cap-index": m.rule(get="public", why="CAP alerts are public by nature"),
        "dorms:cap-alert": m.rule(get="public", kwargs=emergency_pk, why="CAP 1.2 alert"),
        "dorms-api:notice-list": m.rule(get="login", post="method-login"),
        "dorms-api:notice-detail": reader(get="owner"),
        "dorms-api:notice-acknowledge": m.rule(
            get="method-login",
            post="owner",
            kwargs=notice_pk,
            expect={("post", a): m.DENIED for a in managers},
            why="managers see the notice but it was not addressed to them: 403",
        ),
        "dorms-api:outage-list": m.rule(get="login", why="for other campus systems"),
        "dorms:index": m.rule(get="login", why="what was addressed to me; managers their scope"),
        "dorms:my-building": m.rule(get="login"),
        "dorms:outages": m.rule(
            get="manager",
            expect={("get", m.ELSEWHERE): m.ALLOWED},
            why="dispatchers, dorm and logistics managers; requests shown within their scope",
        ),
        "dorms:notice-create": m.rule(
            get="manager", post="manager", why="logistics and dorm managers write notices"
        ),
        "dorms:notice-detail": reader(get="owner"),
        "dorms:notice-acknowledge": reader(get="method-login", post="owner"),
        "dorms:outage-avoided": reader(get="method-login", post="owner"),
        "dorms:attachment": m.rule(
            get="owner",
            kwargs=attachment_kwargs,
            expect={("get", a): m.ALLOWED for a in managers},
        ),
        "dorms:notice-edit": writer(draft_pk, get="owner", post="owner"),
        "dorms:notice-preview": writer(draft_pk, get="owner"),
        "dorms:notice-publish": writer(draft_pk, get="method-login", post="owner"),
        "dorms:notice-unschedule": writer(draft_pk, get="method-login", post="owner"),
        "dorms:notice-correct": writer(notice_pk, get="owner", post="owner"),
        "dorms:notice-acks": writer(notice_pk, get="owner"),
        **inspection_rules(m),
    }
