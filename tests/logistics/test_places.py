"""Place services, the managers' import page and the places admin."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import ProtectedError

from logistics.models import Building, Campus, Department, Room
from logistics.places import place_create, place_delete, place_update
from tests.logistics.factories import BuildingFactory, CampusFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db

IMPORT = "/places/import/"


def upload(text: str, name: str = "buildings.csv", encoding: str = "utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


# --- Services --------------------------------------------------------------------------------


def test_it_creates_updates_and_deletes_places_for_a_manager(manager):
    campus = place_create(model=Campus, data={"code": "north", "name": "北校区"}, by=manager)
    building = place_create(
        model=Building, data={"campus": campus, "code": "N1", "name": "北一楼"}, by=manager
    )
    place_update(place=building, data={"floors": 7}, by=manager)
    assert Building.objects.get(pk=building.pk).floors == 7
    with pytest.raises(ProtectedError):
        place_delete(place=campus, by=manager)
    place_delete(place=building, by=manager)
    place_delete(place=campus, by=manager)
    assert not Campus.objects.exists()


def test_it_sets_many_to_many_fields_through_the_service(manager):
    buildings = BuildingFactory.create_batch(2)
    department = place_create(
        model=Department,
        data={"code": "mail", "name": "收发室", "buildings": buildings},
        by=manager,
    )
    assert set(department.buildings.all()) == set(buildings)
    place_update(place=department, data={"buildings": buildings[:1]}, by=manager)
    assert list(department.buildings.all()) == buildings[:1]


@pytest.mark.parametrize("role_user", ["student", "technician", "integrator"])
def test_it_refuses_place_changes_by_anyone_but_a_manager(request, role_user):
    user = request.getfixturevalue(role_user)
    room = RoomFactory()
    with pytest.raises(PermissionDenied):
        place_create(model=Campus, data={"code": "x", "name": "x"}, by=user)
    with pytest.raises(PermissionDenied):
        place_update(place=room, data={"capacity": 9}, by=user)
    with pytest.raises(PermissionDenied):
        place_delete(place=room, by=user)
    assert Room.objects.get(pk=room.pk).capacity is None


# --- The import page -------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_the_login(client):
    response = client.get(IMPORT)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] or "login" in response["Location"]


@pytest.mark.parametrize("role_user", ["student", "technician", "integrator"])
def test_it_refuses_the_import_page_to_non_managers(client, request, role_user):
    client.force_login(request.getfixturevalue(role_user))
    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, {"kind": "buildings", "file": upload("x")}).status_code == 403
    assert client.get("/places/import/template/rooms.csv").status_code == 403


def test_it_shows_the_import_page_with_templates_to_a_manager(client, manager):
    client.force_login(manager)
    page = client.get(IMPORT)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "/places/import/template/buildings.csv" in html
    assert "/places/import/template/rooms.csv" in html
    template = client.get("/places/import/template/rooms.csv")
    assert template["Content-Type"] == "text/csv"
    assert "attachment" in template["Content-Disposition"]
    header = template.content.decode("utf-8-sig").splitlines()[0]
    assert header == "campus,building,number,floor,kind,capacity"
    assert client.get("/places/import/template/castles.csv").status_code == 404


def test_it_imports_a_good_file_from_the_page(client, manager):
    CampusFactory(code="main")
    client.force_login(manager)
    text = "campus,code,name,kind,floors\nmain,D1,学一楼,dormitory,6\nmain,D2,学二楼,dormitory,6\n"
    response = client.post(
        IMPORT, {"kind": "buildings", "file": upload(text, encoding="gbk")}, follow=True
    )
    assert response.redirect_chain[-1][0] == IMPORT
    assert Building.objects.count() == 2
    assert "2" in str(list(response.context["messages"])[0])


def test_it_lists_every_bad_row_on_the_result_page_and_imports_nothing(client, manager):
    BuildingFactory(campus=CampusFactory(code="main"), code="D1", floors=6)
    client.force_login(manager)
    text = "campus,building,number,floor\nmain,D1,101,1\nmain,D9,101,1\nmain,D1,901,9\n"
    response = client.post(IMPORT, {"kind": "rooms", "file": upload(text, "rooms.csv")})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="line-3"' in html and 'id="line-4"' in html
    assert 'id="line-2"' not in html
    assert "D9" in html
    assert not Room.objects.exists()


def test_it_shows_a_file_problem_on_the_result_page(client, manager):
    client.force_login(manager)
    response = client.post(
        IMPORT,
        {"kind": "buildings", "file": upload("nothing,useful\n1,2\n")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Unknown column(s)" in response.content.decode()


def test_it_asks_for_a_file_when_none_is_given(client, manager):
    client.force_login(manager)
    response = client.post(IMPORT, {"kind": "buildings"})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


# --- Admin -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/admin/logistics/user/",
        "/admin/logistics/campus/",
        "/admin/logistics/building/?kind=dormitory",
        "/admin/logistics/room/?q=101",
        "/admin/logistics/department/",
        "/admin/logistics/notification/",
        "/admin/logistics/notificationpreference/",
        "/admin/logistics/webhookendpoint/",
        "/admin/logistics/outboxmessage/",
        "/admin/logistics/apitoken/",
        "/admin/logistics/apitoken/add/",
        "/admin/logistics/user/add/",
        "/admin/logistics/room/add/",
    ],
)
def test_it_opens_every_core_admin_page(client, url):
    RoomFactory(number="101")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get(url).status_code == 200


def test_it_shows_the_staff_scopes_of_a_user_in_the_admin(client, technician):
    from logistics.models import StaffScope

    building = BuildingFactory(code="D7")
    StaffScope.objects.create(user=technician, role="technician", building=building)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    html = client.get(f"/admin/logistics/user/{technician.pk}/change/").content.decode()
    assert "staff_scopes-0-building" in html
