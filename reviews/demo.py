"""Demo data of the reviews system: reviews of the seeded repairs and dishes, follow-ups of the
low scores, complaints and suggestions in every state, and the satisfaction index rows.

Runs after the repairs (20) and dining (30) seeders. Reviews go through the services (the
repairs' copy, follow-ups and notifications happen as in real life), then their times are moved
back to when they would have been written. Deterministic (seeded random); once there are dish
reviews it does nothing, so running `seed_demo` twice changes nothing.
"""

import datetime
import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import F
from django.utils import timezone

from dining import reviews as dish_reviews
from dining.models import MenuItem
from logistics.demo import DemoData, register_demo_seeder
from logistics.models import OutboxMessage, User
from logistics.roles import Role
from repairs import reviews as repair_reviews
from repairs.models import RepairEvent, RepairRequest

from .models import Complaint, ComplaintEntry, FollowUp, Invitation, Review, ServiceEvent, Subject
from .services import review_create

SEED = 5
REVIEWED_SHARE = 0.7  # of the finished repairs
STARS = {5: 9, 4: 6, 3: 2, 2: 1, 1: 1}  # skewed good, a few low ones (follow-ups)
DISH_DAYS = 14
REPAIR_COMMENTS = ["", "", "师傅很准时", "修得很快，谢谢", "态度很好", "等了好几天才来"]
LOW_COMMENTS = ["修完第二天又坏了", "约好的时间没来", "师傅态度不好"]
DISH_COMMENTS = ["", "", "好吃", "分量足", "有点咸", "性价比高", "今天的比上周淡"]


def seed_reviews(demo: DemoData) -> None:
    if ServiceEvent.objects.filter(event_type=dish_reviews.EVENT_TYPE).exists():
        return  # seeded before
    rng, now = random.Random(SEED), timezone.now()
    seed_repair_reviews(rng, now)
    seed_dish_reviews(rng, now)
    seed_follow_up_outcomes(demo, now)
    seed_complaints(demo)
    # A made-up history: its e-mails and webhook calls must never go out.
    OutboxMessage.objects.filter(created_at__gte=now).delete()
    _aggregate(now)


register_demo_seeder(50, seed_reviews)


def _stars(rng) -> int:
    return rng.choices(list(STARS), weights=list(STARS.values()))[0]


def _scores(rng, keys, stars: int) -> dict:
    return {key: min(5, max(1, stars + rng.choice([-1, 0, 0, 1]))) for key in keys}


# --- Repairs ------------------------------------------------------------------------------------


def seed_repair_reviews(rng, now) -> None:
    """Events at the repairs' completion times; ~70 % of finished repairs reviewed."""
    finished = list(
        RepairRequest.objects.filter(status__in=["completed", "confirmed", "closed"])
        .select_related("requester", "category", "assignee", "team")
        .order_by("pk")
    )
    events = {}
    for repair in finished:
        event = repair_reviews.repair_event(repair)
        ServiceEvent.objects.filter(pk=event.pk).update(occurred_at=repair.completed_at)
        events[repair.pk] = event
    rated = {r.pk for r in finished if r.rating is not None}
    wanted = max(0, round(REVIEWED_SHARE * len(finished)) - len(rated))
    unrated = [r for r in finished if r.pk not in rated]
    for repair in rng.sample(unrated, min(wanted, len(unrated))):
        stars = _stars(rng)
        review_create(
            event=events[repair.pk],
            by=repair.requester,
            stars=stars,
            scores=_scores(rng, ["speed", "quality", "attitude"], stars),
            comment=rng.choice(LOW_COMMENTS if stars <= 2 else REPAIR_COMMENTS),
            anonymous=rng.random() < 0.15,
        )
    for repair in finished:
        _repair_times(repair, events[repair.pk], rng, now)


def _repair_times(repair, event, rng, now) -> None:
    """Moves the review (and its timeline entry, copy, follow-up) to after the completion."""
    _invitation_times(event, repair.completed_at, now)
    review = Review.objects.filter(event=event).first()
    if review is None:
        return
    written = min(
        (repair.confirmed_at or repair.completed_at) + timedelta(hours=rng.uniform(0.2, 30)),
        now - timedelta(minutes=10),
    )
    scores = review.scores or _scores(rng, ["speed", "quality", "attitude"], review.stars)
    _move_review(review, written, scores=scores)
    RepairRequest.objects.filter(pk=repair.pk).update(rated_at=written)
    RepairEvent.objects.filter(request_id=repair.pk, action="rated").update(created_at=written)


def _move_review(review, written, *, scores=None) -> None:
    Review.objects.filter(pk=review.pk).update(
        created_at=written,
        updated_at=written,
        editable_until=written + timedelta(days=settings.REVIEWS_EDIT_DAYS),
        scores=scores if scores is not None else review.scores,
    )
    FollowUp.objects.filter(review=review).update(created_at=written)
    Invitation.objects.filter(event_id=review.event_id).update(answered_at=written)


def _invitation_times(event, occurred_at, now) -> None:
    send_at = occurred_at + timedelta(minutes=settings.REVIEWS_INVITE_DELAY_MINUTES)
    remind_at = send_at + timedelta(days=settings.REVIEWS_REMINDER_DAYS)
    Invitation.objects.filter(event=event).update(
        send_at=send_at,
        sent_at=send_at if send_at <= now else None,
        remind_at=remind_at,
        reminded_at=remind_at if remind_at <= now else None,
        expires_at=occurred_at + timedelta(days=settings.REVIEWS_INVITATION_DAYS),
    )


# --- Dishes -------------------------------------------------------------------------------------


def _eaters() -> list[User]:
    groups = Group.objects.filter(name__in=[Role.STUDENT, Role.TEACHER])
    return list(User.objects.filter(groups__in=groups).distinct().order_by("pk"))


def seed_dish_reviews(rng, now) -> None:
    """Some eaters rate some of each day's dishes over the last two weeks."""
    eaters = _eaters()
    today = timezone.localdate()
    items = (
        MenuItem.objects.filter(
            menu__status="published",
            menu__date__range=(today - timedelta(days=DISH_DAYS - 1), today),
        )
        .select_related("dish__canteen__department", "dish__category", "menu")
        .order_by("menu__date", "menu_id", "id")
    )
    by_day: dict = {}
    for item in items:
        by_day.setdefault(item.menu.date, {})[item.dish_id] = item.dish
    for day, dishes in sorted(by_day.items()):
        for dish in rng.sample(sorted(dishes.values(), key=lambda d: d.pk), min(6, len(dishes))):
            for eater in rng.sample(eaters, min(len(eaters), rng.randint(1, 3))):
                _dish_review(dish, day, eater, rng, now)


def _dish_review(dish, day, eater, rng, now) -> None:
    event = dish_reviews.dish_event_record(dish=dish, date=day, by=eater, today=day)
    if hasattr(event, "review"):
        return
    stars = _stars(rng)
    review = review_create(
        event=event,
        by=eater,
        stars=stars,
        scores=_scores(rng, ["taste", "portion", "value"], stars),
        comment=rng.choice(DISH_COMMENTS),
        anonymous=rng.random() < 0.3,
    )
    meal_end = datetime.datetime.combine(
        day, datetime.time(13), tzinfo=timezone.get_current_timezone()
    )
    _move_review(review, min(meal_end + timedelta(hours=rng.uniform(0, 8)), now))


# --- Follow-ups and complaints ------------------------------------------------------------------


def seed_follow_up_outcomes(demo: DemoData, now) -> None:
    """Follow-ups older than three days were called back; the recent ones are still open."""
    dispatcher = demo.users.get("repair_dispatcher")
    FollowUp.objects.filter(created_at__lt=now - timedelta(days=3)).update(
        status=FollowUp.Status.DONE,
        note="已电话回访，安排师傅复查并道歉。",
        done_at=F("created_at") + timedelta(days=1),
        done_by=dispatcher,
    )


COMPLAINTS = [
    # (kind, subject kind, title, body, days ago, steps)
    (
        "complaint",
        "dish",
        "红烧肉太贵",
        "同样的分量比上个月贵了两块。",
        12,
        ["ack", "resolve", "close"],
    ),
    (
        "complaint",
        "unit",
        "报修三天没人来",
        "宿舍水龙头漏水，报修后三天没有人联系。",
        9,
        ["ack", "resolve"],
    ),
    (
        "suggestion",
        "canteen",
        "希望晚餐延长到八点",
        "晚上有实验，经常赶不上晚饭。",
        20,
        ["ack", "resolve", "close"],
    ),
    ("complaint", "dish", "米饭夹生", "今天午饭的米饭是夹生的。", 2, ["ack"]),
    ("suggestion", "unit", "报修能否预约具体时间", "希望可以选择上门的具体时间段。", 1, []),
    ("complaint", "canteen", "餐桌不干净", "二楼的餐桌中午一直没人擦。", 5, ["withdraw"]),
]


def _complaint_subject(kind: str) -> Subject | None:
    return Subject.objects.filter(kind=kind).order_by("pk").first()


def seed_complaints(demo: DemoData) -> None:
    from .complaints import services as complaints  # noqa: PLC0415 (another part of reviews)

    manager = demo.users["logistics_manager"]
    authors = [demo.users["student"], demo.users["student2"], demo.users["teacher"]]
    for n, (kind, about, title, body, days_ago, steps) in enumerate(COMPLAINTS):
        subject = _complaint_subject(about)
        author = authors[n % len(authors)]
        complaint = complaints.complaint_create(
            author=author,
            kind=kind,
            title=title,
            body=body,
            subject=subject,
            department=subject.department if subject else demo.departments["LOGI"],
            public_ok=kind == "suggestion",
        )
        _complaint_steps(complaints, complaint, steps, author, manager)
        _complaint_back_in_time(complaint, timedelta(days=days_ago))
        _complaint_spread_steps(complaint)


def _complaint_steps(complaints, complaint, steps, author, manager) -> None:
    for step in steps:
        complaint.refresh_from_db()
        if step == "ack":
            complaints.complaint_acknowledge(
                complaint=complaint, by=manager, note="已收到，正在核实。"
            )
        elif step == "resolve":
            complaints.complaint_resolve(
                complaint=complaint, by=manager, note="已与相关部门沟通并整改。", public=True
            )
        elif step == "close":
            complaints.complaint_confirm(complaint=complaint, by=author, satisfaction=4)
        elif step == "withdraw":
            complaints.complaint_withdraw(complaint=complaint, by=author, reason="已经解决了")


def _complaint_back_in_time(complaint, delta) -> None:
    # Every time of it moves by the same span (NULLs stay NULL), so the deadlines still hold.
    fields = [
        "created_at",
        "updated_at",
        "acknowledge_due_at",
        "resolve_due_at",
        "acknowledged_at",
        "resolved_at",
        "closed_at",
        "escalated_at",
    ]
    Complaint.objects.filter(pk=complaint.pk).update(**{f: F(f) - delta for f in fields})
    ComplaintEntry.objects.filter(complaint=complaint).update(created_at=F("created_at") - delta)


# Hours after filing at which each demo step happened: a history a person would have lived.
STEP_HOURS = {"acknowledged": 3, "resolved": 26, "confirmed": 40, "withdrawn": 20}
STEP_FIELDS = {
    "acknowledged": "acknowledged_at",
    "resolved": "resolved_at",
    "confirmed": "closed_at",
    "withdrawn": "closed_at",
}


def _complaint_spread_steps(complaint) -> None:
    """The steps ran a moment apart when seeded; spread them over the following hours (never
    past now), so the timeline reads like a real one."""
    complaint.refresh_from_db()
    now = timezone.now()
    changed = {}
    for entry in complaint.entries.filter(action__in=STEP_HOURS):
        moment = min(complaint.created_at + timedelta(hours=STEP_HOURS[entry.action]), now)
        ComplaintEntry.objects.filter(pk=entry.pk).update(created_at=moment)
        if entry.action in STEP_FIELDS:
            changed[STEP_FIELDS[entry.action]] = moment
    if changed:
        latest = max(changed.values())
        Complaint.objects.filter(pk=complaint.pk).update(updated_at=latest, **changed)


# --- Indices ------------------------------------------------------------------------------------


def _aggregate(now) -> None:
    try:
        from .indices.aggregate import aggregate_range  # noqa: PLC0415
    except ImportError:  # the index part is not installed: beat fills the rows later
        return
    first = Review.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if first is None:
        return
    aggregate_range(first=timezone.localdate(first), last=timezone.localdate(now))
