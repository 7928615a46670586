"""The clerk's waiting list and the recipient's list cost the same number of queries with 3 or
60 parcels, on the first page and on the next (bench/bench_parcels.py times them at 1,000,000
parcels in history and 20,000 waiting)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from logistics.roles import Role
from parcels.models import Parcel, Pickup, Shelf
from parcels.views.common import PAGE_SIZE
from tests.logistics.factories import UserFactory
from tests.parcels.factories import ParcelFactory, clerk_of, station_with_shelves

pytestmark = pytest.mark.django_db
Status = Parcel.Status


@pytest.fixture
def station():
    return station_with_shelves(code="EAST", name="东区驿站", name_en="East station")


@pytest.fixture
def zhang(db):
    return UserFactory(username="2024001", display_name="张伟", roles=[Role.STUDENT])


def as_user(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def add(station, count, *, recipient=None, status=Status.WAITING, start=0):
    """`count` parcels (each with its own recipient unless given), an hour apart."""
    shelves = list(Shelf.objects.filter(station=station))
    now = timezone.now()
    for n in range(start, start + count):
        closed = status != Status.WAITING
        ParcelFactory(
            station=station,
            recipient=recipient or UserFactory(),
            shelf=shelves[n % len(shelves)],
            arrived_at=now - timedelta(hours=n),
            status=status,
            closed_at=now if closed else None,
            pickup=Pickup.objects.create(station=station, method="code", collected_by_name="x")
            if closed
            else None,
            pickup_code="" if closed else f"1-1-{n:04d}",
        )


def counted(client, url, django_assert_num_queries, expected, **params):
    with django_assert_num_queries(expected):
        response = client.get(url, params)
    assert response.status_code == 200
    return response


def test_it_pins_the_clerks_waiting_list(station, django_assert_num_queries):
    client = as_user(clerk_of(station))
    url = reverse("parcels:waiting", args=[station.pk])
    add(station, 3)
    # the session, the user and the station as every counter page; the rows joined; no total
    first = counted(client, url, django_assert_num_queries, 3)
    assert len(first.context["page"]) == 3
    add(station, 60, start=3)
    first = counted(client, url, django_assert_num_queries, 3)
    assert len(first.context["page"]) == PAGE_SIZE
    cursor = first.context["page"].next_cursor
    second = counted(client, url, django_assert_num_queries, 3, cursor=cursor)
    shown = [p.pk for p in first.context["page"]] + [p.pk for p in second.context["page"]]
    assert len(set(shown)) == len(shown) == 2 * PAGE_SIZE


def test_it_pins_the_recipients_list(station, zhang, django_assert_num_queries):
    client = as_user(zhang)
    url = reverse("parcels:mine")
    add(station, 2, recipient=zhang)
    add(station, 2, recipient=zhang, status=Status.PICKED_UP, start=2)
    # the session and the user; the waiting parcels and the history page, each joined
    first = counted(client, url, django_assert_num_queries, 3)
    add(station, 10, recipient=zhang, start=4)
    add(station, 50, recipient=zhang, status=Status.PICKED_UP, start=14)
    first = counted(client, url, django_assert_num_queries, 3)
    assert len(first.context["waiting"]) == 12
    page = first.context["page"]
    assert len(page) == PAGE_SIZE
    second = counted(client, url, django_assert_num_queries, 3, cursor=page.next_cursor)
    assert not {p.pk for p in page} & {p.pk for p in second.context["page"]}
