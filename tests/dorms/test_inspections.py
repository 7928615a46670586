"""Room inspections: planning a round with its notice, recording rooms on the walk, hazards
confirmed by residents and closed by a re-check, overdue reports, figures, scope and 404s."""

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from dorms.inspections import services
from dorms.inspections.figures import round_figures
from dorms.inspections.models import Hazard, InspectionRound, RoomCheck
from dorms.inspections.services import HazardSpec
from dorms.models import Notice, NoticeDelivery
from logistics.models import Notification
from logistics.workflow import DomainError, NotAllowed
from repairs.models import RepairRequest
from tests.dorms.factories import dorm_manager_of, resident_of
from tests.logistics.factories import BuildingFactory, RoomFactory, UserFactory
from tests.repairs.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def building():
    return BuildingFactory(code="E1", name="东区1号楼", name_en="East 1")


@pytest.fixture
def rooms(building):
    return [RoomFactory(building=building, number=f"{n}", floor=n // 100) for n in (101, 102, 201)]


@pytest.fixture
def resident(rooms):
    return resident_of(rooms[0], "s-e1-101")


@pytest.fixture
def manager(building):
    return dorm_manager_of(building)


@pytest.fixture
def inspector(db):
    return UserFactory(username="insp1", roles=["dorm_manager"])


@pytest.fixture
def planned(manager, building, inspector, resident):
    today = timezone.localdate()
    return services.inspection_round_plan(
        by=manager,
        title="第四季度消防安全检查",
        buildings=[building],
        inspectors=[inspector],
        starts_on=today,
        ends_on=today + timedelta(days=3),
    )


def jpeg() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile("hazard.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_it_plans_a_round_and_publishes_the_inspection_notice(planned, building, resident):
    notice = planned.notice
    assert notice.kind == "inspection" and notice.status == Notice.Status.PUBLISHED
    assert Notice.objects.addressed_to(resident).filter(pk=notice.pk).exists()
    assert NoticeDelivery.objects.filter(notice=notice).exists()
    assert list(planned.buildings.all()) == [building]
    assert Notification.objects.filter(kind="dorms.inspection.assigned").count() == 1


def test_a_dorm_manager_cannot_plan_for_another_building(manager, inspector):
    other = BuildingFactory(code="W9")
    with pytest.raises(NotAllowed):
        services.inspection_round_plan(
            by=manager,
            title="越权",
            buildings=[other],
            inspectors=[inspector],
            starts_on=date(2026, 12, 1),
            ends_on=date(2026, 12, 2),
        )


def test_a_round_needs_buildings_inspectors_and_ordered_dates(manager):
    with pytest.raises(DomainError) as error:
        services.inspection_round_plan(
            by=manager,
            title="",
            buildings=[],
            inspectors=[],
            starts_on=date(2026, 12, 5),
            ends_on=date(2026, 12, 1),
        )
    assert set(error.value.fields) == {"title", "buildings", "inspectors", "ends_on"}


def test_an_inspector_records_hazards_and_the_residents_are_told(
    planned, rooms, inspector, resident
):
    check = services.room_check_record(
        inspection_round=planned,
        room=rooms[0],
        by=inspector,
        hazards=[HazardSpec(kind="high_power", note="电热锅"), HazardSpec(kind="smoking")],
    )
    assert check.passed is False
    hazards = list(check.hazards.order_by("pk"))
    assert [h.kind for h in hazards] == ["high_power", "smoking"]
    assert hazards[1].deadline - hazards[1].created_at == timedelta(days=1)
    told = Notification.objects.get(recipient=resident, kind="dorms.hazard.found")
    assert "2" in told.title
    services.room_check_record(inspection_round=planned, room=rooms[1], by=inspector)
    with pytest.raises(DomainError):  # once per room and round
        services.room_check_record(inspection_round=planned, room=rooms[1], by=inspector)


def test_someone_not_named_cannot_record(planned, rooms):
    stranger = UserFactory(username="x1", roles=["dorm_manager"])
    with pytest.raises(NotAllowed):
        services.room_check_record(inspection_round=planned, room=rooms[0], by=stranger)


def test_a_hazard_that_needs_a_repair_files_a_request(planned, rooms, inspector):
    detector = CategoryFactory(code="fire-detector", name="烟感", name_en="Smoke detector")
    check = services.room_check_record(
        inspection_round=planned,
        room=rooms[0],
        by=inspector,
        hazards=[HazardSpec(kind="smoke_detector", repair_category_id=detector.pk)],
    )
    hazard = check.hazards.get()
    repair = RepairRequest.objects.get(room=rooms[0])
    assert hazard.repair_number == repair.number
    assert repair.room == rooms[0] and repair.category == detector
    assert hazard.repair_url == repair.get_absolute_url()


def test_the_resident_confirms_and_a_recheck_closes_or_reopens(planned, rooms, inspector, resident):
    check = services.room_check_record(
        inspection_round=planned, room=rooms[0], by=inspector, hazards=[HazardSpec(kind="wiring")]
    )
    hazard = check.hazards.get()
    with pytest.raises(NotAllowed):  # only the residents of the room
        services.hazard_confirm_fix(hazard=hazard, by=inspector)
    services.hazard_confirm_fix(hazard=hazard, by=resident)
    hazard.refresh_from_db()
    assert hazard.status == "fix_reported" and hazard.fixed_by == resident
    services.hazard_recheck(hazard=hazard, by=inspector, fixed=False)
    hazard.refresh_from_db()
    assert hazard.status == "open" and hazard.fixed_at is None
    assert Notification.objects.filter(recipient=resident, kind="dorms.hazard.reopened").exists()
    services.hazard_confirm_fix(hazard=hazard, by=resident)
    services.hazard_recheck(hazard=hazard, by=inspector, fixed=True)
    hazard.refresh_from_db()
    assert hazard.status == "closed" and hazard.fixed_on_time


def test_overdue_hazards_are_reported_once_to_the_building_managers(
    planned, rooms, inspector, manager
):
    soon = timezone.now() + timedelta(minutes=5)
    services.room_check_record(
        inspection_round=planned,
        room=rooms[0],
        by=inspector,
        hazards=[HazardSpec(kind="smoking", deadline=soon), HazardSpec(kind="wiring")],
    )
    assert services.hazards_report_overdue() == 0
    later = timezone.now() + timedelta(hours=1)
    assert services.hazards_report_overdue(now=later) == 1
    assert services.hazards_report_overdue(now=later) == 0
    told = Notification.objects.filter(recipient=manager, kind="dorms.hazard.overdue")
    assert told.count() == 1 and "1" in told.get().title


def test_figures_per_building(planned, rooms, inspector, resident):
    services.room_check_record(
        inspection_round=planned, room=rooms[0], by=inspector, hazards=[HazardSpec(kind="wiring")]
    )
    services.room_check_record(inspection_round=planned, room=rooms[1], by=inspector)
    services.hazard_confirm_fix(hazard=Hazard.objects.get(), by=resident)
    [row] = round_figures(planned)
    assert (row.rooms, row.checked, row.with_hazards, row.hazards) == (3, 2, 1, 1)
    assert row.hazard_rate == 0.5 and row.fixed_on_time == 1 and row.overdue == 0


# --- Pages ---------------------------------------------------------------------------------------


def test_the_manager_plans_a_round_on_the_page(client, manager, building, inspector, resident):
    client.force_login(manager)
    today = timezone.localdate()
    response = client.post(
        reverse("dorms:inspection-create"),
        {
            "title": "消防检查",
            "buildings": [building.pk],
            "inspectors": [inspector.pk],
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=2)).isoformat(),
        },
    )
    planned = InspectionRound.objects.get()
    assert response.status_code == 302 and response.url == planned.get_absolute_url()
    assert planned.notice.title == "消防检查"


def test_bad_dates_are_answered_on_the_form(client, manager, building, inspector):
    client.force_login(manager)
    response = client.post(
        reverse("dorms:inspection-create"),
        {
            "title": "x",
            "buildings": [building.pk],
            "inspectors": [inspector.pk],
            "starts_on": "2026-13-40",
        },
    )
    assert response.status_code == 400 and not InspectionRound.objects.exists()


def test_the_walk_records_a_hazard_with_a_photo_and_a_passed_room(
    client, planned, rooms, inspector, resident
):
    client.force_login(inspector)
    walk = client.get(reverse("dorms:inspection-walk", args=[planned.pk, rooms[0].building_id]))
    assert walk.status_code == 200 and "101" in walk.content.decode()
    url = reverse("dorms:inspection-room", args=[planned.pk, rooms[0].pk])
    deadline = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url, {"outcome": "hazard", "kind": "high_power", "photo": jpeg(), "deadline": deadline}
    )
    assert response.status_code == 302
    hazard = Hazard.objects.get()
    assert hazard.photo and hazard.kind == "high_power"
    client.post(url, {"outcome": "hazard", "kind": "smoking"})
    assert RoomCheck.objects.get().hazards.count() == 2
    client.post(
        reverse("dorms:inspection-room", args=[planned.pk, rooms[1].pk]), {"outcome": "passed"}
    )
    assert RoomCheck.objects.get(room=rooms[1]).passed
    client.force_login(resident)
    photo = client.get(reverse("dorms:hazard-photo", args=[hazard.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


def test_a_bad_photo_is_answered_on_the_form(client, planned, rooms, inspector):
    client.force_login(inspector)
    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(
        reverse("dorms:inspection-room", args=[planned.pk, rooms[0].pk]),
        {"outcome": "hazard", "kind": "smoking", "photo": fake},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400 and not Hazard.objects.exists()
    assert "not a JPEG" in response.content.decode()


def test_a_hazard_form_that_comes_back_keeps_its_photo(client, planned, rooms, inspector):
    client.force_login(inspector)
    url = reverse("dorms:inspection-room", args=[planned.pk, rooms[0].pk])
    first = client.post(url, {"outcome": "hazard", "kind": "no-such-kind", "photo": jpeg()})
    assert first.status_code == 400 and not Hazard.objects.exists()
    assert "data-error-summary" in first.content.decode()
    token = re.search(r'name="photo_kept" value="([^"]+)"', first.content.decode()).group(1)

    second = client.post(url, {"outcome": "hazard", "kind": "smoking", "photo_kept": token})
    assert second.status_code == 302
    assert Hazard.objects.get().photo


def test_the_resident_confirms_on_the_page_and_others_get_404(
    client, planned, rooms, inspector, resident, other_student
):
    hazard = services.room_check_record(
        inspection_round=planned, room=rooms[0], by=inspector, hazards=[HazardSpec(kind="smoking")]
    ).hazards.get()
    client.force_login(other_student)
    assert client.get(hazard.get_absolute_url()).status_code == 404
    assert client.post(reverse("dorms:hazard-confirm", args=[hazard.pk])).status_code == 404
    assert client.get(planned.get_absolute_url()).status_code == 404
    client.force_login(resident)
    assert (
        "It is fixed"
        in client.get(hazard.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    client.post(reverse("dorms:hazard-confirm", args=[hazard.pk]))
    hazard.refresh_from_db()
    assert hazard.status == "fix_reported"
    client.force_login(inspector)
    client.post(reverse("dorms:hazard-recheck", args=[hazard.pk]), {"fixed": "1"})
    hazard.refresh_from_db()
    assert hazard.status == "closed"


def test_the_hazard_list_costs_the_same_for_more_hazards(
    client, planned, rooms, inspector, manager, django_assert_num_queries
):
    def record(room, count):
        specs = [HazardSpec(kind="other", deadline=timezone.now() + timedelta(days=1))] * count
        services.room_check_record(inspection_round=planned, room=room, by=inspector, hazards=specs)

    record(rooms[0], 2)
    client.force_login(manager)
    url = reverse("dorms:hazards")
    client.get(url)
    # 5; the manager's scopes for the navigation's "Manage" come with the session's user
    with django_assert_num_queries(3) as few:
        assert client.get(url).status_code == 200
    record(rooms[1], 25)
    with django_assert_num_queries(len(few)):
        page = client.get(url)
    assert page.context["page"].has_next
    second = client.get(url, {"cursor": page.context["page"].next_cursor})
    assert len(second.context["page"].object_list) == 7


def test_round_detail_costs_the_same_for_more_rooms(
    client, planned, rooms, inspector, manager, django_assert_num_queries
):
    client.force_login(manager)
    url = planned.get_absolute_url()
    services.room_check_record(inspection_round=planned, room=rooms[0], by=inspector)
    client.get(url)
    # 10; the manager's scopes for the navigation's "Manage" come with the session's user
    with django_assert_num_queries(8) as few:
        client.get(url)
    for number in range(300, 320):
        room = RoomFactory(building=rooms[0].building, number=str(number), floor=3)
        services.room_check_record(
            inspection_round=planned, room=room, by=inspector, hazards=[HazardSpec(kind="other")]
        )
    with django_assert_num_queries(len(few)):
        assert client.get(url).status_code == 200


# --- API ---------------------------------------------------------------------------------------

INSPECTIONS = "/api/v1/dorms/inspections/"
HAZARDS = "/api/v1/dorms/hazards/"


def _bearer(user, *scopes):
    from logistics.tokens import api_token_issue

    _, raw = api_token_issue(user=user, name="app", scopes=list(scopes))
    return {"Authorization": f"Bearer {raw}"}


def test_the_api_lists_rounds_with_figures_for_inspectors_only(
    client, planned, rooms, inspector, resident
):
    services.room_check_record(inspection_round=planned, room=rooms[0], by=inspector)
    body = client.get(INSPECTIONS, headers=_bearer(inspector, "dorms:read")).json()
    assert [r["id"] for r in body["results"]] == [planned.pk]
    detail = client.get(f"{INSPECTIONS}{planned.pk}/", headers=_bearer(inspector, "dorms:read"))
    assert detail.json()["figures"][0]["checked"] == 1
    assert client.get(INSPECTIONS, headers=_bearer(resident, "dorms:read")).json()["results"] == []
    hidden = client.get(f"{INSPECTIONS}{planned.pk}/", headers=_bearer(resident, "dorms:read"))
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"


def test_the_api_lets_a_resident_confirm_and_an_inspector_recheck(
    client, planned, rooms, inspector, resident, other_student
):
    hazard = services.room_check_record(
        inspection_round=planned, room=rooms[0], by=inspector, hazards=[HazardSpec(kind="smoking")]
    ).hazards.get()
    mine = client.get(HAZARDS, headers=_bearer(resident, "dorms:read")).json()["results"]
    assert [h["id"] for h in mine] == [hazard.pk] and mine[0]["kind"] == "smoking"
    assert client.get(HAZARDS, headers=_bearer(other_student, "dorms:read")).json()["results"] == []
    confirm = f"{HAZARDS}{hazard.pk}/confirm-fix/"
    assert client.post(confirm, headers=_bearer(resident, "dorms:read")).status_code == 403
    writer = _bearer(resident, "dorms:read", "dorms:write")
    assert client.post(confirm, headers=writer).json()["status"] == "fix_reported"
    again = client.post(confirm, headers=writer)
    assert again.status_code == 409 and set(again.json()) >= {"code", "detail"}
    recheck = f"{HAZARDS}{hazard.pk}/recheck/"
    inspector_writes = _bearer(inspector, "dorms:read", "dorms:write")
    bad = client.post(recheck, {"fixed": "maybe"}, headers=inspector_writes)
    assert bad.status_code == 400 and "fixed" in bad.json()["fields"]
    done = client.post(
        recheck, {"fixed": True}, headers=inspector_writes, content_type="application/json"
    )
    assert done.json()["status"] == "closed"


def test_the_hazard_api_costs_the_same_for_more_hazards(
    client, planned, rooms, inspector, django_assert_num_queries
):
    headers = _bearer(inspector, "dorms:read")
    services.room_check_record(
        inspection_round=planned,
        room=rooms[0],
        by=inspector,
        hazards=[HazardSpec(kind="other")] * 2,
    )
    client.get(HAZARDS, headers=headers)
    with django_assert_num_queries(4) as few:
        client.get(HAZARDS, headers=headers)
    services.room_check_record(
        inspection_round=planned,
        room=rooms[1],
        by=inspector,
        hazards=[HazardSpec(kind="other")] * 20,
    )
    with django_assert_num_queries(len(few)):
        assert len(client.get(HAZARDS, headers=headers).json()["results"]) == 22


# --- My building, home and overview --------------------------------------------------------------


def test_my_building_shows_my_rooms_inspection_results(
    client, planned, rooms, inspector, resident, django_assert_num_queries
):
    services.room_check_record(
        inspection_round=planned, room=rooms[0], by=inspector, hazards=[HazardSpec(kind="smoking")]
    )
    client.force_login(resident)
    url = reverse("dorms:my-building")
    client.get(url)
    with django_assert_num_queries(12) as few:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert planned.title in page and "Smoking" in page
    services.hazard_add(check=RoomCheck.objects.get(), spec=HazardSpec(kind="wiring"), by=inspector)
    with django_assert_num_queries(len(few)):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Damaged wiring" in page


def test_the_home_page_lists_a_hazard_in_my_room_and_pins_emergencies(
    client, planned, rooms, inspector, resident, building
):
    from tests.dorms.factories import published

    hazard = services.room_check_record(
        inspection_round=planned, room=rooms[0], by=inspector, hazards=[HazardSpec(kind="smoking")]
    ).hazards.get()
    emergency = published(
        buildings=[building],
        kind="emergency",
        title="燃气泄漏紧急疏散",
        valid_until=timezone.now() + timedelta(hours=2),
    )
    emergency.published_at = timezone.now() - timedelta(days=3)
    emergency.save(update_fields=["published_at"])
    for index in range(4):
        published(buildings=[building], title=f"新通知{index}")
    client.force_login(resident)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert hazard.get_absolute_url() in page
    assert emergency.title in page  # older than the newest three, pinned until it expires
    Notice = type(emergency)
    Notice.objects.filter(pk=emergency.pk).update(valid_until=timezone.now())
    assert emergency.title not in client.get("/").content.decode()


def test_the_manager_overview_shows_outages_rates_and_hazards(
    client, manager, planned, rooms, inspector
):
    from logistics.roles import Role

    services.room_check_record(
        inspection_round=planned,
        room=rooms[0],
        by=inspector,
        hazards=[HazardSpec(kind="smoking", deadline=timezone.now() + timedelta(minutes=1))],
    )
    Hazard.objects.update(deadline=timezone.now() - timedelta(hours=1))
    boss = UserFactory(username="lm1", roles=[Role.LOGISTICS_MANAGER])
    client.force_login(boss)
    page = client.get(reverse("manager-overview"), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Open hazards" in text and "Overdue hazards" in text
    assert reverse("dorms:hazards") + "?overdue=1" in text


def test_the_round_api_costs_the_same_for_more_rounds(
    client, planned, manager, building, inspector, django_assert_num_queries
):
    headers = _bearer(manager, "dorms:read")
    client.get(INSPECTIONS, headers=headers)
    with django_assert_num_queries(5) as few:
        client.get(INSPECTIONS, headers=headers)
    for index in range(5):
        services.inspection_round_plan(
            by=manager,
            title=f"检查{index}",
            buildings=[building],
            inspectors=[inspector],
            starts_on=date(2026, 1 + index, 1),
            ends_on=date(2026, 1 + index, 2),
        )
    with django_assert_num_queries(len(few)):
        assert len(client.get(INSPECTIONS, headers=headers).json()["results"]) == 6
