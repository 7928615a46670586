"""The Open311 GeoReport v2 endpoint: third-party clients (georeport, civicbot) against the live
server, and our own checks of the JSON and XML documents, errors, filters and anonymisation."""

from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from civicbot.http import HttpError, HttpTransport, RateLimiter
from civicbot.open311 import Open311Client
from civicbot.registry import Endpoint
from django.core.cache import cache
from django.utils import timezone
from georeport import GeoReport
from lxml import etree

from logistics.tokens import api_token_issue
from repairs.models import RepairRequest
from tests.logistics.factories import BuildingFactory, CampusFactory, RoomFactory, UserFactory
from tests.repairs.factories import (
    CategoryFactory,
    CategoryQuestionFactory,
    RepairPhotoFactory,
    RepairRequestFactory,
)

BASE = "/open311/v2/"
CHOICES = [{"key": "hot", "name": "热水"}, {"key": "cold", "name": "冷水"}]


@pytest.fixture
def campus(db):
    return CampusFactory(code="main", name="本部", name_en="Main campus")


@pytest.fixture
def room(campus):
    building = BuildingFactory(
        campus=campus,
        code="D1",
        name="学一楼",
        name_en="Dorm 1",
        latitude="39.990000",
        longitude="116.310000",
    )
    return RoomFactory(building=building, number="302")


@pytest.fixture
def tap(db):
    parent = CategoryFactory(code="water", name="水电", name_en="Water and power")
    tap = CategoryFactory(
        code="tap", name="水龙头", name_en="Tap", parent=parent, description="漏水、不出水"
    )
    CategoryQuestionFactory(
        category=tap,
        code="which",
        label="哪个水龙头",
        kind="singlevaluelist",
        choices=CHOICES,
        required=True,
        sort_order=1,
    )
    CategoryQuestionFactory(category=tap, code="since", kind="datetime", sort_order=2)
    return tap


@pytest.fixture
def light(db):
    return CategoryFactory(code="light", name="灯", name_en="Light")


@pytest.fixture
def writer(db):
    user = UserFactory(username="s2024009", roles=["student"])
    _, raw = api_token_issue(user=user, name="app", scopes=["repairs:write", "repairs:read"])
    return user, raw


def get(client, path, **params):
    return client.get(BASE + path, params, HTTP_ACCEPT_LANGUAGE="en")


def xml(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)  # noqa: S314 (our own server's answer)


# --- Third-party clients against the live server ------------------------------------------------


@pytest.fixture
def live(live_server, transactional_db, campus, room, tap, light, writer):
    return live_server.url + "/open311/v2"


def civicbot(live_url, jurisdiction="main"):
    endpoint = Endpoint(id="portal", name="Portal", base_url=live_url, write=True)
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0))
    return Open311Client(endpoint, transport=transport, jurisdiction_id=jurisdiction)


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_it_serves_georeport_the_services_and_a_definition(live, output_format):
    client = GeoReport(live, jurisdiction="main", output_format=output_format)
    services = {s["service_code"]: s for s in client.get_service_list()}
    assert set(services) == {"tap", "light"}
    assert services["tap"]["group"] == "水电"
    assert str(services["tap"]["metadata"]).lower() == "true"
    assert str(services["light"]["metadata"]).lower() == "false"
    definition = client.get_service_definition("tap")
    attributes = definition["attributes"]
    if output_format == "xml":
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes] == ["which", "since"]
    which = attributes[0]
    values = which["values"] if output_format == "json" else which["values"]["value"]
    assert [v["key"] for v in values] == ["hot", "cold"]
    assert which["datatype"] == "singlevaluelist"


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_it_serves_georeport_the_requests_and_one_request(live, output_format, room, tap):
    repair = RepairRequestFactory(category=tap, room=room, description="水龙头漏水")
    RepairRequestFactory(category=tap, room=room, status="closed")
    client = GeoReport(live, jurisdiction="main", output_format=output_format)
    found = client.get_service_requests(service_code="tap", status="open")
    found = found if isinstance(found, list) else [found]  # xmltodict: one element, no list
    assert [r["service_request_id"] for r in found] == [str(repair.pk)]
    one = client.get_service_request(str(repair.pk))
    assert one["status"] == "open"
    assert one["address"] == "学一楼 302"
    assert one["service_code"] == "tap"


def test_it_takes_a_request_filed_by_civicbot_and_answers_its_token(live, writer, room):
    client = civicbot(live)
    prepared = client.create_request(
        "tap",
        dry_run=False,
        confirm="SEND",
        api_key=writer[1],
        validate_remote=True,
        address_id="D1/302",
        description="热水龙头关不紧",
        attributes={"which": "hot"},
        phone="13800000000",
        first_name="Li",
    )
    reply = prepared.response[0]
    repair = RepairRequest.objects.get(pk=int(reply["service_request_id"]))
    assert repair.requester == writer[0]
    assert repair.room == room
    assert repair.answers == {"which": "hot"}
    assert repair.contact_phone == "13800000000"
    assert client.get_token(reply["token"])[0]["service_request_id"] == str(repair.pk)
    assert client.get_request(repair.pk)["status"] == "open"
    listed = client.list_requests(service_request_ids=[repair.pk])
    assert [r["service_request_id"] for r in listed] == [str(repair.pk)]


def test_it_refuses_civicbot_a_bad_api_key_in_the_standards_error_format(live):
    client = civicbot(live)
    with pytest.raises(HttpError) as refused:
        client.create_request(
            "light", dry_run=False, confirm="SEND", api_key="clp_wrong", address_string="南门"
        )
    assert refused.value.status == 403
    assert '"code": 403' in refused.value.body


def test_it_checks_attributes_before_civicbot_sends_them(live, writer):
    from civicbot.open311 import ValidationError as ClientValidationError

    client = civicbot(live)
    with pytest.raises(ClientValidationError) as caught:
        client.create_request(
            "tap",
            dry_run=False,
            confirm="SEND",
            api_key=writer[1],
            validate_remote=True,
            address_string="南门",
            description="x",
            attributes={"which": "warm"},
        )
    assert "which" in str(caught.value)
    assert not RepairRequest.objects.exists()


# --- Discovery, services, definitions -----------------------------------------------------------


@pytest.mark.django_db
def test_it_describes_itself_in_the_discovery_document(client):
    body = get(client, "discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(get(client, "discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]
    assert root.findtext("key_service")


def test_it_lists_only_active_leaf_categories_as_services(client, tap, light):
    CategoryFactory(code="old", is_active=False)
    body = get(client, "services.json").json()
    assert [s["service_code"] for s in body] == ["light", "tap"]
    tap_service = body[1]
    assert tap_service == {
        "service_code": "tap",
        "service_name": "Tap",
        "description": "漏水、不出水",
        "metadata": True,
        "type": "realtime",
        "keywords": tap_service["keywords"],
        "group": "Water and power",
    }
    assert "水龙头" in tap_service["keywords"]
    root = xml(get(client, "services.xml"))
    assert [s.findtext("service_code") for s in root.findall("service")] == ["light", "tap"]
    assert root.find("service/metadata").text == "false"


def test_it_gives_the_questions_as_attributes(client, tap):
    body = get(client, "services/tap.json").json()
    assert body["service_code"] == "tap"
    which, since = body["attributes"]
    assert which == {
        "variable": True,
        "code": "which",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "",
        "order": 1,
        "description": which["description"],
        "values": CHOICES,
    }
    assert since["datatype"] == "datetime"
    assert "ISO 8601" in since["datatype_description"]
    root = xml(get(client, "services/tap.xml"))
    assert root.tag == "service_definition"
    keys = [v.text for v in root.findall("attributes/attribute/values/value/key")]
    assert keys == ["hot", "cold"]


def test_it_answers_404_in_both_formats_for_an_unknown_service(client, db):
    response = get(client, "services/nothing.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": response.json()[0]["description"]}]
    response = get(client, "services/nothing.xml")
    assert response.status_code == 404
    root = xml(response)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert "nothing" in root.findtext("error/description")


def test_it_answers_400_for_an_unknown_jurisdiction(client, campus):
    response = get(client, "services.json", jurisdiction_id="elsewhere")
    assert response.status_code == 400
    assert "elsewhere" in response.json()[0]["description"]


def test_it_serves_only_json_and_xml(client, db):
    assert client.get(BASE + "services.csv").status_code == 404
    assert client.put(BASE + "services.json").status_code == 405


# --- GET requests -------------------------------------------------------------------------------


def test_it_shows_requests_anonymised(client, room, tap):
    requester = UserFactory(display_name="王小明", phone="13912345678")
    RepairRequestFactory(
        requester=requester,
        category=tap,
        room=room,
        contact_phone="13912345678",
        description="请打 139 1234 5678 或 wxm@example.edu.cn 联系我",
        status="rejected",
        rejection_reason="王小明 自己弄坏的",
    )
    response = get(client, "requests.json")
    text = response.content.decode()
    assert "王小明" not in text
    assert "1234" not in text
    assert "wxm@" not in text
    item = response.json()[0]
    assert item["description"] == "请打 *** 或 *** 联系我"
    assert item["status"] == "closed"
    assert item["status_notes"] == "Rejected"
    assert item["address"] == "Dorm 1 302"
    assert item["address_id"] == str(room.pk)
    assert item["lat"] == 39.99
    assert item["requested_datetime"].endswith("+08:00")


def test_it_shows_the_details_to_a_reader_who_may_see_the_request(client, room, tap):
    repair = RepairRequestFactory(
        category=tap,
        room=room,
        description="电话 13912345678",
        status="rejected",
        rejection_reason="重复报修",
    )
    _, raw = api_token_issue(user=repair.requester, name="app", scopes=["repairs:read"])
    item = get(client, "requests.json", api_key=raw).json()[0]
    assert item["description"] == "电话 13912345678"
    assert item["status_notes"] == "Rejected: 重复报修"
    assert get(client, "requests.json", api_key="clp_bad").status_code == 403


def test_it_maps_our_states_to_open_and_closed(client, room, tap):
    for status in RepairRequest.Status.values:
        RepairRequestFactory(category=tap, room=room, status=status)
    found = get(client, "requests.json", status="open").json()
    assert sorted(r["status_notes"] for r in found) == [
        "Accepted",
        "Assigned",
        "In progress",
        "On hold",
        "Reopened",
        "Submitted",
    ]
    closed = get(client, "requests.json", status="closed").json()
    assert {r["status"] for r in closed} == {"closed"}
    assert len(closed) == 5
    assert len(get(client, "requests.json", status="open,closed").json()) == 11


def test_it_filters_requests_by_id_code_and_dates(client, room, tap, light):
    first, second = RepairRequestFactory.create_batch(2, category=tap, room=room)
    lamp = RepairRequestFactory(category=light, room=room)
    old = RepairRequestFactory(category=tap, room=room)
    RepairRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=100))

    def ids(**params):
        return sorted(
            int(r["service_request_id"]) for r in get(client, "requests.json", **params).json()
        )

    assert ids() == sorted([first.pk, second.pk, lamp.pk])  # the default window: 90 days
    assert ids(service_request_id=f"{first.pk},{old.pk}") == sorted([first.pk, old.pk])
    assert ids(service_code="light") == [lamp.pk]
    start = (timezone.now() - timedelta(days=120)).isoformat()
    end = (timezone.now() - timedelta(days=95)).isoformat()
    assert ids(start_date=start, end_date=end) == [old.pk]
    assert ids(jurisdiction_id="main") == sorted([first.pk, second.pk, lamp.pk])


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"status": "pending"}, "status"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90 days"),
        ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "before"),
        ({"service_request_id": "1,x"}, "service_request_id"),
        # Offsets PostgreSQL refuses (it was a 500); + in a query string arrives as a space.
        ({"start_date": "2026-11-01T00:00:00+23:00"}, "start_date: The time-zone offset +23:00"),
        ({"end_date": "2026-11-01T00:00:00 23:19"}, "end_date: The time-zone offset +23:19"),
        ({"start_date": "2026-11-01T00:00:00-13:00"}, "-13:00"),
        ({"service_code": "tap\x00"}, "service_code: Remove the invisible control character"),
        ({"status": "open\x0b"}, "U+000B"),
    ],
)
def test_it_answers_400_to_bad_filters(client, db, params, word):
    response = get(client, "requests.json", **params)
    assert response.status_code == 400
    assert word in response.json()[0]["description"]
    assert xml(get(client, "requests.xml", **params)).findtext("error/code") == "400"


def test_it_links_the_first_photo_as_media_url(client, room, tap):
    repair = RepairRequestFactory(category=tap, room=room)
    photo = RepairPhotoFactory(request=repair)
    RepairPhotoFactory(request=repair)
    item = get(client, f"requests/{repair.pk}.json").json()[0]
    assert item["media_url"] == f"http://testserver/repairs/{repair.pk}/photos/{photo.pk}/"


def test_it_lists_requests_in_a_fixed_number_of_queries(
    client, room, tap, django_assert_num_queries
):
    for repair in RepairRequestFactory.create_batch(5, category=tap, room=room):
        RepairPhotoFactory(request=repair)
    with django_assert_num_queries(2):  # requests, photos
        assert len(get(client, "requests.json").json()) == 5
    for repair in RepairRequestFactory.create_batch(10, category=tap, room=room):
        RepairPhotoFactory(request=repair)
    with django_assert_num_queries(2):
        assert len(get(client, "requests.xml").content) > 0


def test_it_answers_at_most_the_newest_max_requests(client, room, tap, monkeypatch):
    from repairs import open311

    monkeypatch.setattr(open311, "MAX_REQUESTS", 2)
    repairs = RepairRequestFactory.create_batch(3, category=tap, room=room)
    found = [r["service_request_id"] for r in get(client, "requests.json").json()]
    assert found == [str(repairs[2].pk), str(repairs[1].pk)]


def test_it_answers_one_request_and_its_token_in_both_formats(client, room, tap):
    repair = RepairRequestFactory(category=tap, room=room)
    assert get(client, f"requests/{repair.pk}.json").json()[0]["service_request_id"] == str(
        repair.pk
    )
    root = xml(get(client, f"requests/{repair.pk}.xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == str(repair.pk)
    assert get(client, f"tokens/{repair.pk}.json").json() == [
        {"service_request_id": str(repair.pk), "token": str(repair.pk)}
    ]
    assert xml(get(client, f"tokens/{repair.pk}.xml")).findtext("request/token") == str(repair.pk)
    assert get(client, "requests/999999.json").status_code == 404
    assert get(client, "tokens/abc.xml").status_code == 404


# --- POST requests ------------------------------------------------------------------------------


def file(client, fmt="json", **form):
    return client.post(BASE + f"requests.{fmt}", form, HTTP_ACCEPT_LANGUAGE="en")


def test_it_files_a_request_from_a_form(client, writer, room, tap):
    since = "2026-09-01T08:00:00+08:00"
    response = file(
        client,
        api_key=writer[1],
        jurisdiction_id="main",
        service_code="tap",
        address_id=str(room.pk),
        description="冷水龙头滴水",
        **{"attribute[which]": "cold", "attribute[since]": since},
        media_url="https://example.org/p.jpg",
        email="x@example.org",
    )
    assert response.status_code == 201, response.content
    reply = response.json()[0]
    repair = RepairRequest.objects.get(pk=reply["service_request_id"])
    assert reply["token"] == str(repair.pk)
    assert repair.number in reply["service_notice"]
    assert repair.room == room
    assert repair.answers["which"] == "cold"
    assert repair.description.endswith("media_url: https://example.org/p.jpg")
    assert repair.events.filter(action="submitted").exists()


def test_it_counts_filings_against_the_api_write_rate(client, writer, light, settings):
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"write": "2/min"},
    }
    form = {"api_key": writer[1], "service_code": "light", "address_string": "图书馆"}
    for _ in range(2):
        assert file(client, description="灯闪", **form).status_code == 201
    response = file(client, description="第三次", **form)
    assert response.status_code == 429
    assert "Too many requests" in response.json()[0]["description"]
    assert int(response["Retry-After"]) > 0
    assert not RepairRequest.objects.filter(description="第三次").exists()
    cache.clear()


def test_it_answers_a_filing_in_xml(client, writer, light):
    response = file(
        client,
        "xml",
        api_key=writer[1],
        service_code="light",
        address_string="图书馆三楼东侧",
        description="灯闪",
    )
    assert response.status_code == 201
    root = xml(response)
    repair = RepairRequest.objects.get()
    assert root.findtext("request/service_request_id") == str(repair.pk)
    assert repair.place_text == "图书馆三楼东侧"


def test_it_places_a_point_in_the_nearest_building(client, writer, room, light):
    response = file(
        client,
        api_key=writer[1],
        service_code="light",
        lat="39.9901",
        long="116.3101",
        description="路灯不亮",
    )
    assert response.status_code == 201
    repair = RepairRequest.objects.get()
    assert repair.building == room.building
    assert repair.place_text == "39.990100,116.310100"


def test_it_takes_several_values_of_a_multivaluelist(client, writer, light):
    CategoryQuestionFactory(category=light, code="rooms", kind="multivaluelist", choices=CHOICES)
    response = file(
        client,
        api_key=writer[1],
        service_code="light",
        address_string="南门",
        description="x",
        **{"attribute[rooms][]": ["hot", "cold"]},
    )
    assert response.status_code == 201, response.content
    assert RepairRequest.objects.get().answers == {"rooms": ["hot", "cold"]}


@pytest.mark.parametrize(
    ("form", "status", "word"),
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "clp_nonsense"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "water"}, 400, "water"),
        ({"address_id": ""}, 400, "location"),
        ({"address_id": "D1/999"}, 400, "address_id"),
        ({"address_id": "12345678901234567890"}, 400, "address_id"),
        ({"address_id": "", "lat": "north"}, 400, "lat"),
        ({"description": ""}, 400, "description"),
        ({"description": "x" * 4001}, 400, "4000"),
        ({"attribute[which]": "warm"}, 400, "attribute"),
        ({"attribute[which]": ""}, 400, "required"),
        ({"attribute[colour]": "red"}, 400, "colour"),
        ({"attribute[since]": "tomorrow"}, 400, "attribute"),
        ({"jurisdiction_id": "elsewhere"}, 400, "elsewhere"),
        # NUL was a 500 (PostgreSQL cannot store it); \x0b made the XML feed not well-formed.
        ({"description": "漏水\x00了"}, 400, "description: Remove the invisible control character"),
        ({"description": "漏水\x0b了"}, 400, "U+000B"),
        ({"address_string": "门口\x1f"}, 400, "address_string"),
        ({"attribute[which]": "hot\x00"}, 400, "attribute[which]"),
        ({"attribute[since]": "2026-09-01T08:00:00+23:00"}, 400, "attribute"),
    ],
)
def test_it_refuses_a_bad_filing_with_a_clear_message(
    client, writer, room, tap, form, status, word
):
    good = {
        "api_key": writer[1],
        "service_code": "tap",
        "address_id": "D1/302",
        "description": "漏水",
        "attribute[which]": "hot",
    }
    response = file(client, **{**good, **form})
    assert response.status_code == status, response.content
    assert word in response.json()[0]["description"]
    assert not RepairRequest.objects.exists()


def test_it_refuses_a_token_without_repairs_write(client, student, light):
    _, raw = api_token_issue(user=student, name="read only", scopes=["repairs:read"])
    response = file(client, api_key=raw, service_code="light", address_string="x", description="x")
    assert response.status_code == 403
    assert "repairs:write" in response.json()[0]["description"]


def test_it_needs_the_jurisdiction_when_there_are_several_campuses(client, writer, light, campus):
    CampusFactory(code="east")
    form = {
        "api_key": writer[1],
        "service_code": "light",
        "address_string": "x",
        "description": "x",
    }
    response = file(client, **form)
    assert response.status_code == 400
    assert "jurisdiction_id" in response.json()[0]["description"]
    assert file(client, jurisdiction_id="east", **form).status_code == 201


# --- Characters XML 1.0 forbids -----------------------------------------------------------------

# Every character XML 1.0 forbids that PostgreSQL can store (it refuses NUL and lone surrogates).
FORBIDDEN = [chr(c) for c in range(1, 32) if c not in (9, 10, 13)] + ["\ufffe", "\uffff"]


def test_every_xml_document_is_well_formed_whatever_control_characters_are_stored(
    client, writer, room, tap
):
    # Written straight to the database, as rows from before the input check would be.
    bad = "".join(FORBIDDEN)
    tap.name = tap.name_en = f"水{bad}龙头"
    tap.description = f"漏{bad}水"
    tap.save()
    tap.questions.update(label=f"哪个{bad}", label_en=f"Which{bad}")
    repair = RepairRequestFactory(
        category=tap, room=room, description=f"水龙头{bad}漏水", place_text=f"门口{bad}"
    )
    RepairRequest.objects.filter(pk=repair.pk).update(
        status="rejected", rejection_reason=f"重复{bad}"
    )
    reader = {"api_key": writer[1]}
    paths = [
        ("services.xml", {}),
        ("services/tap.xml", {}),
        ("requests.xml", {}),
        ("requests.xml", reader),
        (f"requests/{repair.pk}.xml", reader),
    ]
    for path, params in paths:
        response = get(client, path, **params)
        assert response.status_code == 200, path
        root = etree.fromstring(response.content)  # raises on a document not well-formed
        texts = "".join(root.itertext())
        assert not any(c in texts for c in FORBIDDEN), path
    request = etree.fromstring(get(client, "requests.xml", **reader).content).find("request")
    assert request.findtext("description") == "水龙头漏水"
    assert request.findtext("service_name") == "水龙头"
