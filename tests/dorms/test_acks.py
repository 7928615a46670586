"""Acknowledgements: the rate per building, the missing list, one reminder, then the managers."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dorms import services
from dorms.acks import acknowledgement_rates, notices_chase_acknowledgements
from logistics.models import Notification
from tests.dorms.factories import dorm_manager_of, published, resident_of
from tests.logistics.factories import BuildingFactory, RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def buildings():
    first = BuildingFactory(code="E1", name="东区1号楼")
    return first, BuildingFactory(campus=first.campus, code="E2", name="东区2号楼")


@pytest.fixture
def residents(buildings):
    people = []
    for index, building in enumerate([buildings[0]] * 3 + [buildings[1]] * 2):
        room = RoomFactory(building=building, floor=1 + index % 2)
        people.append(resident_of(room, f"s{index}"))
    return people


def _safety(buildings, **extra):
    extra.setdefault("ack_deadline", timezone.now() + timedelta(days=3))
    return published(buildings=list(buildings), kind="safety", requires_ack=True, **extra)


def test_it_counts_the_rate_per_building(buildings, residents):
    notice = _safety(buildings)
    for person in residents[:2] + residents[3:4]:
        services.notice_acknowledge(notice=notice, user=person)
    rates = {r.building.code: (r.acknowledged, r.residents) for r in acknowledgement_rates(notice)}
    assert rates == {"E1": (2, 3), "E2": (1, 2)}


def test_it_reminds_once_then_tells_the_managers_after_the_deadline(buildings, residents):
    manager = dorm_manager_of(*buildings)
    notice = _safety(buildings, ack_deadline=timezone.now() + timedelta(hours=12))
    services.notice_acknowledge(notice=notice, user=residents[0])
    assert notices_chase_acknowledgements() == {"reminded": 1, "reported": 0}
    assert notices_chase_acknowledgements() == {"reminded": 0, "reported": 0}
    reminded = Notification.objects.filter(kind="dorms.acknowledgement.reminder")
    assert sorted(reminded.values_list("recipient__username", flat=True)) == [
        "s1",
        "s2",
        "s3",
        "s4",
    ]
    later = timezone.now() + timedelta(days=1)
    assert notices_chase_acknowledgements(now=later) == {"reminded": 0, "reported": 1}
    assert notices_chase_acknowledgements(now=later) == {"reminded": 0, "reported": 0}
    report = Notification.objects.get(kind="dorms.acknowledgement.missing", recipient=manager)
    assert "4" in report.title and report.url == reverse("dorms:notice-acks", args=[notice.pk])


def test_the_manager_sees_the_rate_move_and_who_is_missing(client, buildings, residents):
    manager = dorm_manager_of(*buildings)
    notice = _safety(buildings)
    client.force_login(manager)
    url = reverse("dorms:notice-acks", args=[notice.pk])
    listed = f'<span class="muted">{residents[0].username}</span>'  # "s0" alone is too short
    page = client.get(url).content.decode()
    assert "0 %" in page and listed in page
    services.notice_acknowledge(notice=notice, user=residents[0])
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "33 %" in fragment and "<html" not in fragment
    assert listed not in client.get(url).content.decode()


def test_the_ack_view_costs_the_same_for_more_residents(
    client, buildings, residents, django_assert_num_queries
):
    manager = dorm_manager_of(*buildings)
    notice = _safety(buildings)
    client.force_login(manager)
    url = reverse("dorms:notice-acks", args=[notice.pk])
    client.get(url)
    # 12; the manager's scopes for the navigation's "Manage" come with the session's user
    with django_assert_num_queries(10) as few:
        client.get(url)
    for index in range(20):
        resident_of(RoomFactory(building=buildings[index % 2]), f"more{index}")
    with django_assert_num_queries(len(few)):
        client.get(url)


def test_a_resident_may_not_see_the_ack_view(client, buildings, residents):
    notice = _safety(buildings)
    client.force_login(residents[0])
    assert client.get(reverse("dorms:notice-acks", args=[notice.pk])).status_code == 403


def test_the_missing_list_shows_one_building_at_a_time(client, buildings, residents):
    manager = dorm_manager_of(*buildings)
    notice = _safety(buildings)
    for person in residents[:3]:  # the first building is done
        services.notice_acknowledge(notice=notice, user=person)
    client.force_login(manager)
    url = reverse("dorms:notice-acks", args=[notice.pk])
    listed = f'<span class="muted">{residents[3].username}</span>'  # the username alone is short
    page = client.get(url).content.decode()
    assert listed in page and f"?building={buildings[0].pk}" in page
    response = client.get(url, {"building": buildings[0].pk}, HTTP_ACCEPT_LANGUAGE="en")
    first = response.content.decode()
    assert listed not in first and "Everyone has acknowledged." in first
    assert client.get(url, {"building": "x"}).status_code == 200


def test_it_words_the_ack_view_as_acknowledgements_in_chinese(client, buildings, residents):
    """'Acknowledge by' and 'Rate' have their own context: not a repair's deadline or a score."""
    manager = dorm_manager_of(*buildings)
    notice = _safety(buildings)
    client.force_login(manager)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("dorms:notice-acks", args=[notice.pk])).content.decode()
    assert "确认截止" in html and "确认率" in html
    assert "受理时限" not in html and ">评分<" not in html
