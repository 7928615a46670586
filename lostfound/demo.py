"""Demo data of the lost-and-found system, registered with logistics.demo.register_demo_seeder:
two desks (闵行 administration building, 徐汇 library), the demo desk person scoped to the first
and a second desk person (lostfound_desk2) serving both, who confirms valuables.

First the stories the pages and browser tests open, filed through the services (a phone at the
library, an umbrella its finder keeps, keys the student claimed, a bottle past its holding
period, the student's campus card). Then three months of history written in bulk
(lostfound/demo_history.py): about 300 found items and 200 lost reports, most returned or still
stored, some matched, some past their holding period and on the disposal list or disposed of.
Runs once: with any found item present it does nothing."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from logistics.demo import DemoData, register_demo_seeder
from logistics.models import Department, StaffScope, User
from logistics.roles import Role
from lostfound import services
from lostfound.models import Category, Desk, FoundItem

# (code, name, English name, department code, building, where, opening hours)
DESKS = [
    (
        "MH",
        "失物招领处（闵行）",
        "Lost and Found (Minhang)",
        "LOSTFOUND",
        "MH-A1",
        "行政楼一楼",
        "8:30–17:00",
    ),
    (
        "XH",
        "失物招领处（徐汇）",
        "Lost and Found (Xuhui)",
        "LOSTFOUND-XH",
        "XH-L1",
        "图书馆一楼",
        "8:30–17:00",
    ),
]

# (category, public description, hidden traits, building, place, hours ago, custody)
ITEMS = [
    ("phone", "黑色华为手机，透明手机壳", "锁屏是一只橘猫", "XH-L1", "三楼自习区", 5, "desk"),
    ("umbrella", "蓝色折叠伞", "伞柄缠着白色胶带", "MH-T1", "101 教室门口", 26, "finder"),
    ("keys", "一串钥匙，三把", "钥匙扣是小熊", "MH-C1", "二楼餐桌", 50, "desk"),
    (
        "bottle",
        "Green Thermos bottle",
        "Sticker of a cat on the bottom",
        "MH-T2",
        "Room 203",
        8,
        "desk",
    ),
]


def seed_lostfound(demo: DemoData) -> None:
    if FoundItem.objects.exists():
        return
    desks = [_desk(demo, *row) for row in DESKS]
    desk_person = demo.users.get("lostfound_desk")
    now = timezone.now()
    for code, text, traits, building, place, hours, custody in ITEMS:
        item = services.found_item_report(
            finder=demo.users["student2"],
            category=Category.objects.get(code=code),
            description=text,
            hidden_traits=traits,
            building=demo.buildings[building],
            place_text=place,
            found_at=now - timedelta(hours=hours),
            desk=desks[0] if building.startswith("MH") else desks[1],
            custody=custody,
        )
        if custody == "desk" and desk_person and item.desk_id == desks[0].pk:
            services.found_item_receive(item=item, by=desk_person, storage_place="A架")
    services.found_item_report(
        finder=demo.users["student2"],
        category=Category.objects.get(code="card"),
        description="校园卡",
        owner_campus_id="student",
        building=demo.buildings["MH-C1"],
        place_text="一楼收银台",
        found_at=now - timedelta(hours=3),
        desk=desks[0],
    )
    services.lost_report_create(
        owner=demo.users["student"],
        category=Category.objects.get(code="phone"),
        description="丢了一部黑色华为手机，透明壳",
        building=demo.buildings["XH-L1"],
        place_text="自习区",
        lost_from=now - timedelta(hours=8),
        lost_until=now - timedelta(hours=4),
    )
    keys = FoundItem.objects.filter(category__code="keys", desk=desks[0]).first()
    if keys is not None:
        services.claim_create(item=keys, claimant=demo.users["student"], answers="钥匙扣是一只小熊")
    _past_holding(desks[0], now)
    umbrella = FoundItem.objects.filter(category__code="umbrella", custody="finder").first()
    if umbrella is not None:
        from lostfound.services.messages import message_send

        message_send(item=umbrella, by=demo.users["student"], body="伞柄上是不是缠着白色胶带？")
    from lostfound.demo_history import seed_history

    seed_history(demo, desks, _second_desk_person(demo, desks))


def _second_desk_person(demo: DemoData, desks: list[Desk]) -> User:
    """A second desk person, serving both desks: valuables need two people at intake and
    handover, disposals a second one's approval."""
    password = demo.users["lostfound_desk"].password
    user, _ = User.objects.get_or_create(
        username="lostfound_desk2",
        defaults={
            "display_name": "郑浩",
            "email": "lostfound_desk2@example.edu.cn",
            "department": desks[0].department,
            "password": password,
        },
    )
    user.groups.add(Group.objects.get_or_create(name=Role.LOSTFOUND_DESK)[0])
    for desk in desks:
        StaffScope.objects.get_or_create(
            user=user, role=Role.LOSTFOUND_DESK, department=desk.department
        )
    return user


def _past_holding(desk: Desk, now) -> None:
    """The bottle at the first desk has waited past its holding period: the sweep lists it."""
    from lostfound.services.disposals import found_items_holding_sweep

    bottle = FoundItem.objects.filter(category__code="bottle", desk=desk).first()
    if bottle is None:
        return
    published = now - timedelta(days=bottle.category.holding_days + 3)
    FoundItem.objects.filter(pk=bottle.pk).update(
        found_at=published - timedelta(hours=2),
        notice_published_at=published,
        holding_until=bottle.category.holding_end(published),
    )
    found_items_holding_sweep(now=now)


def _desk(demo, code, name, name_en, department, building, where, hours) -> Desk:
    unit = demo.departments.get(department)
    if unit is None:
        unit, _ = Department.objects.get_or_create(
            code=department,
            defaults={
                "name": name,
                "name_en": name_en,
                "kind": Department.Kind.LOSTFOUND,
                "campus": demo.campuses[building.split("-")[0]],
            },
        )
    desk, _ = Desk.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "name_en": name_en,
            "department": unit,
            "building": demo.buildings[building],
            "location": where,
            "opening_hours": hours,
        },
    )
    return desk


register_demo_seeder(60, seed_lostfound)
