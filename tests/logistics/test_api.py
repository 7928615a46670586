"""The REST API foundation over the places endpoints: access, errors, filters, query counts."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from logistics.models import Building, Campus, Department, Room, User
from logistics.tokens import api_token_issue
from tests.logistics.factories import (
    BuildingFactory,
    CampusFactory,
    DepartmentFactory,
    RoomFactory,
)

pytestmark = pytest.mark.django_db

CAMPUSES = "/api/v1/places/campuses/"
BUILDINGS = "/api/v1/places/buildings/"
ROOMS = "/api/v1/places/rooms/"
DEPARTMENTS = "/api/v1/places/departments/"
ERROR_KEYS = {"code", "detail", "fields", "request_id"}


@pytest.fixture
def campus(db):
    return CampusFactory(code="main", name="本部", name_en="Main campus")


def post(client, url, data, **kwargs):
    return client.post(url, data, content_type="application/json", **kwargs)


# --- Reading ---------------------------------------------------------------------------------


def test_it_lists_buildings_for_a_signed_in_student(client, student, campus):
    BuildingFactory(campus=campus, code="D1", name="学一楼", kind=Building.Kind.DORMITORY)
    client.force_login(student)
    body = client.get(BUILDINGS).json()
    assert len(body["results"]) == 1
    assert body["results"][0] == {
        "id": Building.objects.get().pk,
        "campus": campus.pk,
        "campus_code": "main",
        "code": "D1",
        "name": "学一楼",
        "name_en": body["results"][0]["name_en"],
        "kind": "dormitory",
        "floors": 6,
        "latitude": None,
        "longitude": None,
    }


def test_a_session_call_works_with_the_user_itself_not_the_lazy_wrapper(client, student):
    client.force_login(student)
    response = client.get(BUILDINGS)

    assert response.status_code == 200
    # DRF hands its user to the view and sets it on the request: the row, not a wrapper of it
    assert type(response.wsgi_request.user) is User
    assert response.wsgi_request.user.pk == student.pk


def test_a_session_write_without_the_csrf_token_is_refused(manager, campus):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(manager)
    body = {"campus": campus.pk, "code": "X1", "name": "新楼", "kind": "teaching"}

    refused = post(browser, BUILDINGS, body)
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert "CSRF" in refused.json()["detail"]
    assert not Building.objects.filter(code="X1").exists()

    browser.get("/")  # a page with a form (the log-out button) sets the cookie
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    assert post(browser, BUILDINGS, body, HTTP_X_CSRFTOKEN=token).status_code == 201


def test_it_answers_401_with_the_error_body_when_anonymous(client):
    response = client.get(BUILDINGS, headers={"X-Request-ID": "req-abc.1"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == "not_authenticated"
    assert body["request_id"] == "req-abc.1" == response["X-Request-ID"]


def test_it_answers_404_for_a_missing_object(client, student):
    client.force_login(student)
    for url in (f"{BUILDINGS}999999/", f"{BUILDINGS}abc/", f"{BUILDINGS}{2**70}/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"


def test_it_answers_404_in_json_for_an_unknown_api_address(client, student):
    client.force_login(student)
    for url in ("/api/v1/nowhere/", f"{BUILDINGS}1.5/", f"{BUILDINGS}%C3%87/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) == ERROR_KEYS
    assert client.post("/api/v2/anything", {}).status_code == 404
    page = client.get("/nowhere/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_it_answers_400_for_a_page_size_out_of_range(client, student):
    client.force_login(student)
    for size in ("0", "201", "many"):
        response = client.get(BUILDINGS, {"page_size": size})
        assert response.status_code == 400, size
        assert "page_size" in response.json()["fields"]


def test_it_filters_buildings_by_campus_kind_and_search(client, student, campus):
    other = CampusFactory(code="east")
    BuildingFactory(campus=campus, code="D1", name="学一楼", kind=Building.Kind.DORMITORY)
    BuildingFactory(campus=campus, code="C1", name="第一食堂", kind=Building.Kind.CANTEEN)
    BuildingFactory(campus=other, code="D9", name="东区九号楼", kind=Building.Kind.DORMITORY)
    client.force_login(student)

    def codes(query):
        return [b["code"] for b in client.get(BUILDINGS, query).json()["results"]]

    assert codes({"campus": "main"}) == ["C1", "D1"]
    assert codes({"kind": "dormitory"}) == ["D9", "D1"]  # by campus code, then code
    assert codes({"q": "食堂"}) == ["C1"]
    assert codes({"campus": "main", "kind": "dormitory"}) == ["D1"]


def test_it_orders_by_an_allowed_field_and_ignores_others(client, student, campus):
    BuildingFactory(campus=campus, code="A", floors=3)
    BuildingFactory(campus=campus, code="B", floors=9)
    client.force_login(student)
    ordered = client.get(BUILDINGS, {"ordering": "-floors"}).json()["results"]
    assert [b["code"] for b in ordered] == ["B", "A"]
    unknown = client.get(BUILDINGS, {"ordering": "latitude"}).json()["results"]
    assert [b["code"] for b in unknown] == ["A", "B"]


def test_it_answers_400_for_a_bad_filter_value(client, student):
    client.force_login(student)
    response = client.get(BUILDINGS, {"kind": "castle"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "kind" in body["fields"]
    assert client.get(ROOMS, {"floor": "x"}).status_code == 400
    assert client.get(ROOMS, {"building": str(2**80)}).status_code == 400


def test_it_filters_rooms_by_building_and_floor(client, student, campus):
    d1 = BuildingFactory(campus=campus, code="D1")
    d2 = BuildingFactory(campus=campus, code="D2")
    RoomFactory(building=d1, number="101", floor=1)
    RoomFactory(building=d1, number="301", floor=3)
    RoomFactory(building=d2, number="302", floor=3)
    client.force_login(student)
    rooms = client.get(ROOMS, {"building": d1.pk, "floor": 3}).json()["results"]
    assert [(r["building_code"], r["number"], r["campus_code"]) for r in rooms] == [
        ("D1", "301", "main")
    ]
    by_code = client.get(ROOMS, {"campus": "main", "building_code": "D2"}).json()["results"]
    assert [r["number"] for r in by_code] == ["302"]


def test_it_pages_by_cursor_with_a_bounded_page_size(client, student, campus):
    BuildingFactory.create_batch(5, campus=campus)
    client.force_login(student)
    first = client.get(BUILDINGS, {"page_size": 2}).json()
    assert set(first) == {"next", "previous", "results"}
    assert len(first["results"]) == 2 and first["previous"] is None
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    assert second["previous"] and third["next"] is None
    codes = [b["code"] for page in (first, second, third) for b in page["results"]]
    assert codes == sorted(codes) and len(set(codes)) == 5
    back = client.get(third["previous"]).json()
    assert back["results"] == second["results"]
    assert client.get(back["previous"]).json()["results"] == first["results"]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"page": 2}, "page"), ({"cursor": "nonsense"}, "cursor"), ({"page_size": 500}, "page_size")],
)
def test_it_refuses_page_numbers_and_foreign_cursors_with_a_message(
    client, student, campus, query, field
):
    BuildingFactory.create_batch(2, campus=campus)
    client.force_login(student)
    response = client.get(BUILDINGS, query)
    assert response.status_code == 400
    assert response.json()["fields"][field]


@pytest.mark.parametrize(
    ("url", "factory"),
    [
        (BUILDINGS, lambda n: BuildingFactory.create_batch(n)),
        (ROOMS, lambda n: RoomFactory.create_batch(n)),
        (DEPARTMENTS, lambda n: _departments(n)),
        (CAMPUSES, lambda n: CampusFactory.create_batch(n)),
    ],
)
def test_it_lists_with_a_fixed_number_of_queries(
    client, student, django_assert_num_queries, url, factory
):
    client.force_login(student)
    factory(2)
    client.get(url)  # warms the session and the user
    # user, page (the session is cached; lists are not counted); the departments' buildings in
    # one more query
    expected = 3 if url == DEPARTMENTS else 2
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    factory(25)
    with django_assert_num_queries(expected):
        assert len(client.get(url, {"page_size": 30}).json()["results"]) == 27


def test_it_lists_with_a_token_in_a_fixed_number_of_queries(
    client, integrator, django_assert_num_queries
):
    _, raw = api_token_issue(user=integrator, name="t", scopes=["places:read"])
    headers = {"Authorization": f"Bearer {raw}"}
    RoomFactory.create_batch(3)
    client.get(ROOMS, headers=headers)  # the first call records last_used_at
    with django_assert_num_queries(2):  # token with user, page
        assert client.get(ROOMS, headers=headers).status_code == 200
    RoomFactory.create_batch(20)
    with django_assert_num_queries(2):
        assert len(client.get(ROOMS, headers=headers).json()["results"]) == 23


def _departments(n):
    buildings = BuildingFactory.create_batch(2)
    for department in DepartmentFactory.create_batch(n):
        department.buildings.set(buildings)


# --- Writing ---------------------------------------------------------------------------------


def test_it_lets_a_manager_create_change_and_delete_a_building(client, manager, campus):
    client.force_login(manager)
    created = post(
        client, BUILDINGS, {"campus": campus.pk, "code": "T1", "name": "一教", "kind": "teaching"}
    )
    assert created.status_code == 201, created.json()
    building_id = created.json()["id"]
    changed = client.patch(
        f"{BUILDINGS}{building_id}/", {"floors": 12}, content_type="application/json"
    )
    assert changed.status_code == 200
    assert changed.json()["floors"] == 12
    assert changed.json()["campus_code"] == "main"
    assert Building.objects.get(pk=building_id).floors == 12
    assert client.delete(f"{BUILDINGS}{building_id}/").status_code == 204
    assert not Building.objects.filter(pk=building_id).exists()


def test_it_refuses_writes_by_a_student_with_403(client, student, campus):
    building = BuildingFactory(campus=campus)
    client.force_login(student)
    response = post(client, BUILDINGS, {"campus": campus.pk, "code": "X", "name": "x"})
    assert response.status_code == 403
    assert set(response.json()) == ERROR_KEYS
    assert response.json()["code"] == "permission_denied"
    assert client.delete(f"{BUILDINGS}{building.pk}/").status_code == 403
    assert Building.objects.count() == 1


def test_it_answers_400_with_field_errors_for_bad_input(client, manager, campus):
    BuildingFactory(campus=campus, code="D1")
    client.force_login(manager)
    response = post(
        client,
        BUILDINGS,
        {"campus": campus.pk, "code": "bad code!", "name": "", "floors": 0, "kind": "castle"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"code", "name", "floors", "kind"}
    assert all(isinstance(m, str) for ms in body["fields"].values() for m in ms)
    duplicate = post(client, BUILDINGS, {"campus": campus.pk, "code": "D1", "name": "again"})
    assert duplicate.status_code == 400
    assert duplicate.json()["detail"]


def test_it_answers_400_for_a_body_that_is_not_json(client, manager):
    client.force_login(manager)
    response = client.post(CAMPUSES, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    plain = client.post(CAMPUSES, "code=x", content_type="text/plain")
    assert plain.status_code == 415
    assert plain.json()["code"] == "unsupported_media_type"


def test_it_answers_405_for_an_undeclared_method(client, manager, campus):
    client.force_login(manager)
    for method, url in [("put", BUILDINGS), ("delete", CAMPUSES), ("post", "/api/v1/me/")]:
        response = getattr(client, method)(url, {}, content_type="application/json")
        assert response.status_code == 405, (method, url)
        body = response.json()
        assert set(body) == ERROR_KEYS
        assert body["code"] == "method_not_allowed"


def test_it_answers_409_when_deleting_a_campus_in_use(client, manager, campus):
    BuildingFactory(campus=campus)
    client.force_login(manager)
    response = client.delete(f"{CAMPUSES}{campus.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "protected"
    assert Campus.objects.filter(pk=campus.pk).exists()


def test_it_sets_the_buildings_a_department_serves(client, manager, campus):
    d1 = BuildingFactory(campus=campus)
    d2 = BuildingFactory(campus=campus)
    client.force_login(manager)
    response = post(
        client,
        DEPARTMENTS,
        {"code": "repair", "name": "维修中心", "kind": "repairs", "buildings": [d1.pk, d2.pk]},
    )
    assert response.status_code == 201, response.json()
    department = Department.objects.get(code="repair")
    assert set(department.buildings.all()) == {d1, d2}
    listed = client.get(DEPARTMENTS, {"building": d2.pk}).json()["results"]
    assert [d["code"] for d in listed] == ["repair"]


def test_it_refuses_a_department_below_itself(client, manager):
    parent = DepartmentFactory(code="top")
    child = DepartmentFactory(code="sub", parent=parent)
    client.force_login(manager)
    response = client.patch(
        f"{DEPARTMENTS}{parent.pk}/", {"parent": child.pk}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "parent" in response.json()["fields"]


def test_it_creates_a_room_with_a_unique_number_per_building(client, manager):
    building = BuildingFactory()
    client.force_login(manager)
    room = {"building": building.pk, "number": "301", "floor": 3, "kind": "dorm", "capacity": 4}
    assert post(client, ROOMS, room).status_code == 201
    again = post(client, ROOMS, room)
    assert again.status_code == 400
    assert Room.objects.count() == 1


def test_it_throttles_writes_with_429(client, manager, settings):
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"write": "2/min"},
    }
    client.force_login(manager)
    for code in ("a", "b"):
        assert post(client, CAMPUSES, {"code": code, "name": code}).status_code == 201
    response = post(client, CAMPUSES, {"code": "c", "name": "c"})
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert client.get(CAMPUSES).status_code == 200  # reads are not throttled
    assert not Campus.objects.filter(code="c").exists()
    cache.clear()


# --- Schema and docs -------------------------------------------------------------------------


def test_it_documents_the_bearer_scheme_and_the_errors(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == ERROR_KEYS
    create = schema["paths"]["/api/v1/places/buildings/"]["post"]["responses"]
    assert {"201", "400", "401", "403", "415", "429"} <= set(create)
    assert create["403"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    delete = schema["paths"]["/api/v1/places/campuses/{id}/"]["delete"]["responses"]
    assert {"204", "401", "403", "404", "409", "429"} <= set(delete)
    assert "405" in schema["info"]["description"]


def test_it_serves_swagger_ui_from_vendored_assets_without_inline_script(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = __import__("re").findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(s.startswith("/static/") or s.startswith("/api/docs/?") for s in sources), sources
    assert "<script>" not in html and "<style>" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_the_openapi_schema_builds_without_warnings(tmp_path):
    # A warning means a clash (two serializers or enums of one name) that clients would see
    # as a wrong or renumbered component.
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert (tmp_path / "schema.yml").stat().st_size > 10_000
