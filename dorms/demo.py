"""Demo data of the dorms system, registered with logistics.demo.register_demo_seeder.

A semester of notices for the demo dormitories (东区1号、2号宿舍楼), written by the demo dorm
manager through the services and then moved back in time; a planned water outage tomorrow, a
past power cut, a lift out of service this week, two past multi-day outages, a safety-education
notice that 70 % of the residents acknowledged, past notices to acknowledge with their
acknowledgements (the command centre's acknowledgement rate over the last two months), and one
draft. Made once: running `seed_demo` twice changes nothing.
"""

import random
from datetime import timedelta

from django.utils import timezone

from logistics.demo import DemoData, register_demo_seeder
from logistics.models import User

from . import services
from .models import Notice, NoticeRead
from .services import AudienceSpec

SEMESTER = [
    ("general", "开学宿舍入住须知", "请携带**学生证**办理入住，领取钥匙后检查房间设施。", 110),
    ("safety", "宿舍用电安全提醒", "严禁使用大功率电器：\n\n- 电热毯\n- 电饭煲\n- 热得快", 100),
    ("general", "宿舍楼门禁时间调整", "自下周一起，门禁时间调整为 23:30。", 90),
    ("inspection", "第一季度消防安全检查通知", "宿管将于本周三逐间检查，请配合。", 80),
    (
        "general",
        "国庆假期留校登记",
        "留校同学请在[登记表](https://example.edu.cn/stay)中填写。",
        70,
    ),
    ("general", "洗衣房设备更新", "一楼洗衣房新增 4 台洗衣机，支持扫码支付。", 55),
    ("safety", "防范电信诈骗宣传", "不要向陌生人透露验证码。", 40),
    ("general", "宿舍卫生评比结果", "东区1号楼 305 室获评“文明宿舍”。", 25),
    ("general", "期末宿舍安静时段", "考试周 22:00 后请保持安静。", 10),
]


def _publish(manager, buildings, *, reason="", **data) -> Notice:
    data.setdefault("body", "")
    notice = services.notice_save(
        by=manager, data=data, audience=AudienceSpec(audience="buildings", buildings=buildings)
    )
    return services.notice_publish(notice=notice, by=manager, lead_time_reason=reason)


def _backdate(notice: Notice, days: int) -> None:
    when = timezone.now() - timedelta(days=days)
    Notice.objects.filter(pk=notice.pk).update(published_at=when, created_at=when)


def seed_dorms(demo: DemoData) -> None:
    if Notice.objects.exists():
        return
    manager = demo.users["dorm_manager"]
    buildings = [demo.buildings["MH-D1"], demo.buildings["MH-D2"]]
    for kind, title, body, days in SEMESTER:
        _backdate(_publish(manager, buildings, kind=kind, title=title, body=body), days)
    seed_outages(manager, buildings)
    seed_outage_history(manager, buildings)
    seed_safety_notice(manager, buildings)
    seed_acknowledgement_history(manager, buildings)
    services.notice_save(
        by=manager,
        data={"title": "寒假离校安全检查（草稿）", "body": "离校前请关闭水电。"},
        audience=AudienceSpec(audience="buildings", buildings=buildings),
    )


def seed_outages(manager, buildings) -> None:
    """A planned water stoppage tomorrow morning and a power cut a month ago."""
    now = timezone.localtime()
    tomorrow = (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    _publish(
        manager,
        buildings[:1],
        kind="outage",
        utility="water",
        title="东区1号宿舍楼明日停水",
        body="因二次供水水箱清洗，明日 9:00–13:00 停水，请提前储水。",
        starts_at=tomorrow,
        ends_at=tomorrow + timedelta(hours=4),
        valid_until=tomorrow + timedelta(hours=4),
        reason="供水公司临时通知清洗水箱",
    )
    past = now - timedelta(days=30)
    cut = _publish(
        manager,
        buildings,
        kind="outage",
        utility="power",
        title="东区宿舍楼配电检修停电",
        body="配电房检修，停电 4 小时。",
        starts_at=now + timedelta(days=8),
        ends_at=now + timedelta(days=8, hours=4),
        valid_until=now + timedelta(days=8, hours=4),
    )
    Notice.objects.filter(pk=cut.pk).update(
        starts_at=past,
        ends_at=past + timedelta(hours=4),
        valid_until=past + timedelta(hours=4),
        published_at=past - timedelta(days=8),
    )


# (utility, title, body, building index or None for both, started days ago, lasts days)
OUTAGE_HISTORY = [
    ("network", "东区宿舍楼网络设备升级", "核心交换机更换，网络中断两天。", None, 45, 2),
    ("heating", "东区2号宿舍楼暖气管道维修", "暖气管道漏水抢修，停暖三天。", 1, 20, 3),
    ("lift", "东区2号宿舍楼电梯更换", "电梯整机更换，停用五天，请走楼梯。", 1, 2, 5),
]


def seed_outage_history(manager, buildings) -> None:
    """Outages of several days: two past ones and a lift out of service this week."""
    now = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    for utility, title, body, index, days_ago, days in OUTAGE_HISTORY:
        starts = now - timedelta(days=days_ago)
        ends = starts + timedelta(days=days)
        notice = _publish(
            manager,
            buildings if index is None else [buildings[index]],
            kind="outage",
            utility=utility,
            title=title,
            body=body,
            starts_at=now + timedelta(days=8),
            ends_at=now + timedelta(days=8 + days),
            valid_until=now + timedelta(days=8 + days),
        )
        Notice.objects.filter(pk=notice.pk).update(
            starts_at=starts,
            ends_at=ends,
            valid_until=ends,
            published_at=starts - timedelta(days=3),
            created_at=starts - timedelta(days=3),
        )


# (title, published days ago, share of the residents who acknowledged by the deadline)
ACKNOWLEDGED = [
    ("新学期宿舍安全承诺书（请确认）", 58, 0.92),
    ("宿舍用电安全须知（请确认）", 47, 0.85),
    ("防汛防台风安全提示（请确认）", 36, 0.66),
    ("宿舍消防疏散演练通知（请确认）", 26, 0.78),
    ("冬季用电用火安全须知（请确认）", 16, 0.88),
    ("宿舍楼门禁系统升级须知（请确认）", 9, 0.74),
]
ACK_DAYS = 5  # from publication to the deadline


def seed_acknowledgement_history(manager, buildings) -> None:
    """Past notices to acknowledge, each acknowledged by a share of the residents before its
    deadline and by a few after it; the reminders and missing lists count as sent."""
    rng = random.Random(16)
    residents = list(
        User.objects.filter(dorm_room__building__in=buildings, is_active=True).order_by("pk")
    )
    for title, days_ago, share in ACKNOWLEDGED:
        notice = _publish(
            manager,
            buildings,
            kind="safety",
            title=title,
            body="请阅读并点击“已阅并确认”。",
            requires_ack=True,
            ack_deadline=timezone.now() + timedelta(days=ACK_DAYS),
        )
        published = timezone.now() - timedelta(days=days_ago)
        deadline = published + timedelta(days=ACK_DAYS)
        Notice.objects.filter(pk=notice.pk).update(
            published_at=published,
            created_at=published,
            ack_deadline=deadline,
            ack_reminded_at=deadline - timedelta(days=1),
            ack_reported_at=deadline,
        )
        reads = []
        for resident in residents:
            if rng.random() < share:
                at = published + timedelta(hours=rng.uniform(1, ACK_DAYS * 24 - 1))
            elif rng.random() < 0.3:
                at = deadline + timedelta(hours=rng.uniform(1, 48))  # late
            else:
                continue
            reads.append(NoticeRead(notice=notice, user=resident, read_at=at, acknowledged_at=at))
        NoticeRead.objects.bulk_create(reads)


def seed_safety_notice(manager, buildings) -> None:
    """A safety-education notice 70 % of the residents acknowledged."""
    notice = _publish(
        manager,
        buildings,
        kind="safety",
        title="宿舍消防安全教育（请确认）",
        body="请阅读附后的消防安全须知，并点击“已阅并确认”。",
        requires_ack=True,
        ack_deadline=timezone.now() + timedelta(days=7),
    )
    residents = list(
        User.objects.filter(dorm_room__building__in=buildings, is_active=True).order_by("pk")
    )
    share = round(len(residents) * 0.7)
    # the demo student still has it to do
    acknowledging = [r for r in residents if r.username != "student"][:share]
    for resident in acknowledging:
        services.notice_acknowledge(notice=notice, user=resident)


register_demo_seeder(40, seed_dorms)


def seed_dorm_inspections(demo: DemoData) -> None:
    from .inspections.demo import seed_inspections

    seed_inspections(demo)


register_demo_seeder(41, seed_dorm_inspections)
