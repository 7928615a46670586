"""Demo data: a believable campus, its service units and one account per role (password `demo`).

`manage.py seed_demo` calls `seed_core()` and then every seeder that an app registered with
`register_demo_seeder(order, func)`, usually from its own `<app>/demo.py` (found automatically).
Everything is keyed by codes and usernames, so running it twice changes nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from logistics.models import Building, Campus, Department, Notification, Room, StaffScope, User
from logistics.roles import Role

DEMO_PASSWORD = "demo"  # noqa: S105  (the documented password of the demo accounts)


@dataclass
class DemoData:
    """What the core seeded, for the app seeders that build on it."""

    campuses: dict[str, Campus] = field(default_factory=dict)
    buildings: dict[str, Building] = field(default_factory=dict)  # "MH-D1" → building
    departments: dict[str, Department] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def room(self, building: str, number: str) -> Room:
        return self.buildings[building].rooms.get(number=number)


DemoSeeder = Callable[[DemoData], None]
_seeders: dict[str, tuple[int, DemoSeeder]] = {}


def register_demo_seeder(order: int, func: DemoSeeder) -> DemoSeeder:
    """Adds an app's demo data; seeders run after the core, lowest order first."""
    # Keyed by the function's full name, so importing a module twice registers it once.
    _seeders[f"{func.__module__}.{func.__qualname__}"] = (order, func)
    return func


def registered_seeders() -> list[DemoSeeder]:
    ordered = sorted(_seeders.items(), key=lambda item: (item[1][0], item[0]))
    return [func for _, (_, func) in ordered]


# --- The campus -----------------------------------------------------------------------------------

CAMPUSES = [
    ("MH", "闵行校区", "Minhang Campus", "上海市闵行区东川路800号"),
    ("XH", "徐汇校区", "Xuhui Campus", "上海市徐汇区华山路1954号"),
]

# (campus, code, name, English name, kind, floors, rooms per floor)
BUILDINGS = [
    ("MH", "D1", "东区1号宿舍楼", "East Dormitory 1", Building.Kind.DORMITORY, 6, 10),
    ("MH", "D2", "东区2号宿舍楼", "East Dormitory 2", Building.Kind.DORMITORY, 6, 10),
    ("MH", "D3", "西区3号宿舍楼", "West Dormitory 3", Building.Kind.DORMITORY, 5, 12),
    ("MH", "T1", "第一教学楼", "Teaching Building 1", Building.Kind.TEACHING, 5, 8),
    ("MH", "T2", "第二教学楼", "Teaching Building 2", Building.Kind.TEACHING, 4, 6),
    ("MH", "C1", "第一食堂", "Canteen 1", Building.Kind.CANTEEN, 2, 2),
    ("MH", "C2", "第二食堂", "Canteen 2", Building.Kind.CANTEEN, 3, 2),
    ("MH", "A1", "行政楼", "Administration Building", Building.Kind.OFFICE, 6, 6),
    ("XH", "D1", "徐汇1号宿舍楼", "Xuhui Dormitory 1", Building.Kind.DORMITORY, 5, 8),
    ("XH", "T1", "徐汇教学楼", "Xuhui Teaching Building", Building.Kind.TEACHING, 6, 6),
    ("XH", "C1", "徐汇食堂", "Xuhui Canteen", Building.Kind.CANTEEN, 2, 2),
    ("XH", "L1", "图书馆", "Library", Building.Kind.OTHER, 5, 4),
]

ROOM_KIND = {
    Building.Kind.DORMITORY: (Room.Kind.DORM, 4),
    Building.Kind.TEACHING: (Room.Kind.CLASSROOM, 80),
    Building.Kind.CANTEEN: (Room.Kind.PUBLIC, None),
    Building.Kind.OFFICE: (Room.Kind.OFFICE, None),
    Building.Kind.OTHER: (Room.Kind.PUBLIC, None),
}

# (code, name, English name, kind, campus, parent, buildings served, phone)
DEPARTMENTS = [
    ("LOGI", "后勤保障处", "Logistics Office", "logistics", None, None, [], "021-34200000"),
    ("REPAIR", "维修中心", "Repair Centre", "repairs", None, "LOGI", ["*"], "021-34200110"),
    ("DINING", "饮食服务中心", "Dining Services", "dining", None, "LOGI", ["canteen"], ""),
    ("DORMS", "宿舍管理中心", "Dormitory Management", "dorms", None, "LOGI", ["dormitory"], ""),
    ("MAIL", "收发室", "Mailroom", "mail", "MH", "LOGI", ["MH-A1"], "021-34200200"),
    ("LOSTFOUND", "失物招领处", "Lost and Found", "lostfound", "MH", "LOGI", ["MH-A1"], ""),
    ("CS", "计算机科学与工程系", "Dept. of Computer Science", "academic", "MH", None, [], ""),
    ("ME", "机械与动力工程学院", "School of Mechanical Eng.", "academic", "XH", None, [], ""),
]

# (username, display name, role, department, dorm room "MH-D1/101", scopes ["dept:X"|"bldg:Y"])
ACCOUNTS = [
    ("student", "张伟", Role.STUDENT, "CS", "MH-D1/101", []),
    ("student2", "李娜", Role.STUDENT, "ME", "MH-D2/203", []),
    ("teacher", "王芳", Role.TEACHER, "CS", None, []),
    ("technician", "刘强", Role.TECHNICIAN, "REPAIR", None, ["dept:REPAIR"]),
    ("repair_dispatcher", "陈静", Role.REPAIR_DISPATCHER, "REPAIR", None, ["dept:REPAIR"]),
    ("canteen_staff", "杨洋", Role.CANTEEN_STAFF, "DINING", None, ["bldg:MH-C1"]),
    ("dorm_manager", "赵敏", Role.DORM_MANAGER, "DORMS", None, ["bldg:MH-D1", "bldg:MH-D2"]),
    ("mailroom_clerk", "黄磊", Role.MAILROOM_CLERK, "MAIL", None, ["dept:MAIL"]),
    ("lostfound_desk", "周婷", Role.LOSTFOUND_DESK, "LOSTFOUND", None, ["dept:LOSTFOUND"]),
    ("logistics_manager", "吴刚", Role.LOGISTICS_MANAGER, "LOGI", None, []),
    ("integrator", "一卡通系统对接", Role.INTEGRATOR, "LOGI", None, []),
    ("supervisor", "孙丽", Role.SUPERVISOR, "LOGI", None, []),
]


def seed_core() -> DemoData:
    """Campuses, buildings, rooms, units and the demo accounts; returns them for app seeders."""
    demo = DemoData()
    seed_places(demo)
    seed_departments(demo)
    seed_accounts(demo)
    return demo


def seed_places(demo: DemoData) -> None:
    for code, name, name_en, address in CAMPUSES:
        demo.campuses[code], _ = Campus.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "address": address}
        )
    for campus, code, name, name_en, kind, floors, per_floor in BUILDINGS:
        building, _ = Building.objects.get_or_create(
            campus=demo.campuses[campus],
            code=code,
            defaults={"name": name, "name_en": name_en, "kind": kind, "floors": floors},
        )
        demo.buildings[f"{campus}-{code}"] = building
        seed_rooms(building, per_floor)


def seed_rooms(building: Building, per_floor: int) -> None:
    kind, capacity = ROOM_KIND[building.kind]
    wanted = [
        Room(building=building, number=f"{floor}{n:02d}", floor=floor, kind=kind, capacity=capacity)
        for floor in range(1, building.floors + 1)
        for n in range(1, per_floor + 1)
    ]
    existing = set(building.rooms.values_list("number", flat=True))
    Room.objects.bulk_create([room for room in wanted if room.number not in existing])


def seed_departments(demo: DemoData) -> None:
    for code, name, name_en, kind, campus, parent, served, phone in DEPARTMENTS:
        department, created = Department.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "kind": kind,
                "campus": demo.campuses.get(campus),
                "parent": demo.departments.get(parent),
                "phone": phone,
            },
        )
        demo.departments[code] = department
        if created:
            department.buildings.set(_served_buildings(demo, served))


def _served_buildings(demo: DemoData, served: list[str]) -> list[Building]:
    if served == ["*"]:
        return list(demo.buildings.values())
    # An entry is a building ("MH-A1") or a kind of building ("canteen").
    return [b for key, b in demo.buildings.items() if key in served or b.kind in served]


def seed_accounts(demo: DemoData) -> None:
    # One hash for all: hashing twelve times would make `make run` wait for nothing.
    password = make_password(DEMO_PASSWORD)
    groups = {group.name: group for group in Group.objects.all()}
    for username, display_name, role, department, dorm_room, scopes in ACCOUNTS:
        user = _demo_user(demo, username, display_name, department, dorm_room, password)
        user.groups.add(groups[role])
        for scope in scopes:
            _add_scope(demo, user, role, scope)
        demo.users[username] = user
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={
            "display_name": "系统管理员",
            "email": "admin@example.edu.cn",
            "is_staff": True,
            "is_superuser": True,
            "password": password,
        },
    )
    demo.users["admin"] = admin


def _demo_user(demo, username, display_name, department, dorm_room, password) -> User:
    room = None
    if dorm_room:
        building, number = dorm_room.split("/")
        room = demo.room(building, number)
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={
            "display_name": display_name,
            "email": f"{username}@example.edu.cn",
            "department": demo.departments[department],
            "dorm_room": room,
            "password": password,
        },
    )
    return user


def _add_scope(demo: DemoData, user: User, role: str, scope: str) -> None:
    kind, key = scope.split(":")
    unit = {"department": None, "building": None}
    if kind == "dept":
        unit["department"] = demo.departments[key]
    else:
        unit["building"] = demo.buildings[key]
    StaffScope.objects.get_or_create(user=user, role=role, **unit)


def settle_notifications(*, keep_unread: int = 5) -> int:
    """Marks all but each demo user's newest `keep_unread` notifications read.

    The seeders replay months of history through the real services, which notify as they go;
    a person who had lived through it would have read the old ones, not face a "99+" bell.
    """
    ranked = Notification.objects.filter(read_at__isnull=True).annotate(
        rank=Window(RowNumber(), partition_by=F("recipient_id"), order_by=F("id").desc())
    )
    old = [pk for pk, rank in ranked.values_list("pk", "rank") if rank > keep_unread]
    return Notification.objects.filter(pk__in=old).update(read_at=timezone.now())
