"""The notice services: drafts, audience scope, publishing, lead times, corrections, reads."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dorms import errors, services
from dorms.models import Notice, NoticeDelivery, NoticeRead
from dorms.services import AudienceSpec
from logistics import workflow
from logistics.models import Notification
from logistics.roles import Role
from tests.dorms.factories import (
    NoticeFactory,
    dorm_manager_of,
    published,
    resident_of,
    water_outage,
)
from tests.logistics.factories import (
    BuildingFactory,
    DepartmentFactory,
    RoomFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def building():
    return BuildingFactory(code="E1", name="东区1号楼")


@pytest.fixture
def other_building(building):
    return BuildingFactory(campus=building.campus, code="E9", name="东区9号楼")


@pytest.fixture
def dorm_manager(building):
    return dorm_manager_of(building)


def _draft(by, buildings, **data):
    data.setdefault("title", "停水通知")
    data.setdefault("body", "明天停水。")
    return services.notice_save(
        by=by, data=data, audience=AudienceSpec(audience="buildings", buildings=buildings)
    )


def test_it_saves_a_draft_addressed_to_the_managers_building(dorm_manager, building):
    notice = _draft(dorm_manager, [building])
    assert notice.status == Notice.Status.DRAFT
    assert notice.campus == building.campus
    assert [t.building for t in notice.targets.all()] == [building]


def test_it_refuses_a_building_outside_the_managers_scope(dorm_manager, other_building):
    with pytest.raises(errors.OutOfScope):
        _draft(dorm_manager, [other_building])


def test_it_refuses_the_whole_campus_to_a_dorm_manager(dorm_manager, building):
    spec = AudienceSpec(audience="campus", campus=building.campus)
    with pytest.raises(errors.OutOfScope):
        services.notice_save(by=dorm_manager, data={"title": "x"}, audience=spec)


def test_it_lets_a_logistics_manager_address_a_role(manager):
    spec = AudienceSpec(audience="roles", roles=["student"])
    notice = services.notice_save(by=manager, data={"title": "全体学生"}, audience=spec)
    assert notice.targets.get().role == "student"


def test_it_refuses_a_student(student, building):
    with pytest.raises(workflow.NotAllowed):
        _draft(student, [building])


def test_it_publishes_now_and_queues_the_delivery(
    dorm_manager, building, django_capture_on_commit_callbacks
):
    notice = _draft(dorm_manager, [building])
    with django_capture_on_commit_callbacks() as callbacks:
        services.notice_publish(notice=notice, by=dorm_manager)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED and notice.published_at
    assert NoticeDelivery.objects.filter(notice=notice, status="pending").exists()
    assert len(callbacks) == 1


def test_it_schedules_a_notice_with_a_future_publish_time(dorm_manager, building):
    notice = _draft(dorm_manager, [building], publish_at=timezone.now() + timedelta(hours=2))
    services.notice_publish(notice=notice, by=dorm_manager)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SCHEDULED
    assert services.notices_release_due() == 0
    later = timezone.now() + timedelta(hours=3)
    assert services.notices_release_due(now=later) == 1
    assert services.notices_release_due(now=later) == 0  # twice: nothing twice
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED


def _outage(by, building, *, utility="water", starts_in=timedelta(hours=20), unplanned=False):
    now = timezone.now()
    return _draft(
        by,
        [building],
        kind="outage",
        utility=utility,
        starts_at=now + starts_in,
        ends_at=now + starts_in + timedelta(hours=4),
        valid_until=now + starts_in + timedelta(hours=4),
        unplanned=unplanned,
    )


def test_it_warns_of_a_water_stoppage_with_less_than_24_hours_notice(dorm_manager, building):
    notice = _outage(dorm_manager, building)
    with pytest.raises(errors.LeadTimeWarning) as raised:
        services.notice_publish(notice=notice, by=dorm_manager)
    assert "24" in str(raised.value.message)
    assert "lead_time_reason" in raised.value.fields
    services.notice_publish(notice=notice, by=dorm_manager, lead_time_reason="水管爆裂需抢修")
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED
    assert notice.lead_time_reason == "水管爆裂需抢修"


def test_it_asks_seven_days_for_a_power_cut(dorm_manager, building):
    notice = _outage(dorm_manager, building, utility="power", starts_in=timedelta(days=6))
    with pytest.raises(errors.LeadTimeWarning):
        services.notice_publish(notice=notice, by=dorm_manager)
    enough = _outage(dorm_manager, building, utility="power", starts_in=timedelta(days=8))
    services.notice_publish(notice=enough, by=dorm_manager)


def test_it_lets_an_emergency_repair_be_announced_while_it_happens(dorm_manager, building):
    notice = _outage(dorm_manager, building, starts_in=timedelta(hours=-1), unplanned=True)
    services.notice_publish(notice=notice, by=dorm_manager)
    notice.refresh_from_db()
    assert notice.is_active_outage


@pytest.mark.parametrize(
    "data", [{"kind": "emergency"}, {"kind": "outage", "utility": "water"}], ids=lambda d: d["kind"]
)
def test_it_requires_valid_until_for_emergencies_and_outages(dorm_manager, building, data):
    notice = _draft(dorm_manager, [building], **data)
    with pytest.raises(workflow.InvalidInput) as raised:
        services.notice_publish(notice=notice, by=dorm_manager)
    assert "valid_until" in raised.value.fields


def test_it_freezes_a_published_notice(dorm_manager, building):
    notice = _draft(dorm_manager, [building])
    services.notice_publish(notice=notice, by=dorm_manager)
    with pytest.raises(errors.NoticeFrozen):
        services.notice_save(
            by=dorm_manager,
            notice=notice,
            data={"title": "改了"},
            audience=AudienceSpec(audience="buildings", buildings=[building]),
        )


def test_a_correction_is_a_new_notice_that_references_the_old_one(dorm_manager, building):
    notice = _draft(dorm_manager, [building])
    services.notice_publish(notice=notice, by=dorm_manager)
    correction = services.notice_correct(
        notice=notice, by=dorm_manager, title="停水时间更正", body="改为后天。"
    )
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SUPERSEDED
    assert notice.title == "停水通知"
    assert correction.corrects == notice and correction.status == Notice.Status.PUBLISHED
    assert [t.building for t in correction.targets.all()] == [building]


def test_another_manager_cannot_publish_a_notice_outside_their_scope(building, other_building):
    owner = dorm_manager_of(building)
    stranger = dorm_manager_of(other_building, username="dm2002")
    notice = _draft(owner, [building])
    with pytest.raises(workflow.NotAllowed):
        services.notice_publish(notice=notice, by=stranger)


def test_it_records_one_read_and_one_acknowledgement(building):
    resident = resident_of(RoomFactory(building=building), "s1")
    notice = published(buildings=[building], kind="safety", requires_ack=True)
    services.notice_mark_read(notice=notice, user=resident)
    services.notice_mark_read(notice=notice, user=resident)
    services.notice_acknowledge(notice=notice, user=resident)
    with pytest.raises(errors.AlreadyAcknowledged):
        services.notice_acknowledge(notice=notice, user=resident)
    assert NoticeRead.objects.filter(notice=notice).count() == 1


def test_only_the_audience_may_acknowledge(building, other_student):
    notice = published(buildings=[building], kind="safety", requires_ack=True)
    with pytest.raises(errors.NotAddressed):
        services.notice_acknowledge(notice=notice, user=other_student)


# --- delivery -----------------------------------------------------------------------------------


def _delivery(notice):
    return NoticeDelivery.objects.create(notice=notice)


def test_it_delivers_in_batches_and_never_twice(building):
    rooms = [RoomFactory(building=building, floor=1 + i % 3) for i in range(5)]
    residents = [resident_of(room, f"s{i}") for i, room in enumerate(rooms)]
    outsider = resident_of(RoomFactory(), "s-out")
    notice = published(buildings=[building], kind="general")
    delivery = _delivery(notice)
    assert services.notice_deliver_batch(delivery_id=delivery.pk, batch_size=2)
    assert services.notice_deliver_batch(delivery_id=delivery.pk, batch_size=2)
    assert not services.notice_deliver_batch(delivery_id=delivery.pk, batch_size=2)
    assert not services.notice_deliver_batch(delivery_id=delivery.pk, batch_size=2)
    got = set(
        Notification.objects.filter(kind="dorms.notice.general").values_list(
            "recipient_id", flat=True
        )
    )
    assert got == {r.pk for r in residents}
    assert outsider.pk not in got
    delivery.refresh_from_db()
    assert delivery.status == "done" and delivery.delivered == 5


def test_general_notices_push_at_most_once_an_hour_but_emergencies_always(building):
    resident = resident_of(RoomFactory(building=building), "s1")
    first = published(buildings=[building])
    second = published(buildings=[building])
    emergency = published(buildings=[building], kind="emergency")
    for notice in (first, second, emergency):
        services.notice_deliver_batch(delivery_id=_delivery(notice).pk)
    pushed = dict(NoticeDelivery.objects.values_list("notice_id", "pushed"))
    assert pushed == {first.pk: 1, second.pk: 0, emergency.pk: 1}
    assert Notification.objects.filter(recipient=resident).count() == 3


def test_a_floor_audience_reaches_only_that_floor(building):
    upstairs = resident_of(RoomFactory(building=building, floor=3), "s3")
    resident_of(RoomFactory(building=building, floor=1), "s1")
    notice = NoticeFactory(status="published", published_at=timezone.now(), audience="floors")
    notice.targets.create(building=building, floor=3)
    services.notice_deliver_batch(delivery_id=_delivery(notice).pk)
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [upstairs.pk]


@pytest.mark.parametrize(
    ("audience", "target", "reached"),
    [
        ("roles", {"role": "teacher"}, {"teacher"}),
        ("departments", {"department": "office"}, {"teacher"}),
        ("campus", {}, {"teacher", "resident"}),
    ],
)
def test_a_role_department_or_campus_audience_reaches_exactly_its_people(
    building, audience, target, reached
):
    office = DepartmentFactory(code="HQ", campus=building.campus)
    people = {
        "teacher": UserFactory(username="t1", roles=[Role.TEACHER], department=office),
        "resident": resident_of(RoomFactory(building=building), "s1"),
    }
    resident_of(RoomFactory(building=BuildingFactory(code="W1")), "s2")  # another campus
    UserFactory(username="t2", roles=[Role.STUDENT], department=DepartmentFactory(code="X"))
    notice = published(campus=building.campus, audience=audience)
    notice.targets.create(**{k: office if v == "office" else v for k, v in target.items()})
    services.notice_deliver_batch(delivery_id=_delivery(notice).pk)
    got = set(Notification.objects.values_list("recipient_id", flat=True))
    assert got == {people[name].pk for name in reached}


def test_it_counts_an_avoided_report_once(building, student):
    outage = water_outage([building])
    services.outage_report_avoided(notice=outage, user=student)
    services.outage_report_avoided(notice=outage, user=student)
    assert outage.avoided_reports.count() == 1


def test_the_group_bots_hear_of_a_notice_once_and_residents_get_mail(building):
    from logistics.models import OutboxMessage, WebhookEndpoint

    WebhookEndpoint.objects.create(name="楼群", url="https://bot.example.cn/hook", secret="s")
    for index in range(3):
        resident_of(RoomFactory(building=building), f"s{index}")
    notice = published(buildings=[building], kind="general")
    delivery = _delivery(notice)
    while services.notice_deliver_batch(delivery_id=delivery.pk, batch_size=1):
        pass
    channels = list(OutboxMessage.objects.values_list("channel", flat=True))
    assert sorted(channels) == ["email", "email", "email", "webhook"]


def test_an_outage_is_pushed_even_right_after_a_general_notice(building):
    resident_of(RoomFactory(building=building), "s1")
    general = published(buildings=[building])
    outage = water_outage([building], starts_in=timedelta(hours=30))
    later = published(buildings=[building])
    for notice in (general, outage, later):
        services.notice_deliver_batch(delivery_id=_delivery(notice).pk)
    pushed = dict(NoticeDelivery.objects.values_list("notice_id", "pushed"))
    assert pushed == {general.pk: 1, outage.pk: 1, later.pk: 0}
