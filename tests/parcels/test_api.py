"""/api/v1/parcels/: scopes, what each person may read (another person's parcel is 404), bulk
arrivals (idempotent, one transaction, per-row errors), pickup and return through the
services, the common error body, keyset pages and pinned query counts."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from logistics.roles import Role
from logistics.tokens import api_token_issue
from parcels import services
from parcels.models import Parcel, Proxy, ReturnRecord, StationClosedDay
from tests.logistics.factories import UserFactory
from tests.parcels.factories import clerk_of, station_with_shelves

pytestmark = pytest.mark.django_db
BASE = "/api/v1/parcels/"
PARCELS = BASE + "parcels/"
ARRIVALS = PARCELS + "arrivals/"
Status = Parcel.Status


@pytest.fixture(autouse=True)
def no_throttle_left_over():
    cache.clear()


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


@pytest.fixture
def li(db):
    return UserFactory(
        username="2024002", display_name="李娜", phone="13912345678", roles=[Role.STUDENT]
    )


def as_user(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def scan(station, clerk, number, hint=""):
    return services.parcel_scan_in(
        station=station, number=number, by=clerk, recipient_hint=hint
    ).parcel


def post(client, url, body, **extra):
    return client.post(url, body, content_type="application/json", **extra)


def test_it_answers_401_to_anonymous_callers(station):
    for url in (BASE + "stations/", PARCELS, ARRIVALS):
        response = Client().get(url) if url != ARRIVALS else post(Client(), url, {})
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_stations_list_the_active_ones_by_page(station, zhang, django_assert_num_queries):
    west = station_with_shelves(code="WEST")
    station_with_shelves(code="GONE", is_active=False)
    today = timezone.localdate()
    for days, place in ((-1, west), (2, west), (3, station), (90, west)):
        StationClosedDay.objects.create(
            station=place, date=today + timedelta(days=days), reason="盘点"
        )
    client = as_user(zhang)
    with django_assert_num_queries(3):  # session, user, the page, their closed days
        body = client.get(BASE + "stations/", {"page_size": 2}).json()
    assert [row["code"] for row in body["results"]] == ["EAST", "WEST"]
    east, west_row = body["results"]
    assert east["closed_on_holidays"] is True
    assert east["closed_days"] == [{"date": str(today + timedelta(days=3)), "reason": "盘点"}]
    assert [day["date"] for day in west_row["closed_days"]] == [str(today + timedelta(days=2))]
    assert body["next"] is None


def test_a_recipient_lists_their_own_and_another_persons_parcel_is_404(
    station, clerk, zhang, li, django_assert_num_queries
):
    mine = [scan(station, clerk, f"SF100000000000{n}", "2024001") for n in range(3)]
    theirs = scan(station, clerk, "SF1000000000009", "2024002")
    client = as_user(zhang)
    client.get(PARCELS)
    with django_assert_num_queries(2):  # session, user, the page (with stations, recipients)
        body = client.get(PARCELS).json()
    assert [row["id"] for row in body["results"]] == [p.pk for p in reversed(mine)]
    assert body["results"][0]["pickup_code"] == mine[-1].pickup_code
    assert body["results"][0]["recipient"]["username"] == "2024001"
    assert client.get(f"{PARCELS}{theirs.pk}/").status_code == 404
    assert post(client, f"{PARCELS}{theirs.pk}/pickup/", {}).status_code == 404
    assert post(client, f"{PARCELS}{theirs.pk}/return/", {"courier_name": "李"}).status_code == 404


def test_a_clerk_lists_their_stations_parcels_with_a_pinned_count_and_pages(
    station, clerk, zhang, li, django_assert_num_queries
):
    for n in range(4):
        scan(station, clerk, f"SF100000000000{n}", "2024001" if n % 2 else "王小明")
    elsewhere = station_with_shelves(code="WEST")
    other = scan(elsewhere, clerk_of(elsewhere, "clerk2"), "SF1000000000009", "2024002")
    client = as_user(clerk)
    client.get(PARCELS)
    # session, user, the page (the clerk's stations a subquery)
    with django_assert_num_queries(2):
        body = client.get(PARCELS, {"page_size": 3}).json()
    assert len(body["results"]) == 3 and body["next"]
    unknown = [row for row in body["results"] if row["recipient"] is None]
    assert unknown and all(row["label_name_masked"] == "王**" for row in unknown)
    assert "王小明" not in str(body)
    rest = client.get(body["next"]).json()
    assert len(rest["results"]) == 1 and rest["next"] is None
    assert client.get(f"{PARCELS}{other.pk}/").status_code == 404


def test_bulk_arrivals_are_idempotent_and_answer_each_row(
    station, clerk, zhang, django_assert_num_queries
):
    client = as_user(clerk)
    rows = [
        {"tracking_number": "SF1000000000001", "recipient": "2024001"},
        {"tracking_number": "4312345678901", "recipient_name": "张伟", "recipient_phone": "1234"},
        {"tracking_number": "JD0001234567890", "recipient": "无此人 0000", "size_class": "large"},
    ]
    first = post(client, ARRIVALS, {"station": "EAST", "parcels": rows})
    assert first.status_code == 201
    body = first.json()
    assert (body["created"], body["existing"]) == (3, 0)
    results = body["results"]
    assert [r["index"] for r in results] == [0, 1, 2]
    assert results[0]["parcel"]["recipient"]["username"] == "2024001"
    assert results[1]["parcel"]["carrier_candidates"] == ["sto", "yunda"]
    assert results[2]["parcel"]["recipient"] is None and results[2]["parcel"]["slot"].startswith(
        "4-"
    )
    # A retry writes nothing, whatever its length: session, user, the station, the parcels in
    # its care, the transaction's savepoint and release, the answer's parcels.
    with django_assert_num_queries(6):
        again = post(client, ARRIVALS, {"station": "EAST", "parcels": rows})
    assert again.status_code == 200 and again.json()["existing"] == 3
    assert [r["result"] for r in again.json()["results"]] == ["existing"] * 3
    assert Parcel.objects.count() == 3


def test_a_bad_row_stores_nothing_and_names_every_bad_row(station, clerk):
    rows = [
        {"tracking_number": "SF1000000000001"},
        {"tracking_number": "EE123456784CN"},
        {"tracking_number": "SF1000000000002", "carrier": "nope"},
    ]
    response = post(as_user(clerk), ARRIVALS, {"station": "EAST", "parcels": rows})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and set(body) >= {"detail", "fields", "request_id"}
    assert list(body["fields"]) == ["parcels.2.carrier"]  # the shapes first
    assert not Parcel.objects.exists()
    checked = post(
        as_user(clerk),
        ARRIVALS,
        {"station": "EAST", "parcels": rows[:2]},
    ).json()
    assert "check digit" in checked["fields"]["parcels.1.tracking_number"][0]
    assert not Parcel.objects.exists()


def test_arrivals_are_limited_to_500_and_to_the_clerks_stations(station, clerk, zhang):
    client = as_user(clerk)
    too_many = [{"tracking_number": f"SF{1000000000000 + n}"} for n in range(501)]
    assert post(client, ARRIVALS, {"station": "EAST", "parcels": too_many}).status_code == 400
    assert post(client, ARRIVALS, {"station": "EAST", "parcels": []}).status_code == 400
    station_with_shelves(code="WEST")
    other = post(client, ARRIVALS, {"station": "WEST", "parcels": too_many[:1]}).json()
    assert other["code"] == "invalid" and "station" in other["fields"]
    refused = post(as_user(zhang), ARRIVALS, {"station": "EAST", "parcels": too_many[:1]})
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert not Parcel.objects.exists()


def test_a_500_parcel_arrival_is_one_call(station, clerk):
    from parcels.models import Shelf

    Shelf.objects.filter(station=station).update(capacity_per_layer=200)
    rows = [{"tracking_number": f"SF{1000000000000 + n}"} for n in range(500)]
    response = post(as_user(clerk), ARRIVALS, {"station": "EAST", "parcels": rows})
    assert response.status_code == 201 and response.json()["created"] == 500
    assert Parcel.objects.filter(station=station).count() == 500


def test_the_clerk_hands_over_through_the_api_and_the_recipient_may_not(station, clerk, zhang):
    parcel = scan(station, clerk, "SF1000000000001", "2024001")
    refused = post(as_user(zhang), f"{PARCELS}{parcel.pk}/pickup/", {})
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    done = post(as_user(clerk), f"{PARCELS}{parcel.pk}/pickup/", {"method": "qr"})
    assert done.status_code == 200 and done.json()["status"] == "picked_up"
    again = post(as_user(clerk), f"{PARCELS}{parcel.pk}/pickup/", {})
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    parcel.refresh_from_db()
    assert parcel.pickup.clerk == clerk and parcel.pickup.method == "qr"


def test_a_proxy_code_is_checked_and_recorded(station, clerk, zhang):
    parcel = scan(station, clerk, "SF1000000000001", "2024001")
    proxy = services.proxy_create(recipient=zhang, proxy_name="王五")
    wrong = post(as_user(clerk), f"{PARCELS}{parcel.pk}/pickup/", {"proxy_code": "000000"})
    assert wrong.status_code == 400 and "proxy_code" in wrong.json()["fields"]
    done = post(as_user(clerk), f"{PARCELS}{parcel.pk}/pickup/", {"proxy_code": proxy.code})
    assert done.status_code == 200
    parcel.refresh_from_db()
    assert parcel.pickup.proxy == proxy and parcel.pickup.method == "proxy"
    assert Proxy.objects.get(pk=proxy.pk).used_at is not None


def test_the_clerk_returns_a_parcel_to_its_courier(station, clerk, zhang):
    parcel = scan(station, clerk, "SF1000000000001", "2024001")
    client = as_user(clerk)
    missing = post(client, f"{PARCELS}{parcel.pk}/return/", {})
    assert missing.status_code == 400 and "courier_name" in missing.json()["fields"]
    numeric = post(client, f"{PARCELS}{parcel.pk}/return/", {"courier_name": 42})
    assert numeric.status_code == 400
    done = post(client, f"{PARCELS}{parcel.pk}/return/", {"courier_name": "李师傅"})
    assert done.status_code == 200 and done.json()["status"] == "returned"
    record = ReturnRecord.objects.get()
    assert (record.courier_name, record.clerk, record.carrier) == ("李师傅", clerk, "sf")


def test_tokens_need_the_parcels_scopes(station, clerk, zhang):
    scan(station, clerk, "SF1000000000001", "2024001")
    _, read = api_token_issue(user=clerk, name="locker", scopes=["parcels:read"])
    _, write = api_token_issue(user=clerk, name="locker", scopes=["parcels:read", "parcels:write"])
    body = {"station": "EAST", "parcels": [{"tracking_number": "SF1000000000002"}]}
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.get(PARCELS, HTTP_AUTHORIZATION=f"Bearer {read}").status_code == 200
    refused = post(client, ARRIVALS, body, HTTP_AUTHORIZATION=f"Bearer {read}")
    assert refused.status_code == 403 and "parcels:write" in refused.json()["detail"]
    assert post(client, ARRIVALS, body, HTTP_AUTHORIZATION=f"Bearer {write}").status_code == 201


def test_the_list_marks_overdue_parcels(station, clerk, zhang):
    services.parcel_scan_in(
        station=station,
        number="SF1000000000001",
        by=clerk,
        recipient_hint="2024001",
        arrived_at=timezone.now() - timezone.timedelta(days=4),
    )
    row = as_user(zhang).get(PARCELS).json()["results"][0]
    assert row["overdue"] is True


def test_a_bulk_arrival_costs_the_same_queries_for_3_rows_or_30(
    station, clerk, zhang, li, django_assert_num_queries
):
    client = as_user(clerk)
    client.get(PARCELS)

    def rows(start, count):
        return [
            {"tracking_number": f"SF{1000000000000 + start + n}", "recipient": "2024001"}
            for n in range(count)
        ]

    # session, user, the station, the numbers in care, savepoint, the recipients, the shelves,
    # their fill, the codes taken, the station's closed days, the preferences, the open notices
    # (locked), the new notice, the parcels, their timelines, the endpoints hearing arrivals
    # (logistics.events), release, the answer's parcels
    with django_assert_num_queries(17):
        assert post(client, ARRIVALS, {"station": "EAST", "parcels": rows(0, 3)}).status_code == 201
    with django_assert_num_queries(16):  # the notice is open now: nothing to insert
        assert (
            post(client, ARRIVALS, {"station": "EAST", "parcels": rows(100, 30)}).status_code == 201
        )
    assert Parcel.objects.filter(recipient=zhang).count() == 33


def test_a_bulk_arrival_stores_as_one_scan_does(station, clerk, zhang, li):
    from parcels.delivery import preference_set
    from tests.logistics.factories import BuildingFactory

    zhang.groups.add(*li.groups.all())
    teacher = UserFactory(username="T1001", display_name="王老师", roles=[Role.TEACHER])
    office = BuildingFactory(code="ADM")
    preference_set(user=teacher, mode="office", building=office, office="305")
    rows = [
        {"tracking_number": "sf 1000 0000 00001", "recipient": "2024001"},
        {"tracking_number": "SF1000000000002", "recipient_name": "李娜", "recipient_phone": "5678"},
        {"tracking_number": "SF1000000000003", "recipient": "2024001"},
        {"tracking_number": "SF1000000000004", "recipient": "T1001"},
        {"tracking_number": "SF1000000000001"},  # the first row again: one parcel
        {"tracking_number": "4312345678901", "recipient": "谁 9999"},
    ]
    body = post(as_user(clerk), ARRIVALS, {"station": "EAST", "parcels": rows}).json()
    assert [r["result"] for r in body["results"]] == ["created"] * 4 + ["existing", "created"]
    assert body["results"][4]["parcel"]["id"] == body["results"][0]["parcel"]["id"]
    parcels = {p.tracking_number: p for p in Parcel.objects.all()}
    assert len(parcels) == 5
    first, second = parcels["SF1000000000001"], parcels["SF1000000000002"]
    assert first.recipient == zhang and first.phone_tail == "1234" and first.carrier == "sf"
    assert second.recipient == li and first.free_until == first.arrived_at + timezone.timedelta(
        days=station.free_days
    )
    assert first.notice == parcels["SF1000000000003"].notice != second.notice  # one per person
    assert first.pickup_code.startswith(f"{first.shelf.number}-{first.layer}-")
    assert len({p.pickup_code for p in parcels.values()}) == 5
    delivered = parcels["SF1000000000004"]
    assert delivered.status == Status.FOR_DELIVERY and delivered.notice is None
    assert delivered.delivery_building == office and delivered.delivery_office == "305"
    assert list(delivered.events.values_list("action", flat=True)) == [
        "scanned_in",
        "sent_for_delivery",
    ]
    unknown = parcels["4312345678901"]
    assert unknown.recipient is None and unknown.carrier_candidates == ["sto", "yunda"]
    assert (unknown.recipient_hint, unknown.phone_tail) == ("谁", "9999")
    assert unknown.events.get().action == "scanned_in"
    found = as_user(clerk).get(PARCELS, {"q": "SF1000000000002"}).json()["results"]
    assert [row["id"] for row in found] == [second.pk]  # in the search index
    slots = {(p.shelf.number, p.layer) for p in parcels.values()}
    assert len(slots) == 5  # the emptiest layer each time: spread, not piled
