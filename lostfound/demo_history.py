"""Three months of lost-and-found history for the demo (lostfound/demo.py runs it after the
stories): about 300 found items at the two desks and 200 lost reports, written in bulk.

The rows are filled the way the services fill them: the search tokens by the field's pre_save
(bulk_create calls it), the notice published when the item was reported (never for a campus
card), the holding period from the category (`Category.holding_end`), storage labels from the
desk's counter, and every return as a handed-over claim (a valuable's confirmed by a second desk
person). Matches are scored by lostfound.matching. Then the beat sweep runs once, so the items
past their holding period are on the disposal list; a few of those were already disposed of and
are in the register. About a third of the public items have a small placeholder photo, re-encoded
through logistics.uploads like an upload. Deterministic (a seeded random)."""

from __future__ import annotations

import io
import random
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from logistics.demo import DemoData
from logistics.models import User
from logistics.uploads import clean_image
from lostfound.matching import score
from lostfound.models import (
    Category,
    Claim,
    Desk,
    Disposal,
    FoundItem,
    FoundItemEvent,
    FoundItemPhoto,
    LostReport,
    Match,
)

DAYS = 90
FOUND = 300
LOST = 200
PHOTO_SHARE = 0.33

# category → (weight, share returned, [(found description, hidden traits, owner's words)])
KINDS = {
    "card": (
        20,
        0.75,
        [("校园卡", "卡套是蓝色的", "蓝色卡套的校园卡"), ("学生证", "里面夹着一张书签", "学生证")],
    ),
    "keys": (
        12,
        0.45,
        [
            ("一串钥匙，三把", "钥匙扣是小熊", "三把钥匙，小熊钥匙扣"),
            ("宿舍钥匙一把", "挂着红绳", "一把宿舍钥匙，红绳"),
            ("Bike key with a tag", "The tag says 'B12'", "Small bike key with a plastic tag"),
        ],
    ),
    "phone": (
        10,
        0.65,
        [
            ("黑色华为手机", "锁屏是一只橘猫", "黑色华为手机，锁屏是猫"),
            ("白色苹果手机，粉色手机壳", "手机壳背面贴着星星贴纸", "苹果手机 粉色壳"),
            ("小米蓝牙耳机，白色充电盒", "充电盒上有划痕", "白色小米耳机"),
            ("Silver laptop, 13 inch", "Sticker of a mountain on the lid", "13 inch silver laptop"),
        ],
    ),
    "wallet": (
        6,
        0.55,
        [
            ("棕色皮钱包", "里面有一张电影票根", "棕色钱包，皮的"),
            ("Black card holder", "Two metro cards inside", "black card holder"),
        ],
    ),
    "books": (
        14,
        0.2,
        [
            ("高等数学教材（下册）", "扉页写着名字缩写 ZW", "高数下册课本"),
            ("蓝色笔记本", "第一页画着一只兔子", "蓝色的笔记本"),
            ("黑色笔袋", "里面有一支红色钢笔", "黑色笔袋，有钢笔"),
            ("Calculus textbook", "Notes in pencil on page 12", "Calculus book, 8th edition"),
        ],
    ),
    "clothes": (
        10,
        0.3,
        [
            ("灰色连帽卫衣", "袖口有一个小洞", "灰色卫衣 带帽子"),
            ("黑色双肩包", "侧袋里有一把折叠伞", "黑色双肩背包"),
            ("Navy blue scarf", "Initials stitched on one end", "dark blue scarf"),
        ],
    ),
    "bottle": (
        12,
        0.25,
        [
            ("绿色保温杯", "杯底贴着猫的贴纸", "绿色保温杯"),
            ("透明塑料水杯", "杯盖是黄色的", "透明水杯，黄盖"),
            ("Pink water bottle", "Dent near the bottom", "pink bottle"),
        ],
    ),
    "umbrella": (
        10,
        0.2,
        [
            ("蓝色折叠伞", "伞柄缠着白色胶带", "蓝色折叠雨伞"),
            ("黑色长柄伞", "伞骨有一根弯了", "黑色长伞"),
            ("Transparent umbrella", "Handle is wooden", "clear umbrella"),
        ],
    ),
    "other": (
        6,
        0.3,
        [
            ("银色手表", "表带内侧刻着字母", "银色手表"),
            ("羽毛球拍", "拍柄缠着蓝色手胶", "羽毛球拍一只"),
        ],
    ),
}
PLACES = {
    "T": ["101 教室", "二楼走廊", "三楼自习室", "一楼大厅"],
    "C": ["一楼餐桌", "二楼窗口旁", "洗手池边", "门口"],
    "D": ["楼下自行车棚", "一楼大厅", "洗衣房"],
    "A": ["一楼大厅", "电梯口"],
    "L": ["三楼自习区", "二楼阅览室", "一楼借还处", "储物柜旁"],
}
REJECTED = "回答的特征与物品不符"


def seed_history(demo: DemoData, desks: list[Desk], second: User) -> None:
    rng = random.Random(14)
    now = timezone.now()
    desk_person = demo.users["lostfound_desk"]
    categories = {c.code: c for c in Category.objects.all()}
    people = list(User.objects.filter(username__startswith="2024").order_by("pk")) or [
        demo.users["student2"],
        demo.users["teacher"],
    ]
    buildings = {
        desk.pk: [b for b in demo.buildings.values() if b.campus_id == desk.building.campus_id]
        for desk in desks
    }
    plans = [_plan(rng, now, desks, buildings, categories, people) for _ in range(FOUND)]
    plans.sort(key=lambda p: p["item"].created_at)
    _labels(plans, desks)
    stamps = [(p["item"].created_at, p["item"].updated_at) for p in plans]
    items = FoundItem.objects.bulk_create([p["item"] for p in plans], batch_size=500)
    # created_at is auto_now_add, updated_at auto_now: put the history back where it happened
    for item, (created, updated) in zip(items, stamps, strict=True):
        item.created_at, item.updated_at = created, updated
    FoundItem.objects.bulk_update(items, ["created_at", "updated_at"], batch_size=500)
    _photos(rng, plans)
    reports = _lost_reports(rng, now, plans, categories, buildings, desks, people)
    _claims(rng, plans, people, desk_person, second)
    _events(plans, desk_person, second)
    from lostfound.services.disposals import found_items_holding_sweep

    found_items_holding_sweep(now=now)
    _disposals(rng, now, desks, desk_person, second)
    _matches(rng, plans, reports)


def _plan(rng, now, desks, buildings, categories, people) -> dict:
    code = rng.choices(list(KINDS), [k[0] for k in KINDS.values()])[0]
    category = categories[code]
    _weight, returned_share, texts = KINDS[code]
    description, traits, words = rng.choice(texts)
    desk = desks[0] if rng.random() < 0.65 else desks[1]
    building = rng.choice(buildings[desk.pk])
    found_at = now - timedelta(days=rng.uniform(0.05, DAYS))
    created = min(found_at + timedelta(minutes=rng.randint(5, 240)), now)
    finder = rng.choice(people) if rng.random() < 0.6 else None
    custody = FoundItem.Custody.DESK
    if finder and not (category.is_valuable or category.is_campus_card) and rng.random() < 0.15:
        custody = FoundItem.Custody.FINDER
    owner = None
    campus_id = ""
    if category.is_campus_card:
        owner = rng.choice(people) if rng.random() < 0.7 else None
        campus_id = owner.username if owner else f"2023{rng.randint(0, 9999):04d}"
    age = now - created
    returned = age > timedelta(days=1) and rng.random() < returned_share
    if returned and owner is None:
        owner = rng.choice([p for p in people if p != finder])
    handed_at = None
    if returned:
        handed_at = min(created + timedelta(hours=rng.uniform(2, 24 * 12)), now)
    stored_at = None
    if custody == FoundItem.Custody.DESK and (finder is None or age > timedelta(hours=6)):
        stored_at = created + timedelta(minutes=rng.randint(0, 90) if finder else 0)
    if returned:
        status = FoundItem.Status.RETURNED
    elif stored_at is None:
        status = FoundItem.Status.REPORTED
    elif category.is_valuable and age < timedelta(days=1):
        status = FoundItem.Status.INTAKE_PENDING
    else:
        status = FoundItem.Status.STORED
    item = FoundItem(
        finder=finder,
        category=category,
        description=description,
        hidden_traits=traits,
        owner_campus_id=campus_id,
        owner=owner,
        building=building,
        place_text=rng.choice(PLACES[building.code[0]]),
        found_at=found_at,
        custody=custody,
        desk=desk,
        status=status,
        is_public=not category.is_campus_card,
        notice_published_at=None if category.is_campus_card else created,
        holding_until=category.holding_end(created),
        finder_wants_it=bool(finder) and not category.is_valuable and rng.random() < 0.2,
        stored_at=stored_at,
        storage_place=f"{rng.choice('ABCD')}架{rng.randint(1, 6)}层" if stored_at else "",
        created_at=created,
        updated_at=handed_at or stored_at or created,
    )
    return {"item": item, "words": words, "handed_at": handed_at, "claimant": owner}


def _labels(plans: list[dict], desks: list[Desk]) -> None:
    """Labels in the order items reached each desk, from its counter (as _next_label does)."""
    counters = {
        desk.pk: Desk.objects.values_list("next_label", flat=True).get(pk=desk.pk) for desk in desks
    }
    codes = {desk.pk: desk.code for desk in desks}
    for plan in plans:
        item = plan["item"]
        if item.stored_at:
            item.label = f"{codes[item.desk_id]}-{counters[item.desk_id]:05d}"
            counters[item.desk_id] += 1
    for desk in desks:
        Desk.objects.filter(pk=desk.pk).update(next_label=counters[desk.pk])


def placeholder_photo(category: str, rng: random.Random) -> SimpleUploadedFile:
    """A small PNG card standing in for a photo: a coloured shape on a light background."""
    color = tuple(rng.randint(60, 200) for _ in range(3))
    image = Image.new("RGB", (160, 120), (240, 238, 232))
    draw = ImageDraw.Draw(image)
    x, y = rng.randint(20, 60), rng.randint(15, 40)
    draw.rounded_rectangle((x, y, x + 80, y + 60), radius=12, fill=color)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(f"{category}.png", buffer.getvalue(), content_type="image/png")


def _photos(rng, plans: list[dict]) -> None:
    photos = []
    for plan in plans:
        item = plan["item"]
        if item.is_public and rng.random() < PHOTO_SHARE:
            image = clean_image(placeholder_photo(item.category.code, rng))
            photo = FoundItemPhoto(item=item)
            photo.image.save(image.name, image.file, save=False)
            photos.append(photo)
    FoundItemPhoto.objects.bulk_create(photos, batch_size=500)


def _lost_reports(rng, now, plans, categories, buildings, desks, people) -> list[LostReport]:
    """About half the reports are of items that were found (the owner's words, near the place
    and time); the rest were never found. Returned items' reports are found."""
    reports = []
    candidates = [p for p in plans if p["item"].is_public and p["claimant"] is not None]
    candidates += [
        p for p in plans if p["item"].is_public and p["claimant"] is None and rng.random() < 0.25
    ]
    for plan in candidates[: LOST // 2 + 10]:
        item = plan["item"]
        owner = plan["claimant"] or rng.choice([p for p in people if p != item.finder])
        plan["claimant"] = owner
        until = item.found_at - timedelta(minutes=rng.randint(0, 60))
        building = item.building if rng.random() < 0.6 else None
        report = LostReport(
            owner=owner,
            category=item.category,
            description=plan["words"],
            building=building,
            place_text="" if building else str(item.building),
            lost_from=until - timedelta(hours=rng.uniform(0.5, 8)),
            lost_until=until,
            status=(
                LostReport.Status.FOUND
                if item.status == FoundItem.Status.RETURNED
                else LostReport.Status.OPEN
            ),
        )
        report.created_at = max(
            until + timedelta(minutes=10),
            min(
                until + timedelta(hours=rng.uniform(0.5, 30)),
                plan["handed_at"] - timedelta(hours=3) if plan["handed_at"] else now,
            ),
        )
        plan["report"] = report
        reports.append(report)
    while len(reports) < LOST:
        code = rng.choices(list(KINDS), [k[0] for k in KINDS.values()])[0]
        desk = rng.choice(desks)
        until = now - timedelta(days=rng.uniform(0.1, DAYS))
        created = min(until + timedelta(hours=rng.uniform(0.5, 30)), now)
        report = LostReport(
            owner=rng.choice(people),
            category=categories[code],
            description=rng.choice(KINDS[code][2])[2],
            building=rng.choice(buildings[desk.pk]),
            lost_from=until - timedelta(hours=rng.uniform(0.5, 12)),
            lost_until=until,
            status=(
                LostReport.Status.CLOSED
                if now - created > timedelta(days=30) and rng.random() < 0.5
                else LostReport.Status.OPEN
            ),
        )
        report.created_at = created
        reports.append(report)
    created = [r.created_at for r in reports]
    LostReport.objects.bulk_create(reports, batch_size=500)
    for report, at in zip(reports, created, strict=True):
        report.created_at = report.updated_at = at
    LostReport.objects.bulk_update(reports, ["created_at", "updated_at"], batch_size=500)
    return reports


def _claims(rng, plans, people, desk_person, second) -> None:
    claims = []
    for plan in plans:
        item, at = plan["item"], plan["handed_at"]
        if at is None:
            continue
        claimant = plan["claimant"]
        if rng.random() < 0.1:  # somebody tried first and answered wrong
            wrong = rng.choice([p for p in people if p not in (claimant, item.finder)])
            claims.append(_rejected(item, wrong, at, desk_person))
        valuable = item.category.is_valuable
        by_finder = item.custody == FoundItem.Custody.FINDER
        claim = Claim(
            item=item,
            claimant=claimant,
            category=item.category,
            answers=item.hidden_traits,
            status=Claim.Status.HANDED_OVER,
            decided_by=desk_person,
            decided_at=item.created_at + (at - item.created_at) * 0.6,
            handover_code=f"{rng.randrange(10**6):06d}",
            handed_by=item.finder if by_finder else desk_person,
            second_by=second if valuable and not by_finder else None,
            handover_method="finder_code" if by_finder else rng.choice(["identity", "code"]),
            handed_over_at=at,
        )
        claim.created_at = item.created_at + (at - item.created_at) * 0.3
        claims.append(claim)
    stamps = [(c.created_at, c.decided_at) for c in claims]
    Claim.objects.bulk_create(claims, batch_size=500)
    for claim, (at, decided) in zip(claims, stamps, strict=True):
        claim.created_at, claim.updated_at = at, claim.handed_over_at or decided
    Claim.objects.bulk_update(claims, ["created_at", "updated_at"], batch_size=500)


def _rejected(item, claimant, at, desk_person) -> Claim:
    claim = Claim(
        item=item,
        claimant=claimant,
        category=item.category,
        answers="不记得了，应该是我的",
        status=Claim.Status.REJECTED,
        reason=REJECTED,
        decided_by=desk_person,
        decided_at=item.created_at + (at - item.created_at) * 0.2,
    )
    claim.created_at = item.created_at + (at - item.created_at) * 0.1
    return claim


def _events(plans, desk_person, second) -> None:
    """Each item's timeline: reported (or taken in at the desk), stored, returned."""
    events = []
    for plan in plans:
        item = plan["item"]
        if item.finder_id:
            events.append(_event(item, "reported", item.finder, item.created_at))
        if item.stored_at:
            events.append(_event(item, "intake", desk_person, item.stored_at, label=item.label))
            if item.category.is_valuable and item.status != FoundItem.Status.INTAKE_PENDING:
                when = item.stored_at + timedelta(minutes=20)
                events.append(_event(item, "intake_confirmed", second, when))
        if plan["handed_at"]:
            proof = "finder_code" if item.custody == FoundItem.Custody.FINDER else "identity"
            events.append(_event(item, "returned", desk_person, plan["handed_at"], proof=proof))
    stamps = [e.created_at for e in events]
    FoundItemEvent.objects.bulk_create(events, batch_size=500)
    for event, at in zip(events, stamps, strict=True):
        event.created_at = at
    FoundItemEvent.objects.bulk_update(events, ["created_at"], batch_size=500)
    valuables = [
        p["item"].pk
        for p in plans
        if p["item"].category.is_valuable
        and p["item"].stored_at
        and p["item"].status != FoundItem.Status.INTAKE_PENDING
    ]
    FoundItem.objects.filter(pk__in=valuables).update(
        intake_by=desk_person, intake_confirmed_by=second
    )
    others = [p["item"].pk for p in plans if p["item"].stored_at and p["item"].pk not in valuables]
    FoundItem.objects.filter(pk__in=others).update(intake_by=desk_person)


def _event(item, action, actor, at, **data) -> FoundItemEvent:
    event = FoundItemEvent(item=item, action=action, actor=actor, data=data)
    event.created_at = at
    return event


def _disposals(rng, now, desks, desk_person, second) -> None:
    """Some of the items past their holding period were disposed of (in the register), two
    await a second person; the rest are on the disposal list."""
    from lostfound.services.disposals import disposal_methods

    listed = list(
        FoundItem.objects.filter(
            desk__in=desks,
            disposal_listed_at__isnull=False,
            status=FoundItem.Status.STORED,
            finder_wants_it=False,
            claims__isnull=True,
        )
        .select_related("category")
        .order_by("holding_until", "id")
    )
    done, pending = listed[: len(listed) // 2], listed[len(listed) // 2 :][:2]
    rows = []
    for index, item in enumerate(done + pending):
        method = rng.choice(disposal_methods(item))
        approved = index < len(done)
        at = min(item.holding_until + timedelta(days=rng.randint(1, 5)), now)
        rows.append(
            Disposal(
                item=item,
                desk=item.desk,
                method=method,
                recipient={"police": "东川路派出所", "donate": "校红十字会"}.get(method, ""),
                reason="保管期满无人认领",
                status=Disposal.Status.APPROVED if approved else Disposal.Status.PROPOSED,
                proposed_by=desk_person,
                approved_by=second if approved else None,
                approved_at=at if approved else None,
            )
        )
    Disposal.objects.bulk_create(rows)
    FoundItem.objects.filter(pk__in=[i.pk for i in done]).update(status=FoundItem.Status.DISPOSED)


def _matches(rng, plans, reports) -> None:
    """The pairs the matcher proposed: claimed when the item went back to the report's owner,
    some declined, the rest still proposed."""
    rows = []
    for plan in plans:
        report = plan.get("report")
        if report is None:
            continue
        item = plan["item"]
        value = score(report, item)
        if value <= 0:
            continue
        if item.status == FoundItem.Status.RETURNED:
            status = Match.Status.CLAIMED
        else:
            status = Match.Status.DECLINED if rng.random() < 0.15 else Match.Status.PROPOSED
        rows.append(Match(lost_report=report, found_item=item, score=value, status=status))
    Match.objects.bulk_create(rows, ignore_conflicts=True)
