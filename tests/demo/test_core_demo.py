"""`manage.py seed_demo`, seeded once for the module: the demo campus, one account per role;
run twice it changes nothing. When it refuses and how app seeders run: test_seed_demo_command.py."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.forms.models import model_to_dict

from logistics.models import Building, Campus, Department, Room, StaffScope, User
from logistics.roles import Role

pytestmark = pytest.mark.django_db

ACCOUNTS = [
    "student",
    "student2",
    "teacher",
    "technician",
    "repair_dispatcher",
    "canteen_staff",
    "dorm_manager",
    "mailroom_clerk",
    "lostfound_desk",
    "logistics_manager",
    "integrator",
    "supervisor",
]


@pytest.fixture
def seeded(demo):
    """The demo seeded once for tests/demo (conftest.py)."""
    return demo


def snapshot() -> dict:
    """Every row the seeder writes, as plain values."""
    models = [Campus, Building, Room, Department, User, StaffScope]
    rows = {m.__name__: sorted(map(str, map(model_to_dict, m.objects.all()))) for m in models}
    rows["groups"] = sorted(User.groups.through.objects.values_list("user_id", "group_id"))
    rows["served"] = sorted(Department.buildings.through.objects.values_list("pk", flat=True))
    return rows


def test_it_builds_two_campuses_with_their_buildings_and_rooms(seeded):
    assert set(Campus.objects.values_list("name", flat=True)) == {"闵行校区", "徐汇校区"}
    kinds = set(Building.objects.values_list("kind", flat=True))
    assert kinds == {"dormitory", "teaching", "canteen", "office", "other"}
    assert 10 <= Building.objects.count() <= 14
    dorm = Building.objects.get(campus__code="MH", code="D1")
    assert dorm.rooms.count() == dorm.floors * 10
    assert dorm.rooms.filter(floor=6, number="610", kind=Room.Kind.DORM).exists()
    assert "2 campuses, 12 buildings" in seeded


def test_it_creates_the_service_units(seeded):
    names = set(Department.objects.values_list("name", flat=True))
    units = {"维修中心", "饮食服务中心", "宿舍管理中心", "收发室", "失物招领处", "后勤保障处"}
    assert units <= names
    assert Department.objects.filter(kind=Department.Kind.ACADEMIC).count() >= 2
    dining = Department.objects.get(code="DINING")
    assert set(dining.buildings.values_list("kind", flat=True)) == {"canteen"}


def test_it_creates_one_account_per_role_named_after_it(seeded):
    for username in ACCOUNTS:
        user = User.objects.get(username=username)
        expected = "student" if username == "student2" else username
        assert sorted(user.role_names) == [expected]
        assert user.check_password("demo")
        assert user.display_name and not user.display_name.isascii()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("demo")
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_it_signs_in_every_demo_account(seeded, client):
    for username in ACCOUNTS:
        assert client.login(username=username, password="demo"), username
        assert client.get("/api/v1/me/").json()["username"] == username
        client.logout()


def test_it_scopes_staff_to_fitting_units(seeded):
    def scopes(username):
        return StaffScope.objects.filter(user__username=username)

    assert {s.building.kind for s in scopes("canteen_staff")} == {"canteen"}
    assert {s.building.kind for s in scopes("dorm_manager")} == {"dormitory"}
    assert [s.department.name for s in scopes("mailroom_clerk")] == ["收发室"]
    assert [s.department.name for s in scopes("technician")] == ["维修中心"]
    assert [s.department.name for s in scopes("repair_dispatcher")] == ["维修中心"]
    assert all(s.role == s.user.groups.get().name for s in StaffScope.objects.all())


def test_it_gives_students_a_dorm_room(seeded):
    for username in ("student", "student2"):
        room = User.objects.get(username=username).dorm_room
        assert room.building.kind == Building.Kind.DORMITORY
    assert User.objects.get(username="teacher").dorm_room is None


def test_it_changes_nothing_when_run_twice(seeded):
    before = snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == before


def test_it_leaves_the_last_four_weekly_reports(seeded):
    from logistics.models import WeeklyReport  # noqa: PLC0415

    reports = list(WeeklyReport.objects.order_by("start"))
    assert len(reports) == 4
    assert all(r.start.weekday() == 0 for r in reports)
    assert any(r.snapshot["site"] for r in reports)  # the demo's indicators are in them
    assert all(r.mailed_at is None for r in reports)  # beat mails what is due
