"""Demo data of the repairs system: a category tree, dispatch rules and ~200 requests.

The requests go through the real services (so every timeline, notification and due time is what
the portal itself would write) and are then moved back in time: each is filed at a moment of the
last 60 days and each step happens some hours after the one before, the way a semester's week
goes. Requests whose next step would lie in the future stop where they are, so recent ones are
still open and older open ones are overdue. Everything is keyed by codes and usernames and the
requests are only made once, so running `seed_demo` twice changes nothing.
"""

import io
import random
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from logistics.demo import DemoData, register_demo_seeder
from logistics.models import Building, Notification, OutboxMessage, Room, StaffScope, User
from logistics.roles import Role
from repairs.errors import RepairError

from . import services, sla
from .models import (
    Category,
    CategoryQuestion,
    DispatchRule,
    RepairEvent,
    RepairPhoto,
    RepairRequest,
    Trade,
)

REQUESTS = 200
DAYS = 60
SEED = 2026

# (code, name, English name, trade, response hours, completion hours, parent code)
CATEGORIES = [
    ("water", "水电", "Water and electricity", Trade.ELECTRICAL, 4, 24, None),
    ("water-light", "灯具不亮", "Light not working", Trade.ELECTRICAL, 4, 24, "water"),
    ("water-socket", "插座/开关故障", "Socket or switch", Trade.ELECTRICAL, 4, 24, "water"),
    ("water-tap", "水龙头漏水", "Leaking tap", Trade.PLUMBING, 4, 24, "water"),
    ("water-drain", "下水道堵塞", "Blocked drain", Trade.PLUMBING, 2, 8, "water"),
    ("water-heater", "热水器故障", "Water heater", Trade.PLUMBING, 4, 48, "water"),
    ("door", "门窗", "Doors and windows", Trade.CARPENTRY, 4, 48, None),
    ("door-lock", "门锁损坏", "Broken lock", Trade.CARPENTRY, 2, 8, "door"),
    ("door-window", "窗户/纱窗", "Window or screen", Trade.CARPENTRY, 8, 72, "door"),
    ("door-hinge", "门/合页", "Door or hinge", Trade.CARPENTRY, 8, 48, "door"),
    ("furniture", "家具", "Furniture", Trade.CARPENTRY, 8, 72, None),
    ("furniture-bed", "床铺", "Bed", Trade.CARPENTRY, 8, 72, "furniture"),
    ("furniture-desk", "桌椅", "Desk or chair", Trade.CARPENTRY, 8, 72, "furniture"),
    ("furniture-wardrobe", "衣柜", "Wardrobe", Trade.CARPENTRY, 8, 72, "furniture"),
    ("ac", "空调", "Air conditioning", Trade.HVAC, 4, 48, None),
    ("ac-cooling", "不制冷/不制热", "Not cooling or heating", Trade.HVAC, 4, 48, "ac"),
    ("ac-leak", "空调漏水", "Air conditioner leaking", Trade.HVAC, 4, 24, "ac"),
    ("ac-remote", "遥控器问题", "Remote control", Trade.HVAC, 8, 72, "ac"),
    ("net", "网络", "Network", Trade.NETWORK, 2, 24, None),
    ("net-offline", "无法上网", "No connection", Trade.NETWORK, 2, 24, "net"),
    ("net-port", "网口损坏", "Broken network port", Trade.NETWORK, 4, 48, "net"),
    ("net-wifi", "无线信号弱", "Weak Wi-Fi", Trade.NETWORK, 8, 72, "net"),
]

# (category, code, label, English label, kind, required, choices)
QUESTIONS = [
    ("water-tap", "severity", "漏水程度", "How bad is the leak", "singlevaluelist", True,
     [("drip", "滴水"), ("flow", "流水"), ("burst", "喷水")]),
    ("door-lock", "locked_out", "是否被锁在门外", "Are you locked out", "singlevaluelist", True,
     [("yes", "是"), ("no", "否")]),
    ("ac-cooling", "unit_number", "空调编号（机身标签）", "Unit number (label on the unit)",
     "string", False, []),
    ("ac-cooling", "since", "从何时开始", "Since when", "datetime", False, []),
    ("net-offline", "devices", "受影响的设备", "Devices affected", "multivaluelist", False,
     [("pc", "电脑"), ("phone", "手机"), ("tv", "其他")]),
    ("net-port", "port_count", "损坏网口数量", "Number of broken ports", "number", False, []),
]  # fmt: skip

# Extra technicians (username, name) and requesters beyond the core's demo accounts.
TECHNICIANS = [("technician2", "马超"), ("technician3", "何军")]
EXTRA_STUDENTS = 24

DESCRIPTIONS = {
    "water-light": ["宿舍顶灯不亮，换了灯管也不行", "卫生间灯一闪一闪", "走廊灯坏了"],
    "water-socket": ["书桌旁插座没电", "开关按下去弹不起来", "插座有焦味，不敢用"],
    "water-tap": ["洗手池水龙头一直滴水", "水龙头关不紧", "阳台水龙头漏水"],
    "water-drain": ["卫生间地漏堵了，积水", "洗手池下水很慢", "淋浴间下水道堵塞"],
    "water-heater": ["热水器不出热水", "热水器显示E3故障"],
    "door-lock": ["门锁钥匙转不动", "门锁坏了，锁不上门", "门把手松动"],
    "door-window": ["窗户关不严，漏风", "纱窗破了个洞", "窗户把手断了"],
    "door-hinge": ["柜门合页掉了", "宿舍门关不上"],
    "furniture-bed": ["床板断了一根", "上铺护栏松动", "床梯螺丝掉了"],
    "furniture-desk": ["椅子腿断了", "书桌抽屉拉不出来"],
    "furniture-wardrobe": ["衣柜门掉了", "衣柜锁坏了"],
    "ac-cooling": ["空调不制冷，只吹风", "空调开机几分钟就停", "空调制热没效果"],
    "ac-leak": ["空调室内机漏水，滴到床上", "空调出风口滴水"],
    "ac-remote": ["空调遥控器没反应", "遥控器丢了，需要补一个"],
    "net-offline": ["宿舍网口连不上网", "校园网认证失败", "有线网络经常掉线"],
    "net-port": ["墙上网口松了，水晶头插不紧", "网口面板掉了"],
    "net-wifi": ["宿舍无线信号很弱", "教室WiFi连不上"],
}
FREE_PLACES = [("MH-C1", "一楼打饭窗口旁"), ("MH-T1", "三楼走廊"), ("XH-L1", "二楼自习区")]

# The path to each final state; a step is skipped when the request is already past it (a
# dispatch rule may have assigned it on filing) and a path stops at a step in the future.
PATHS = {
    "submitted": [],
    "accepted": ["accept"],
    "assigned": ["accept", "assign"],
    "in_progress": ["accept", "assign", "start"],
    "on_hold": ["accept", "assign", "start", "hold"],
    "completed": ["accept", "assign", "start", "complete"],
    "confirmed": ["accept", "assign", "start", "complete", "confirm"],
    "closed": ["accept", "assign", "start", "complete", "confirm", "close"],
    "reopened": ["accept", "assign", "start", "complete", "reopen"],
    "rejected": ["reject"],
    "cancelled": ["cancel"],
}
# How likely each final state is for a request filed long enough ago to get there.
STATE_WEIGHTS = {
    "closed": 30,
    "confirmed": 22,
    "completed": 14,
    "in_progress": 8,
    "assigned": 7,
    "accepted": 3,
    "submitted": 4,
    "on_hold": 4,
    "reopened": 3,
    "rejected": 3,
    "cancelled": 4,
}
FINISHED = {"closed", "confirmed", "completed", "rejected", "cancelled"}
# Hours after the step before: (low, high).
STEP_HOURS = {
    "accept": (0.2, 6),
    "assign": (0.1, 3),
    "start": (0.5, 30),
    "hold": (1, 6),
    "complete": (0.5, 40),
    "confirm": (2, 60),
    "close": (12, 72),
    "reopen": (4, 40),
    "reject": (0.5, 8),
    "cancel": (0.2, 12),
}
# Request timestamps that the step with this name sets.
STEP_FIELDS = {
    "accept": ["first_response_at"],
    "assign": ["first_response_at", "assigned_at"],
    "start": ["started_at"],
    "hold": ["on_hold_since"],
    "complete": ["completed_at"],
    "confirm": ["confirmed_at"],
    "close": ["closed_at"],
    "reject": ["first_response_at"],
}
TIME_FIELDS = sorted({f for fields in STEP_FIELDS.values() for f in fields})


@dataclass
class Cast:
    """Who acts in the demo: requesters with their usual place, technicians, the dispatcher."""

    requesters: list[tuple[User, Room | None]]
    technicians: dict[str, User]
    dispatcher: User
    manager: User


def seed_repairs(demo: DemoData) -> None:
    categories = seed_categories()
    technicians = seed_technicians(demo)
    seed_dispatch_rules(demo, categories, technicians)
    if RepairRequest.objects.exists():
        return  # the requests are made once; the rest above is get_or_create
    cast = Cast(
        requesters=seed_requesters(demo),
        technicians=technicians,
        dispatcher=demo.users["repair_dispatcher"],
        manager=demo.users["logistics_manager"],
    )
    seed_requests(demo, categories, cast, random.Random(SEED))


register_demo_seeder(20, seed_repairs)


# --- Categories, rules, people -------------------------------------------------------------


def seed_categories() -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for order, (code, name, name_en, trade, response, completion, parent) in enumerate(CATEGORIES):
        categories[code], _ = Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "trade": trade,
                "response_hours": response,
                "completion_hours": completion,
                "parent": categories.get(parent),
                "sort_order": order,
            },
        )
    for order, (category, code, label, label_en, kind, required, choices) in enumerate(QUESTIONS):
        CategoryQuestion.objects.get_or_create(
            category=categories[category],
            code=code,
            defaults={
                "label": label,
                "label_en": label_en,
                "kind": kind,
                "required": required,
                "choices": [{"key": key, "name": name} for key, name in choices],
                "sort_order": order,
            },
        )
    return categories


def seed_technicians(demo: DemoData) -> dict[str, User]:
    technicians = {"technician": demo.users["technician"]}
    template = demo.users["technician"]
    group = Group.objects.get_or_create(name=Role.TECHNICIAN)[0]
    for username, display_name in TECHNICIANS:
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "display_name": display_name,
                "email": f"{username}@example.edu.cn",
                "department": template.department,
                "password": template.password,  # the demo password's hash
            },
        )
        user.groups.add(group)
        StaffScope.objects.get_or_create(
            user=user, role=Role.TECHNICIAN, department=demo.departments["REPAIR"]
        )
        technicians[username] = user
    return technicians


def seed_dispatch_rules(demo: DemoData, categories, technicians) -> None:
    team = demo.departments["REPAIR"]
    # Air conditioning in the east dormitories goes straight to its technician; everything else
    # lands with the repair centre for the dispatcher to assign.
    for building in ("MH-D1", "MH-D2"):
        DispatchRule.objects.get_or_create(
            category=categories["ac"],
            building=demo.buildings[building],
            defaults={"team": team, "technician": technicians["technician3"], "priority": 10},
        )
    for code in ("water", "door", "furniture", "ac", "net"):
        DispatchRule.objects.get_or_create(
            category=categories[code], building=None, defaults={"team": team, "priority": 100}
        )


def seed_requesters(demo: DemoData) -> list[tuple[User, Room | None]]:
    group = Group.objects.get_or_create(name=Role.STUDENT)[0]
    dorm_rooms = list(
        Room.objects.filter(building__kind=Building.Kind.DORMITORY).order_by("id")[::7]
    )
    people = [(demo.users["student"], demo.users["student"].dorm_room)] * 4
    people += [(demo.users["student2"], demo.users["student2"].dorm_room)] * 3
    classroom = Room.objects.filter(building__kind=Building.Kind.TEACHING).order_by("id").first()
    people += [(demo.users["teacher"], classroom)] * 2
    password = demo.users["student"].password
    for n in range(EXTRA_STUDENTS):
        room = dorm_rooms[n % len(dorm_rooms)]
        user, _ = User.objects.get_or_create(
            username=f"2024{n + 1:04d}",
            defaults={
                "display_name": f"学生{n + 1:02d}",
                "email": f"2024{n + 1:04d}@example.edu.cn",
                "dorm_room": room,
                "password": password,
            },
        )
        user.groups.add(group)
        people.append((user, room))
    return people


# --- Requests ----------------------------------------------------------------------------------


def seed_requests(demo: DemoData, categories, cast: Cast, rng: random.Random) -> None:
    leaves = [c for code, c in categories.items() if code in DESCRIPTIONS]
    now = timezone.now()
    _seed_requests(demo, leaves, categories, cast, rng, now)
    # A made-up history: its e-mails and webhook calls must never go out (the in-app
    # notifications stay). The outbox publishes after commit and skips rows that are gone.
    OutboxMessage.objects.filter(created_at__gte=now).delete()


def _seed_requests(demo: DemoData, leaves, categories, cast: Cast, rng, now) -> None:
    for n in range(REQUESTS):
        filed_at = now - timedelta(hours=rng.uniform(0.5, DAYS * 24))
        requester, room = rng.choice(cast.requesters)
        category = rng.choice(leaves)
        if n < 4:  # a repeat fault: the same tap in the same room, four times in 60 days
            requester, room = cast.requesters[0]
            category = categories["water-tap"]
        state = _final_state(rng, now - filed_at)
        place = _place(demo, room, rng) if n % 15 == 14 else {"room": room}
        _make_request(
            cast, category, requester, place, PATHS[state], filed_at, now, rng, photo=n % 3 == 0
        )


def _final_state(rng, age: timedelta) -> str:
    # After a week nearly everything is finished; what is still open then is overdue.
    weights = STATE_WEIGHTS
    if age > timedelta(days=7) and rng.random() < 0.85:
        weights = {s: w for s, w in STATE_WEIGHTS.items() if s in FINISHED}
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _place(demo: DemoData, room, rng) -> dict:
    building, text = rng.choice(FREE_PLACES)
    return {"building": demo.buildings[building], "place_text": text}


def _make_request(cast, category, requester, place, path, filed_at, now, rng, *, photo) -> None:
    description = rng.choice(DESCRIPTIONS[category.code])
    urgency = rng.choices(["low", "normal", "high", "urgent"], weights=[2, 12, 4, 1])[0]
    room = place.get("room")
    timeline = [("create", filed_at, _mark())]
    request = services.repair_request_create(
        requester=requester,
        category=category,
        description=description,
        room=room,
        building=place.get("building") or (room.building if room else None),
        place_text=place.get("place_text", ""),
        urgency=urgency,
        preferred_windows=rng.choice(["", "工作日下午", "周末全天", "晚上7点后"]),
        consent_to_enter=rng.random() < 0.6,
        answers=_answers(category),
        photos=[placeholder_photo(description, rng)] if photo else [],
    )
    at = filed_at
    for step in path:
        at = at + timedelta(hours=rng.uniform(*STEP_HOURS[step]))
        if at > now - timedelta(minutes=5):
            break  # this step has not happened yet
        mark = _mark()
        request.refresh_from_db()
        if _run_step(step, request, cast, rng):
            timeline.append((step, at, mark))
    _travel(request, category, urgency, timeline, _mark())


def _answers(category) -> dict:
    return {
        "water-tap": {"severity": "drip"},
        "door-lock": {"locked_out": "no"},
    }.get(category.code, {})


def _run_step(step: str, request, cast: Cast, rng) -> bool:
    """Runs one step through its service; False when the request is already past it."""
    technician = request.assignee or _technician_for(request, cast)
    actions = {
        "accept": lambda: services.repair_request_accept(request=request, by=cast.dispatcher),
        "assign": lambda: services.repair_request_assign(
            request=request, technician=technician, by=cast.dispatcher
        ),
        "start": lambda: services.repair_request_start(request=request, by=technician),
        "hold": lambda: services.repair_request_hold(
            request=request, by=technician, reason="等待配件到货"
        ),
        "complete": lambda: services.repair_request_complete(
            request=request,
            by=technician,
            note=rng.choice(["已更换配件，测试正常", "已修好", "已调整，恢复正常"]),
            labour_minutes=rng.choice([15, 20, 30, 45, 60, 90]),
            materials=rng.choice(
                ["", "灯管 1 根", "水龙头阀芯 1 个", "合页 2 个", "网线水晶头 2 个"]
            ),
            photos=[placeholder_photo("done", rng)] if rng.random() < 0.4 else [],
        ),
        "confirm": lambda: services.repair_request_confirm(
            request=request,
            by=request.requester,
            rating=rng.choices([5, 4, 3, 2, None], weights=[8, 5, 2, 1, 3])[0],
            comment=rng.choice(["", "师傅很准时", "修得很快，谢谢"]),
        ),
        "close": lambda: services.repair_request_close(request=request, by=cast.manager),
        "reopen": lambda: services.repair_request_reopen(
            request=request, by=request.requester, reason="用了两天又坏了"
        ),
        "reject": lambda: services.repair_request_reject(
            request=request, by=cast.dispatcher, reason="不属于维修范围，请联系宿管"
        ),
        "cancel": lambda: services.repair_request_cancel(
            request=request, by=request.requester, reason="已经自己解决了"
        ),
    }
    try:
        actions[step]()
    except RepairError:
        return False
    return True


def _technician_for(request, cast: Cast) -> User:
    by_trade = {"hvac": "technician3", "carpentry": "technician2"}
    return cast.technicians[by_trade.get(request.category.trade, "technician")]


def _mark() -> tuple[int, int]:
    """The newest event and notification ids: what a step writes comes after them."""
    last_event = RepairEvent.objects.order_by("-id").values_list("id", flat=True).first()
    last_note = Notification.objects.order_by("-id").values_list("id", flat=True).first()
    return last_event or 0, last_note or 0


def _travel(request, category, urgency: str, timeline: list, end_mark: tuple[int, int]) -> None:
    """Moves the request, its events, photos and notifications to the times of their steps."""
    request.refresh_from_db()
    filed_at = timeline[0][1]
    response_due, completion_due = sla.due_times(category=category, urgency=urgency, start=filed_at)
    updates = {
        "created_at": filed_at,
        "updated_at": timeline[-1][1],
        "response_due_at": response_due,
        "completion_due_at": completion_due,
    }
    for step, at, _mark_before in timeline:
        if step == "reopen":  # the redo gets a fresh completion target from the reopening
            updates["completion_due_at"] = sla.due_times(
                category=category, urgency=urgency, start=at
            )[1]
        for name in STEP_FIELDS.get(step, []):
            # The first response is the earliest step that answers; the rest, the latest.
            if name == "first_response_at":
                updates.setdefault(name, at)
            else:
                updates[name] = at
    for name in TIME_FIELDS:
        if getattr(request, name) is None:
            updates.pop(name, None)
        else:
            updates.setdefault(name, filed_at)  # set on filing (a dispatch rule assigned it)
    RepairRequest.objects.filter(pk=request.pk).update(**updates)
    marks = [mark for _, _, mark in timeline] + [end_mark]
    for (_step, at, (event_from, note_from)), (event_to, note_to) in zip(
        timeline, marks[1:], strict=True
    ):
        events = RepairEvent.objects.filter(id__gt=event_from, id__lte=event_to)
        events.update(created_at=at)
        RepairPhoto.objects.filter(event__in=events).update(created_at=at)
        Notification.objects.filter(id__gt=note_from, id__lte=note_to).update(created_at=at)
    # Photos filed with the request may have no event of their own.
    request.photos.filter(event__isnull=True).update(created_at=filed_at)


def placeholder_photo(label: str, rng: random.Random) -> SimpleUploadedFile:
    """A small JPEG that looks like a photo placeholder: a coloured card with shapes."""
    color = tuple(rng.randint(90, 200) for _ in range(3))
    image = Image.new("RGB", (480, 360), color)
    draw = ImageDraw.Draw(image)
    for _ in range(4):
        x, y = rng.randint(0, 400), rng.randint(0, 280)
        shade = tuple(max(0, c - rng.randint(30, 80)) for c in color)
        draw.rectangle([x, y, x + rng.randint(40, 160), y + rng.randint(30, 120)], fill=shade)
    draw.text((16, 16), "demo photo", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    name = f"{label[:10] or 'photo'}.jpg"
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
