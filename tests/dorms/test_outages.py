"""Outages and repairs: the repair form shows the outage before filing, dispatchers see the
reports avoided and the requests filed during the outage under it."""

from datetime import timedelta

import pytest
from django.urls import reverse

from dorms.outages import active_outages
from logistics.models import StaffScope
from logistics.roles import Role
from repairs.public import known_outages, register_outage_provider
from tests.dorms.factories import resident_of, water_outage
from tests.logistics.factories import BuildingFactory, DepartmentFactory, RoomFactory, UserFactory
from tests.repairs.factories import RepairRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def building():
    return BuildingFactory(code="E1", name="东区1号楼")


@pytest.fixture
def resident(building):
    return resident_of(RoomFactory(building=building, number="101"), "s-e1-101")


def test_repairs_hears_of_an_active_outage_through_its_public_hook(building, resident):
    outage = water_outage([building], title="东区1号楼停水")
    water_outage([building], starts_in=timedelta(hours=5), title="明天的停水")
    water_outage([BuildingFactory()], title="别的楼")
    known = known_outages(resident.dorm_room)
    assert [o["title"] for o in known] == [outage.title]
    assert known[0]["utility"] == "Water" and known[0]["url"] == outage.get_absolute_url()


def test_a_failing_provider_does_not_break_the_form(building, resident):
    def broken(room):
        raise RuntimeError("down")

    register_outage_provider(broken)
    try:
        water_outage([building])
        assert len(known_outages(resident.dorm_room)) == 1
    finally:
        from repairs import public

        public._outage_providers.pop(f"{broken.__module__}.{broken.__qualname__}")


def test_the_repair_form_shows_the_outage_before_filing(client, building, resident):
    outage = water_outage([building], title="东区1号楼停水")
    client.force_login(resident)
    page = client.get(reverse("repairs:create")).content.decode()
    assert outage.title in page and "outage-hint" in page
    avoid = reverse("dorms:outage-avoided", args=[outage.pk])
    assert avoid in page
    client.post(avoid)
    assert outage.avoided_reports.filter(user=resident).exists()


def test_no_hint_without_an_outage(client, resident):
    client.force_login(resident)
    assert "outage-hint" not in client.get(reverse("repairs:create")).content.decode()


def test_dispatchers_see_avoided_reports_and_requests_grouped_under_the_outage(
    client, building, resident
):
    outage = water_outage([building], title="东区1号楼停水", starts_in=timedelta(hours=-2))
    outage.avoided_reports.create(user=resident)
    during = RepairRequestFactory(building=building, room=resident.dorm_room)
    elsewhere = RepairRequestFactory(building=BuildingFactory())
    dispatcher = UserFactory(username="d1", roles=[Role.REPAIR_DISPATCHER])
    StaffScope.objects.create(
        user=dispatcher, role=Role.REPAIR_DISPATCHER, department=DepartmentFactory()
    )
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(UserFactory(username="m1", roles=[Role.LOGISTICS_MANAGER]))
    page = client.get(reverse("dorms:outages")).content.decode()
    assert outage.title in page
    assert "1 report avoided" in page and "1 request filed" in page
    assert during.number in page and elsewhere.number not in page
    client.force_login(dispatcher)  # a dispatcher sees only the requests of their scope
    page = client.get(reverse("dorms:outages")).content.decode()
    assert outage.title in page and during.number not in page


def test_students_may_not_open_the_outage_overview(client, resident):
    client.force_login(resident)
    assert client.get(reverse("dorms:outages")).status_code == 403


def test_active_outages_is_empty_for_no_room():
    assert active_outages(None) == []
