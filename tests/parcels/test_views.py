"""The parcels pages: the counter (scan-in over htmx, carrier, unknown recipients, pickup) and
the recipient's pages, with their scope."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from logistics.models import PendingUpload
from logistics.roles import Role
from parcels import pickup, services
from parcels.models import Parcel, Pickup
from tests.logistics.factories import UserFactory
from tests.parcels.factories import clerk_of, station_with_shelves
from tests.repairs.factories import image_upload, media_root  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def station():
    return station_with_shelves(code="EAST", name="东区驿站", name_en="East station")


@pytest.fixture
def clerk(station):
    return clerk_of(station)


@pytest.fixture
def zhang(db):
    return UserFactory(
        username="2024001", display_name="张伟", phone="13812341234", roles=[Role.STUDENT]
    )


def as_user(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_it_scans_in_over_htmx_and_answers_one_row(station, clerk, zhang):
    client = as_user(clerk)
    url = reverse("parcels:scan", args=[station.pk])
    response = client.post(
        url, {"number": "SF1234567890123", "recipient": "2024001", "size": "small"}, **HTMX
    )
    parcel = Parcel.objects.get()
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        html.strip().startswith("<li")
        and parcel.pickup_code in html
        and 'data-scan-result="stored"' in html
    )
    again = client.post(
        url, {"number": "SF1234567890123", "size": "small"}, **HTMX
    ).content.decode()
    assert 'data-scan-result="duplicate"' in again and Parcel.objects.count() == 1


def test_it_answers_a_bad_number_with_its_reason_in_the_row(station, clerk):
    response = as_user(clerk).post(
        reverse("parcels:scan", args=[station.pk]),
        {"number": "EE123456784CN", "size": "small"},
        **HTMX,
    )
    assert response.status_code == 200 and "check digit" in response.content.decode()
    assert not Parcel.objects.exists()


def test_it_offers_the_candidates_of_an_ambiguous_number_and_takes_the_pick(station, clerk):
    client = as_user(clerk)
    html = client.post(
        reverse("parcels:scan", args=[station.pk]),
        {"number": "4312345678901", "size": "small"},
        **HTMX,
    ).content.decode()
    assert 'value="sto"' in html and 'value="yunda"' in html
    parcel = Parcel.objects.get()
    client.post(
        reverse("parcels:set-carrier", args=[station.pk, parcel.pk]), {"carrier": "sto"}, **HTMX
    )
    parcel.refresh_from_db()
    assert parcel.carrier == "sto"


def test_it_works_without_script_too(station, clerk):
    response = as_user(clerk).post(
        reverse("parcels:scan", args=[station.pk]), {"number": "SF1234567890123", "size": "small"}
    )
    assert response.status_code == 302 and Parcel.objects.count() == 1


def test_it_keeps_the_counter_to_its_clerks(station, clerk, zhang):
    other = station_with_shelves(code="WEST")
    clerk_of(other, "clerk2")
    scan = reverse("parcels:scan", args=[station.pk])
    assert as_user(zhang).get(scan).status_code == 403
    assert as_user(UserFactory(username="clerk2")).get(scan).status_code == 404
    assert as_user(clerk).get(scan).status_code == 200


def test_it_resolves_an_unknown_recipient(station, clerk, zhang):
    parcel = services.parcel_scan_in(
        station=station, number="SF1234567890123", by=clerk, recipient_hint="某人"
    ).parcel
    client = as_user(clerk)
    page = client.get(reverse("parcels:unknown", args=[station.pk])).content.decode()
    assert parcel.pickup_code in page
    client.post(
        reverse("parcels:unknown", args=[station.pk]), {"parcel": parcel.pk, "campus_id": "2024001"}
    )
    parcel.refresh_from_db()
    assert parcel.recipient == zhang
    bad = client.post(
        reverse("parcels:unknown", args=[station.pk]), {"parcel": "x", "campus_id": ""}
    )
    assert bad.status_code == 404


def test_it_hands_over_everything_the_qr_code_names_in_one_click(station, clerk, zhang):
    for n in range(3):
        services.parcel_scan_in(
            station=station, number=f"SF100000000000{n}", by=clerk, recipient_hint="2024001"
        )
    client = as_user(clerk)
    url = reverse("parcels:pickup", args=[station.pk])
    token = pickup.qr_token(zhang)
    page = client.get(url, {"q": token}).content.decode()
    assert page.count('name="parcels"') == 3 and "张*" in page and "张伟" not in page
    ids = list(Parcel.objects.values_list("pk", flat=True))
    response = client.post(url, {"q": token, "parcels": ids})
    assert response.status_code == 302
    assert Parcel.objects.filter(status="picked_up").count() == 3


@pytest.mark.usefixtures("media_root")
def test_a_handover_that_comes_back_keeps_its_photo(station, clerk, zhang):
    services.parcel_scan_in(
        station=station, number="SF1000000000009", by=clerk, recipient_hint="2024001"
    )
    client = as_user(clerk)
    url = reverse("parcels:pickup", args=[station.pk])
    token = pickup.qr_token(zhang)
    first = client.post(url, {"q": token, "parcels": [], "photo": [image_upload("proof.jpg")]})

    html = first.content.decode()
    assert first.status_code == 200 and not Pickup.objects.exists()  # no parcel ticked
    assert "data-error-summary" in html and 'alt="proof.jpg"' in html
    [kept] = re.findall(r'name="photo_kept" value="([^"]+)"', html)
    assert reverse("kept-photo", kwargs={"token": kept}) in html

    parcel = Parcel.objects.get()
    second = client.post(url, {"q": token, "parcels": [parcel.pk], "photo_kept": kept})
    assert second.status_code == 302
    handover = Pickup.objects.get()
    assert handover.photo and handover.photo.storage.exists(handover.photo.name)
    assert not PendingUpload.objects.exists()


def test_it_says_a_wrong_code_is_wrong(station, clerk):
    cache.delete_many(pickup._keys(station, clerk))
    page = as_user(clerk).get(reverse("parcels:pickup", args=[station.pk]), {"q": "1-1-0000"})
    assert page.status_code == 200 and "No waiting parcel matches" in page.content.decode()


def test_it_shows_the_recipient_their_codes_and_qr_and_nobody_else_their_parcel(
    station, clerk, zhang, other_student
):
    parcel = services.parcel_scan_in(
        station=station, number="SF1234567890123", by=clerk, recipient_hint="2024001"
    ).parcel
    client = as_user(zhang)
    assert parcel.pickup_code in client.get(reverse("parcels:mine")).content.decode()
    assert "<svg" in client.get(reverse("parcels:qr")).content.decode()
    assert client.get(reverse("parcels:detail", args=[parcel.pk])).status_code == 200
    assert (
        as_user(other_student).get(reverse("parcels:detail", args=[parcel.pk])).status_code == 404
    )
    assert as_user(clerk).get(reverse("parcels:detail", args=[parcel.pk])).status_code == 200
    home = client.get("/").content.decode()
    assert parcel.pickup_code in home


def test_it_searches_the_waiting_list_by_number_name_or_code(station, clerk, zhang):
    a = services.parcel_scan_in(
        station=station, number="SF1234567890123", by=clerk, recipient_hint="2024001"
    ).parcel
    b = services.parcel_scan_in(
        station=station, number="JT5012345678901", by=clerk, recipient_hint="李四"
    ).parcel
    client = as_user(clerk)
    url = reverse("parcels:waiting", args=[station.pk])
    for query, shown, hidden in (
        ("SF1234567890123", a, b),
        ("李四", b, a),
        (a.pickup_code, a, b),
        ("张伟", a, b),
    ):
        html = client.get(url, {"q": query}).content.decode()
        assert shown.tracking_number in html and hidden.tracking_number not in html, query


def test_it_lists_the_waiting_parcels_in_a_fixed_number_of_queries(
    station, clerk, django_assert_max_num_queries
):
    client = as_user(clerk)
    url = reverse("parcels:waiting", args=[station.pk])
    for n in range(3):
        services.parcel_scan_in(
            station=station, number=f"SF100000000000{n}", by=clerk, recipient_hint=f"某{n}"
        )
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for n in range(3, 12):
        services.parcel_scan_in(
            station=station, number=f"SF10000000000{n:02d}", by=clerk, recipient_hint="2024001"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_it_lets_a_recipient_authorise_a_proxy(station, clerk, zhang):
    services.parcel_scan_in(
        station=station, number="SF1234567890123", by=clerk, recipient_hint="2024001"
    )
    client = as_user(zhang)
    response = client.post(reverse("parcels:proxies"), {"parcel": "", "name": "李雷"}, follow=True)
    assert "李雷" in response.content.decode()
    assert (
        client.post(reverse("parcels:proxies"), {"parcel": "", "campus_id": "nobody"}).status_code
        == 200
    )
