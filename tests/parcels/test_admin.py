"""The stations' admin: a manager with admin access creates a station with its shelves and
closed days in one form, sees its clerks, and the counter then uses what was set."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from logistics.models import StaffScope
from logistics.roles import Role
from parcels.models import Shelf, Station, StationClosedDay
from tests.logistics.factories import BuildingFactory, UserFactory
from tests.parcels.factories import clerk_of, station_with_shelves

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def inline(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def test_a_station_is_created_with_its_shelves_and_closed_days(admin_client):
    building = BuildingFactory()
    closed = date.today() + timedelta(days=2)
    data = {
        "code": "NORTH",
        "name": "北区驿站",
        "name_en": "North station",
        "building": building.pk,
        "is_active": "on",
        "opens_at": "08:30",
        "closes_at": "20:00",
        "free_days": "2",
        "return_days": "5",
        "closed_on_holidays": "on",
        **inline(
            "shelves",
            [
                {"number": "1", "size_class": "small", "layers": "5", "capacity_per_layer": "40"},
                {
                    "number": "9",
                    "size_class": "oversized",
                    "layers": "1",
                    "capacity_per_layer": "20",
                },
            ],
        ),
        **inline("closed_days", [{"date": closed.isoformat(), "reason": "盘点"}]),
    }
    response = admin_client.post(reverse("admin:parcels_station_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    station = Station.objects.get(code="NORTH")
    assert (station.free_days, station.return_days, f"{station.closes_at:%H:%M}") == (2, 5, "20:00")
    assert sorted(Shelf.objects.filter(station=station).values_list("number", "layers")) == [
        (1, 5),
        (9, 1),
    ]
    assert StationClosedDay.objects.get(station=station).date == closed


def test_a_duplicate_shelf_number_is_refused_with_a_message(admin_client):
    station = station_with_shelves(code="EAST")
    data = {
        "code": "WEST",
        "name": "西区驿站",
        "building": station.building_id,
        "opens_at": "09:00",
        "closes_at": "21:00",
        "free_days": "3",
        "return_days": "7",
        **inline(
            "shelves",
            [
                {"number": "1", "size_class": "small", "layers": "4", "capacity_per_layer": "30"},
                {"number": "1", "size_class": "small", "layers": "4", "capacity_per_layer": "30"},
            ],
        ),
        **inline("closed_days", []),
    }
    response = admin_client.post(reverse("admin:parcels_station_add"), data)
    assert (
        response.status_code == 200 and "Please correct the duplicate" in response.content.decode()
    )
    assert not Station.objects.filter(code="WEST").exists()


def test_the_change_page_lists_the_stations_clerks(admin_client):
    station = station_with_shelves(code="EAST")
    clerk = clerk_of(station, username="clerk-east")
    elsewhere = UserFactory(username="clerk-west", roles=[Role.MAILROOM_CLERK])
    StaffScope.objects.create(user=elsewhere, role=Role.MAILROOM_CLERK, building=BuildingFactory())
    scoped_only = UserFactory(username="clerk-norole")
    StaffScope.objects.create(user=scoped_only, role=Role.MAILROOM_CLERK, building=station.building)
    html = admin_client.get(reverse("admin:parcels_station_change", args=[station.pk])).content
    html = html.decode()
    assert reverse("admin:logistics_user_change", args=[clerk.pk]) in html
    assert "clerk-west" not in html
    assert html.count("without the mailroom clerk role") == 1  # clerk-norole's line only
    assert admin_client.get(reverse("admin:parcels_station_changelist")).status_code == 200


def test_a_clerk_without_admin_access_cannot_open_it(db):
    station = station_with_shelves(code="EAST")
    client = Client()
    client.force_login(clerk_of(station))
    response = client.get(reverse("admin:parcels_station_change", args=[station.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]
