"""The legal clock (民法典 Art. 318): the holding period per category, the beat sweep that lists
items past it and reminds their desk, disposals approved by a second desk person, the register
and its export. Dates are fixed; the sweep takes its `now`."""

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from logistics.models import Notification
from logistics.workflow import InvalidInput, NotAllowed
from lostfound import services
from lostfound.errors import ClaimOpen, HoldingNotOver, SecondPersonRequired
from lostfound.models import Claim, Disposal, FoundItem, one_year_after
from lostfound.services.disposals import (
    disposal_approve,
    disposal_cancel,
    disposal_methods,
    disposal_propose,
    found_items_holding_sweep,
)
from tests.lostfound.factories import FoundItemFactory, category

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def past_holding(desk, code="umbrella", **fields) -> FoundItem:
    """A stored item whose notice went up on 2026-01-02 and whose holding period is over."""
    values = {
        "category": category(code),
        "desk": desk,
        "status": FoundItem.Status.STORED,
        "label": "",
        "notice_published_at": at(2026, 1, 2, 9, 30),
        "holding_until": at(2026, 3, 3, 9, 30),
    }
    return FoundItemFactory(**(values | fields))


def test_it_starts_the_holding_period_with_the_notice(student, desk):
    umbrella = category("umbrella")
    umbrella.holding_days = 60
    umbrella.save()
    item = services.found_item_report(
        finder=student,
        category=umbrella,
        description="蓝色折叠伞",
        found_at=timezone.now() - timedelta(hours=1),
        desk=desk,
        place_text="教学楼",
        finder_wants_it=True,
    )
    assert item.notice_published_at is not None
    assert item.holding_until == item.notice_published_at + timedelta(days=60)
    assert item.finder_wants_it


def test_perishables_are_held_a_day_and_cards_from_their_report(student, desk, desk_staff):
    food = category("food")
    food.holding_days = 1
    food.save()
    item = services.found_item_intake(
        by=desk_staff,
        desk=desk,
        category=food,
        description="一盒饭团",
        found_at=timezone.now() - timedelta(hours=1),
        place_text="食堂",
    )
    assert item.holding_until == item.notice_published_at + timedelta(hours=24)
    card = services.found_item_report(
        finder=student,
        category=category("card"),
        description="校园卡",
        found_at=timezone.now() - timedelta(hours=1),
        desk=desk,
        place_text="食堂",
        finder_wants_it=True,
    )
    assert card.notice_published_at is None and card.state_property_on is None
    assert card.holding_until is not None
    assert not card.finder_wants_it  # valuables and documents never go back to the finder


def test_the_state_owns_it_one_year_after_the_notice():
    assert one_year_after(date(2026, 3, 1)) == date(2027, 3, 1)
    assert one_year_after(date(2028, 2, 29)) == date(2029, 2, 28)
    # Published 2026-12-31 23:30 in Shanghai (15:30 UTC): the local date counts.
    item = FoundItem(notice_published_at=at(2026, 12, 31, 23, 30))
    assert item.state_property_on == date(2027, 12, 31)


def test_the_sweep_lists_items_past_their_holding_period_once(desk, desk_staff, second_desk_staff):
    due = past_holding(desk, holding_until=at(2026, 1, 10, 8, 0))
    later = past_holding(desk, holding_until=at(2026, 3, 1, 8, 0))
    returned = past_holding(desk, holding_until=at(2026, 1, 5), status=FoundItem.Status.RETURNED)

    assert found_items_holding_sweep(now=at(2026, 2, 1, 3, 0)) == 1
    due.refresh_from_db()
    assert due.disposal_listed_at == at(2026, 2, 1, 3, 0)
    assert due.events.filter(action="holding_ended").count() == 1
    reminders = Notification.objects.filter(kind="lostfound.disposal_due")
    assert sorted(n.recipient.username for n in reminders) == ["lf1001", "lf1002"]
    assert reminders.first().url == reverse("lostfound:disposals")

    # Run again (beat twice, or a retry): nothing listed again, nobody told again.
    assert found_items_holding_sweep(now=at(2026, 2, 1, 4, 0)) == 0
    assert reminders.count() == 2
    assert found_items_holding_sweep(now=at(2026, 3, 2)) == 1
    later.refresh_from_db()
    returned.refresh_from_db()
    assert later.disposal_listed_at is not None and returned.disposal_listed_at is None


def test_beat_runs_the_sweep():
    entry = settings.CELERY_BEAT_SCHEDULE["lostfound-holding-sweep"]
    assert entry["task"] == "lostfound.tasks.bulk_holding_sweep"
    from lostfound.tasks import bulk_holding_sweep

    assert bulk_holding_sweep.name == entry["task"]


def test_a_disposal_needs_a_second_desk_person(desk, desk_staff, second_desk_staff, student):
    item = past_holding(desk, finder=student, finder_wants_it=True)
    assert disposal_methods(item) == ["finder", "donate", "destroy"]
    disposal = disposal_propose(
        item=item, by=desk_staff, method="finder", reason="无人认领，拾得人要求归还"
    )
    assert Notification.objects.filter(
        recipient=second_desk_staff, kind="lostfound.disposal_proposed"
    ).exists()
    with pytest.raises(SecondPersonRequired):
        disposal_approve(disposal=disposal, by=desk_staff)
    disposal_approve(disposal=disposal, by=second_desk_staff)
    disposal.refresh_from_db()
    item.refresh_from_db()
    assert item.status == FoundItem.Status.DISPOSED
    assert (disposal.status, disposal.proposed_by, disposal.approved_by) == (
        "approved",
        desk_staff,
        second_desk_staff,
    )
    assert disposal.approved_at is not None
    assert Notification.objects.filter(recipient=student, kind="lostfound.disposal_finder").exists()
    assert [e.action for e in item.events.all()][-2:] == ["disposal_proposed", "disposed"]


def test_valuables_and_documents_go_to_the_police(desk, desk_staff):
    phone = past_holding(desk, "phone")
    assert disposal_methods(phone) == ["police"]
    with pytest.raises(InvalidInput) as error:
        disposal_propose(item=phone, by=desk_staff, method="donate", reason="无人认领")
    assert "method" in error.value.fields
    disposal = disposal_propose(
        item=phone, by=desk_staff, method="police", reason="无人认领", recipient="闵行派出所"
    )
    assert disposal.recipient == "闵行派出所"


def test_it_refuses_a_disposal_before_the_end_or_with_an_open_claim(
    desk, desk_staff, other_desk_staff, other_student
):
    early = past_holding(desk, holding_until=timezone.now() + timedelta(days=3))
    with pytest.raises(HoldingNotOver):
        disposal_propose(item=early, by=desk_staff, method="destroy", reason="x")
    claimed = past_holding(desk)
    Claim.objects.create(
        item=claimed, claimant=other_student, category=claimed.category, answers="伞"
    )
    with pytest.raises(ClaimOpen):
        disposal_propose(item=claimed, by=desk_staff, method="destroy", reason="x")
    with pytest.raises(NotAllowed):
        disposal_propose(item=past_holding(desk), by=other_desk_staff, method="destroy", reason="x")
    with pytest.raises(InvalidInput):
        disposal_propose(item=past_holding(desk), by=desk_staff, method="destroy", reason=" ")
    assert not Disposal.objects.exists()


def test_a_proposal_can_be_withdrawn(desk, desk_staff):
    item = past_holding(desk)
    disposal = disposal_propose(item=item, by=desk_staff, method="donate", reason="无人认领")
    disposal_cancel(disposal=disposal, by=desk_staff)
    assert not Disposal.objects.exists()
    # … and proposed again.
    disposal_propose(item=item, by=desk_staff, method="destroy", reason="已损坏")


def test_the_disposal_pages_from_proposal_to_register(
    desk, desk_staff, second_desk_staff, other_desk_staff, django_assert_num_queries
):
    items = [past_holding(desk, description=f"旧雨伞 {n}") for n in range(3)]
    waiting = past_holding(desk, description="还在保管期", holding_until=at(2099, 1, 1))
    first, second = client_for(desk_staff), client_for(second_desk_staff)

    page = first.get(reverse("lostfound:disposals")).content.decode()
    assert all(i.description in page for i in items) and waiting.description not in page
    elsewhere = client_for(other_desk_staff).get(reverse("lostfound:disposals")).content.decode()
    assert "旧雨伞" not in elsewhere

    detail = first.get(items[0].get_absolute_url()).content.decode()
    assert "Propose the disposal" in detail and "2027-01-02" in detail  # Art. 318
    answer = first.post(
        reverse("lostfound:disposal-propose", args=[items[0].pk]),
        {"method": "donate", "reason": "无人认领，捐给爱心屋", "recipient": "校爱心屋"},
    )
    assert answer.status_code == 302
    disposal = Disposal.objects.get(item=items[0])
    bad = first.post(
        reverse("lostfound:disposal-propose", args=[items[1].pk]), {"method": "police"}
    )
    assert bad.status_code == 302 and not Disposal.objects.filter(item=items[1]).exists()

    # The proposer sees no Approve button; the second person approves on the list.
    approve_url = reverse("lostfound:disposal-approve", args=[disposal.pk])
    assert approve_url not in first.get(reverse("lostfound:disposals")).content.decode()
    assert approve_url in second.get(reverse("lostfound:disposals")).content.decode()
    second.post(approve_url)
    disposal.refresh_from_db()
    assert (disposal.status, disposal.approved_by) == ("approved", second_desk_staff)

    for item in items[1:]:
        d = disposal_propose(item=item, by=desk_staff, method="destroy", reason="已损坏")
        disposal_approve(disposal=d, by=second_desk_staff)
    url = reverse("lostfound:register")
    second.get(url)
    # Session, user (with its roles and unread count), desks, the page of rows (one join).
    with django_assert_num_queries(3):
        page = second.get(url).content.decode()
    assert all(i.number in page for i in items)
    assert "校爱心屋" in page
    assert client_for(other_desk_staff).get(url).content.decode().count("lf-item") == 0

    export = second.get(url, {"format": "csv", "headers": "keys"})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 3
    row = next(r for r in rows if r["number"] == items[0].number)
    assert row["method"] == "Donated" and row["recipient"] == "校爱心屋"
    assert row["notice_published_at"].startswith("2026-01-02")
    assert row["state_property_on"] == "2027-01-02"
    assert row["proposed_by"].endswith("(lf1001)") and row["approved_by"].endswith("(lf1002)")


def test_the_disposal_list_costs_the_same_for_more_rows(
    desk, desk_staff, django_assert_max_num_queries
):
    client = client_for(desk_staff)
    for n in range(2):
        past_holding(desk, description=f"雨伞 {n}")
    client.get(reverse("lostfound:disposals"))
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("lostfound:disposals"))
    for n in range(6):
        past_holding(desk, description=f"更多雨伞 {n}", category=category("phone"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("lostfound:disposals"))


def test_the_register_is_for_desks_and_managers(student, manager, desk, desk_staff):
    url = reverse("lostfound:register")
    assert client_for(student).get(url).status_code == 403
    assert client_for(manager).get(url).status_code == 200
    assert client_for(student).get(reverse("lostfound:disposals")).status_code == 403
