"""The repair lists at scale: searching through indexes (numbers, rooms, Chinese text), the
queue's cursor pages and cached dropdowns, the query counts of the queue and a request's page."""

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.http import QueryDict
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

from repairs import services
from repairs.choices import forget
from repairs.filters import RepairRequestFilterSet
from repairs.models import RepairRequest
from tests.logistics.factories import DepartmentFactory, RoomFactory, UserFactory
from tests.repairs.factories import (
    RepairEventFactory,
    RepairPhotoFactory,
    RepairRequestFactory,
    image_upload,
    media_root,  # noqa: F401  (fixture)
)

Status = RepairRequest.Status
REQUESTS = "/api/v1/repairs/requests/"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "english")]


@pytest.fixture
def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def dispatcher(db):
    return UserFactory(username="d3001", roles=["repair_dispatcher"])


def found(text: str) -> set[int]:
    filterset = RepairRequestFilterSet({"q": text}, queryset=RepairRequest.objects.all())
    return set(filterset.qs.values_list("pk", flat=True))


def queue_pks(client, query: str = "") -> list[int]:
    return [r.pk for r in client.get(reverse("repairs:queue") + query).context["page"]]


# --- Search ------------------------------------------------------------------------------------


def test_it_finds_a_request_number_by_its_primary_key_alone():
    repair = RepairRequestFactory()
    RepairRequestFactory(room=RoomFactory(number=str(repair.pk)))
    filterset = RepairRequestFilterSet({"q": repair.number}, queryset=RepairRequest.objects.all())
    assert set(filterset.qs.values_list("pk", flat=True)) == {repair.pk}
    where = str(filterset.qs.query).split("WHERE")[1]
    assert "room" not in where  # no OR with the room that would defeat the primary key
    assert found(f"#{repair.pk}") == found(f"r{repair.pk}") == {repair.pk}


def test_it_finds_bare_digits_as_an_id_or_a_room_number():
    repair = RepairRequestFactory()
    in_room = RepairRequestFactory(room=RoomFactory(number=str(repair.pk)))
    RepairRequestFactory(room=RoomFactory(number=f"{repair.pk}1"))
    assert found(str(repair.pk)) == {repair.pk, in_room.pk}


def test_it_finds_two_chinese_characters_through_the_search_index():
    leak = RepairRequestFactory(description="卫生间水管漏水，地面积水")
    RepairRequestFactory(description="宿舍灯不亮")
    RepairRequestFactory(description="漏电保护器跳闸")  # 漏 alone is not 漏水
    RepairRequestFactory(place_text="三楼水房", description="水龙头坏了")
    filterset = RepairRequestFilterSet({"q": "漏水"}, queryset=RepairRequest.objects.all())
    assert set(filterset.qs.values_list("pk", flat=True)) == {leak.pk}
    if connection.vendor == "postgresql":  # SQLite (`make run`) has no index, only LIKE
        assert "@@" in str(filterset.qs.query)
    assert found("水房") == {RepairRequest.objects.get(place_text="三楼水房").pk}


def test_it_finds_english_words_and_related_names():
    lamp = RepairRequestFactory(description="The ceiling LAMP flickers")
    named = RepairRequestFactory(requester=UserFactory(display_name="Zhang Wenjing"))
    RepairRequestFactory(description="Door lock")
    assert found("lamp") == {lamp.pk}
    assert found("wenjing") == {named.pk}


def test_it_keeps_searches_new_requests_without_a_backfill():
    repair = RepairRequestFactory(description="暖气片漏水")
    stored = RepairRequest.objects.values_list("search_tokens", flat=True).get(pk=repair.pk)
    assert "'漏水'" in stored


def test_it_searches_only_open_requests_in_the_queue_unless_widened(client, dispatcher):
    open_leak = RepairRequestFactory(description="洗手池漏水")
    closed_leak = RepairRequestFactory(description="阳台漏水", status=Status.CLOSED)
    client.force_login(dispatcher)
    assert queue_pks(client, "?q=漏水") == [open_leak.pk]
    assert set(queue_pks(client, "?q=漏水&filtered=1")) == {open_leak.pk, closed_leak.pk}
    assert queue_pks(client, f"?q={closed_leak.number}&status=closed") == [closed_leak.pk]


def test_it_searches_the_api_list_through_the_index(client, manager):
    leak = RepairRequestFactory(description="暖气漏水")
    RepairRequestFactory(description="门锁坏了")
    client.force_login(manager)
    body = client.get(REQUESTS, {"q": "漏水"}).json()
    assert [row["id"] for row in body["results"]] == [leak.pk]
    assert client.get(REQUESTS, {"q": leak.number}).json()["results"][0]["id"] == leak.pk


# --- The queue's pages -------------------------------------------------------------------------


def test_it_pages_the_queue_by_cursor_with_undated_requests_last(client, dispatcher):
    now = timezone.now()
    dated = [RepairRequestFactory(completion_due_at=now + timedelta(hours=n)) for n in range(20)]
    undated = RepairRequestFactory.create_batch(12, completion_due_at=None)
    client.force_login(dispatcher)
    first = client.get(reverse("repairs:queue"))
    page = first.context["page"]
    assert len(page) == 25 and page.has_next
    assert "3 requests" not in first.text and "32 requests, earliest due first." in first.text
    second = client.get(reverse("repairs:queue") + f"?cursor={page.next_cursor}")
    rows = [r.pk for r in page] + [r.pk for r in second.context["page"]]
    assert rows == [r.pk for r in dated] + [r.pk for r in undated]
    assert 'rel="prev"' in second.text or 'rel="first"' in second.text
    stale = client.get(reverse("repairs:queue") + "?cursor=not-a-cursor")
    assert stale.status_code == 200 and [r.pk for r in stale.context["page"]] == rows[:25]


def test_it_pages_my_requests_by_cursor(client, student):
    mine = RepairRequestFactory.create_batch(27, requester=student)
    client.force_login(student)
    page = client.get(reverse("repairs:mine")).context["page"]
    rest = client.get(reverse("repairs:mine") + f"?cursor={page.next_cursor}").context["page"]
    assert [r.pk for r in page] + [r.pk for r in rest] == [r.pk for r in reversed(mine)]


# --- Query counts and cached choices ----------------------------------------------------------


def test_it_renders_the_queue_with_cached_choices_in_six_queries(
    client, dispatcher, technician, settings, django_assert_num_queries
):
    settings.REPAIRS_CHOICES_SECONDS = 300
    settings.REPAIRS_PAGE_SECONDS = 0  # the body drawn on every request, from the choices
    forget()
    client.force_login(dispatcher)
    client.get(reverse("repairs:queue"))  # builds the choices
    # session, user (with its roles, scopes and unread count), count, rows (four joins)
    for total in (3, 30):
        RepairRequestFactory.create_batch(total - RepairRequest.objects.count())
        RepairRequestFactory(assigned=True, assignee=technician)
        forget("technicians")  # the factory's saves dropped them: build them once more
        client.get(reverse("repairs:queue"))
        with django_assert_num_queries(3):
            response = client.get(reverse("repairs:queue"))
        assert len(response.context["page"]) == min(total + 1, 25)
    assert [label for _pk, label in response.context["technicians"]] == [
        f"{technician.get_display_name()} (2 open)"
    ]


def test_the_queue_s_first_page_compiled_per_shape_is_the_orm_s_for_every_reader_and_filter(
    client, dispatcher, manager, technician, settings
):
    """The first page of a shape already read is run from SQL compiled once (queue_shape,
    logistics.models.compiled.CompiledPages); for every reader and filter it lists what the ORM
    lists, and a reader's new scope or role is a new shape, not a stale page."""
    from logistics.keyset import FIRST_PAGES
    from repairs.views.dispatch import queue_filters, queue_shape

    settings.REPAIRS_PAGE_SECONDS = 0  # drawn on every view
    unit, other_unit = DepartmentFactory(), DepartmentFactory()
    room, other_room = RoomFactory(), RoomFactory()
    for department, place in ((unit, room), (other_unit, other_room), (unit, other_room)):
        RepairRequestFactory(category__department=department, room=place)
        RepairRequestFactory(category__department=department, room=place, completed=True)
        RepairRequestFactory(
            category__department=department, room=place, assigned=True, assignee=technician
        )
    scoped = UserFactory(username="d3013", roles=["repair_dispatcher"])
    scoped.staff_scopes.create(role="repair_dispatcher", department=unit)
    category = RepairRequest.objects.filter(category__department=unit).first().category_id
    queries = [
        "",
        "?filtered=1",
        "?unassigned=true",
        f"?building={other_room.building_id}",
        f"?category={category}&filtered=1",
        "?ordering=-created&filtered=1",
        "?status=submitted&status=completed",
    ]

    def expected(user, query):
        request = RequestFactory().get(reverse("repairs:queue") + query)
        request.user = user
        filters = queue_filters(request)
        assert queue_shape(user, filters) is not None  # compiled, not the ORM's way
        rows = filters.qs if "ordering" in query else filters.qs.by_due_time()
        return list(rows.values_list("pk", flat=True)[:25])

    for user in (manager, dispatcher, scoped, scoped):
        client.force_login(user)
        for query in queries:
            for _view in range(2):  # compiled on the first, run on the second
                assert queue_pks(client, query) == expected(user, query), (user, query)
    assert any(key[1][0] == "keyset" for key in FIRST_PAGES._local.plans)
    # a new scope, a new role: new shapes
    scoped.staff_scopes.create(role="repair_dispatcher", building=other_room.building)
    scoped.groups.add(Group.objects.get_or_create(name="technician")[0])
    for query in queries:
        scoped.refresh_from_db()
        fresh = type(scoped).objects.get(pk=scoped.pk)
        assert queue_pks(client, query) == expected(fresh, query), query
    assert set(queue_pks(client, "?filtered=1")) == set(
        RepairRequest.objects.filter(
            Q(category__department=unit) | Q(building=other_room.building)
        ).values_list("pk", flat=True)
    )


def test_the_api_list_s_first_page_compiled_per_shape_is_the_orm_s_for_every_reader_and_filter(
    client, dispatcher, manager, technician, student, settings
):
    """The API list reads a first page of a shape already read (the reader, the filters'
    values, the page size) from SQL compiled once, as the queue does; every reader's and
    filter's page is the ORM's, its next page follows on, and a bad filter is still a 400."""
    settings.REPAIRS_PAGE_SECONDS = 0  # drawn on every request
    unit = DepartmentFactory()
    room = RoomFactory()
    for department in (unit, DepartmentFactory()):
        RepairRequestFactory.create_batch(3, category__department=department, requester=student)
        RepairRequestFactory(
            category__department=department, room=room, assigned=True, assignee=technician
        )
        RepairRequestFactory(category__department=department, completed=True)
    scoped = UserFactory(username="d3014", roles=["repair_dispatcher"])
    scoped.staff_scopes.create(role="repair_dispatcher", department=unit)
    queries = ["", "?page_size=3", "?is_open=true&page_size=2", f"?building={room.building_id}"]
    queries += ["?status=completed", "?ordering=due", "?unassigned=true&page_size=4"]

    def expected(user, query):
        params = QueryDict(query.lstrip("?"))
        size = int(params.get("page_size", 50))
        visible = RepairRequest.objects.for_user(user).order_by("-created_at", "-id")
        rows = RepairRequestFilterSet(params, queryset=visible).qs
        return [row.pk for row in rows[:size]], rows.count() > size

    for user in (manager, dispatcher, scoped, technician, student):
        client.force_login(user)
        for query in queries:
            want, more = expected(user, query)
            for _view in range(2):  # compiled on the first, run on the second
                body = client.get(REQUESTS + query).json()
                assert [row["id"] for row in body["results"]] == want, (user, query)
                assert (body["next"] is not None) is more
            if more:  # the cursor of a compiled page leads on, through the ORM
                following = client.get(body["next"]).json()["results"]
                assert following and following[0]["id"] not in want
    assert client.get(REQUESTS + "?building=x").status_code == 400


def test_it_drops_cached_choices_when_they_change(client, dispatcher, settings):
    settings.REPAIRS_CHOICES_SECONDS = 300
    settings.REPAIRS_PAGE_SECONDS = 0  # the body drawn on every request, from the choices
    forget()
    client.force_login(dispatcher)
    assert client.get(reverse("repairs:queue")).context["technicians"] == []
    newcomer = UserFactory(display_name="New Technician", roles=["technician"])
    choices = client.get(reverse("repairs:queue")).context["technicians"]
    assert choices == [(str(newcomer.pk), "New Technician (0 open)")]
    RepairRequestFactory(assigned=True, assignee=newcomer)
    choices = client.get(reverse("repairs:queue")).context["technicians"]
    assert choices == [(str(newcomer.pk), "New Technician (1 open)")]
    room = RoomFactory()
    buildings = client.get(reverse("repairs:queue")).context["buildings"]
    assert str(room.building_id) in {pk for pk, _label in buildings}
    forget()


def test_it_drops_the_technicians_open_jobs_when_a_step_changes_them(
    client, dispatcher, technician, settings
):
    """A step is a conditional UPDATE, which sends no post_save: the dropdown is dropped by the
    step itself, so an assignment, a completion or a cancellation shows at once."""
    settings.REPAIRS_CHOICES_SECONDS = 300
    settings.REPAIRS_PAGE_SECONDS = 0
    waiting = RepairRequestFactory(status=Status.ACCEPTED)
    client.force_login(dispatcher)

    def open_jobs() -> list[str]:
        return [label for _pk, label in client.get(reverse("repairs:queue")).context["technicians"]]

    name = technician.get_display_name()
    assert open_jobs() == [f"{name} (0 open)"]
    services.repair_request_assign(repair=waiting, technician=technician, by=dispatcher)
    assert open_jobs() == [f"{name} (1 open)"]
    services.repair_request_start(repair=waiting, by=technician)
    services.repair_request_complete(repair=waiting, by=technician, note="换了新的")
    assert open_jobs() == [f"{name} (0 open)"]


def test_it_shows_a_change_to_any_request_in_the_queue_s_cached_body_at_once(
    client, dispatcher, technician, student
):
    first = RepairRequestFactory(status=Status.ACCEPTED)
    client.force_login(dispatcher)
    assert first.number in client.get(reverse("repairs:queue")).text
    filed = RepairRequestFactory(requester=student)  # a new request moves the newest change
    page = client.get(reverse("repairs:queue")).text
    assert filed.number in page
    services.repair_request_assign(repair=first, technician=technician, by=dispatcher)
    page = client.get(reverse("repairs:queue")).text
    assert f"<span>{technician.get_display_name()}</span>" in page
    services.repair_request_cancel(repair=filed, by=student)  # no longer open: off the queue
    assert filed.number not in client.get(reverse("repairs:queue")).text


def test_it_fills_the_readers_own_csrf_token_into_the_queue_s_cached_body(dispatcher):
    from django.test import Client

    repair = RepairRequestFactory(status=Status.ACCEPTED)
    technician = UserFactory(roles=["technician"])
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(dispatcher)
    second.force_login(dispatcher)  # another session: another CSRF secret
    first.get(reverse("repairs:queue"))  # draws the body
    page = second.get(reverse("repairs:queue")).text  # the same body, from the cache
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = {"requests": [repair.pk], "technician": technician.pk, "csrfmiddlewaretoken": token}
    assert second.post(reverse("repairs:assign-bulk"), data).status_code == 302
    assert RepairRequest.objects.get(pk=repair.pk).assignee_id == technician.pk


def test_it_renders_a_request_page_in_a_fixed_number_of_queries(
    client, manager, technician, settings, django_assert_num_queries
):
    settings.REPAIRS_CHOICES_SECONDS = 300  # the technicians' dropdown kept, as deployed
    repair = RepairRequestFactory(assigned=True, assignee=technician, team=DepartmentFactory())
    client.force_login(manager)
    url = repair.get_absolute_url()
    for events in (1, 6):
        while repair.events.count() < events:
            RepairPhotoFactory(request=repair, event=RepairEventFactory(request=repair))
        # as the services do when they add to a timeline
        RepairRequest.objects.filter(pk=repair.pk).update(updated_at=timezone.now())
        forget("technicians")  # cold: the dropdown too
        # user (with its roles and unread count), the request's state and, as the manager may
        # be offered the assign form, the technicians with their open jobs (the page's key,
        # and the form's choices); the request with its category; as its facts are drawn, by
        # primary key onto the same request: its building, room, requester, technician and
        # team; the events (with their actors), their photos
        with django_assert_num_queries(11):
            response = client.get(url)
        assert response.status_code == 200
        assert technician.get_display_name() in response.text
        assert response.text.count('<li class="timeline-event') == events
        # the same page again: the user, the request's state (the technicians are the
        # cache's); the page is the cache's
        with django_assert_num_queries(2):
            again = client.get(url)
        assert _without_token(again.context["body"]) == _without_token(response.context["body"])
    # drawn on every request, with its facts, its timeline and the assign form's technicians
    # from the cache: the user, the request with its category (nothing the facts show)
    settings.REPAIRS_PAGE_SECONDS = 0
    with django_assert_num_queries(2):
        drawn = client.get(url)
    assert _without_token(drawn.context["body"]) == _without_token(response.context["body"])


def test_it_keeps_a_request_s_page_while_other_requests_change(
    client, student, other_student, dispatcher, technician, django_assert_num_queries
):
    mine = RepairRequestFactory(requester=student, assigned=True, assignee=technician)
    other = RepairRequestFactory(requester=other_student, status=Status.ACCEPTED)
    client.force_login(student)
    first = client.get(mine.get_absolute_url())
    services.repair_request_assign(repair=other, technician=technician, by=dispatcher)
    # the user, the request's state: the page is the cache's, though another request changed
    with django_assert_num_queries(2):
        again = client.get(mine.get_absolute_url())
    assert _without_token(again.context["body"]) == _without_token(first.context["body"])
    services.repair_request_start(repair=mine, by=technician)  # its own change draws it again
    assert "Work started" in client.get(mine.get_absolute_url()).text


def test_it_shows_the_technicians_open_jobs_on_a_kept_page_as_they_change(
    client, dispatcher, technician, student, settings, django_assert_num_queries
):
    """The assign form counts each technician's open jobs: a page that offers it is drawn again
    when those change, and kept when another request changes without changing them."""
    settings.REPAIRS_CHOICES_SECONDS = 300
    technician.display_name = "老师傅"
    technician.save()
    waiting = RepairRequestFactory(requester=student, status=Status.ACCEPTED)
    other = RepairRequestFactory(requester=student, status=Status.ACCEPTED)
    client.force_login(dispatcher)
    first = client.get(waiting.get_absolute_url())
    assert "老师傅 (0 open)" in first.text
    services.repair_request_assign(repair=other, technician=technician, by=dispatcher)
    assigned = client.get(waiting.get_absolute_url())
    assert "老师傅 (1 open)" in assigned.text
    # work starts on the other request: its technician's open jobs stay one; the user, the
    # request's state, the technicians (the save dropped their cached dropdown): kept
    services.repair_request_start(repair=other, by=technician)
    with django_assert_num_queries(3):
        again = client.get(waiting.get_absolute_url())
    assert _without_token(again.context["body"]) == _without_token(assigned.context["body"])


def test_a_request_s_assign_form_lists_the_technicians_as_the_queue_does(
    client, dispatcher, technician, student
):
    """One dropdown of technicians with their open jobs: the queue's bulk assign and a
    request's assign form show the same options, in Chinese too."""
    RepairRequestFactory(requester=student, assigned=True, assignee=technician)
    waiting = RepairRequestFactory(requester=student, status=Status.ACCEPTED)
    client.force_login(dispatcher)
    for language in ("en", "zh-hans"):
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
        queue = client.get(reverse("repairs:queue")).text
        page = client.get(waiting.get_absolute_url()).text
        option = re.search(rf'<option value="{technician.pk}"[^>]*>([^<]+)</option>', page)
        assert option, page
        assert f'<option value="{technician.pk}">{option.group(1)}</option>' in queue
        assert "1" in option.group(1)


def _without_token(body: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def test_it_keeps_a_request_s_cached_page_to_those_who_may_see_it(
    client, student, other_student, technician, dispatcher
):
    repair = RepairRequestFactory(requester=student, status=Status.ACCEPTED)
    services.repair_request_assign(repair=repair, technician=technician, by=dispatcher)
    url = repair.get_absolute_url()
    client.force_login(student)
    assert client.get(url).status_code == 200  # kept for the requester
    client.force_login(other_student)
    assert client.get(url).status_code == 404  # another reader: not the requester's page
    client.force_login(technician)
    assert client.get(url).status_code == 200
    services.repair_request_hand_back(repair=repair, by=technician, reason="缺零件")
    assert client.get(url).status_code == 404  # no longer theirs: the change drew it again


def test_it_shows_a_step_and_a_comment_on_a_request_s_cached_page_at_once(
    client, student, dispatcher, technician
):
    repair = RepairRequestFactory(requester=student, status=Status.ACCEPTED)
    client.force_login(student)
    assert "老师傅" not in client.get(repair.get_absolute_url()).text
    technician.display_name = "老师傅"
    technician.save()
    services.repair_request_assign(repair=repair, technician=technician, by=dispatcher)
    page = client.get(repair.get_absolute_url()).text
    assert "老师傅" in page
    # a comment without photos changes no column shown, but moves the request's updated_at
    services.repair_request_comment(repair=repair, by=technician, note="明天上午九点到")
    assert "明天上午九点到" in client.get(repair.get_absolute_url()).text


def test_it_keeps_the_filer_s_own_links_on_a_request_s_cached_page_to_the_filer(
    client, student, manager
):
    student.display_name = "王小明"
    student.save()
    repair = RepairRequestFactory(requester=student, completed=True)
    services.repair_request_rate(repair=repair, by=student, rating=4)
    client.force_login(student)
    own = client.get(repair.get_absolute_url()).text
    client.force_login(manager)
    other = client.get(repair.get_absolute_url()).text
    assert "Your review" in own and "Your review" not in other

    def facts(page):
        return page.split('<dl class="facts">')[1].split("</dl>")[0]

    assert "王小明" in facts(other) and "王小明" not in facts(own)


def test_it_serializes_a_request_as_the_declared_fields_do(rf, manager, technician):
    from rest_framework import serializers

    from repairs.api.serializers import RepairRequestSerializer

    repair = RepairRequestFactory(
        completed=True,
        assignee=technician,
        team=DepartmentFactory(),
        answers={"where": "sink"},
        rating=4,
        rated_at=timezone.now(),
        labour_minutes=30,
    )
    RepairPhotoFactory(request=repair)
    plain = RepairRequestFactory(room=None, place_text="操场东侧", assignee=None)
    request = rf.get(REQUESTS)
    request.user = manager
    serializer = RepairRequestSerializer(context={"request": request})
    for row in RepairRequest.objects.for_api().with_photos().filter(pk__in=[repair.pk, plain.pk]):
        fast = serializer.to_representation(row)
        generic = serializers.ModelSerializer.to_representation(serializer, row)
        assert fast == dict(generic) and list(fast) == list(generic)


def test_it_shows_a_request_s_new_state_in_its_cached_queue_row(client, dispatcher, technician):
    from repairs import services

    repair = RepairRequestFactory(status=Status.ACCEPTED)
    client.force_login(dispatcher)
    [row] = client.get(reverse("repairs:queue")).context["rows"]
    assert "<span>unassigned</span>" in row
    services.repair_request_assign(repair=repair, technician=technician, by=dispatcher)
    [row] = client.get(reverse("repairs:queue")).context["rows"]
    assert f"<span>{technician.get_display_name()}</span>" in row


# --- The API list's cached rows -----------------------------------------------------------------


def _api_row(client, repair) -> dict:
    rows = client.get(REQUESTS).json()["results"]
    return next(row for row in rows if row["id"] == repair.pk)


def test_it_lists_the_same_rows_from_the_cache_as_one_request_reads(
    client, manager, technician, django_assert_num_queries
):
    repair = RepairRequestFactory(assigned=True, assignee=technician, answers={"where": "sink"})
    RepairPhotoFactory(request=repair)
    RepairRequestFactory(room=None, place_text="操场东侧")
    client.force_login(manager)
    first = client.get(REQUESTS).json()["results"]
    # the session's user and the page's keys: the rows are the cache's (the page is drawn)
    with override_settings(REPAIRS_PAGE_SECONDS=0), django_assert_num_queries(2):
        again = client.get(REQUESTS).json()["results"]
    assert again == first
    assert [list(row) for row in again] == [list(row) for row in first]  # the same key order
    assert _api_row(client, repair) == client.get(f"{REQUESTS}{repair.pk}/").json()


def test_it_shows_a_request_s_changes_in_its_cached_api_row_at_once(
    client, student, dispatcher, technician
):
    repair = RepairRequestFactory(requester=student, status=Status.ACCEPTED)
    client.force_login(dispatcher)
    assert _api_row(client, repair)["assignee"] is None
    services.repair_request_assign(repair=repair, technician=technician, by=dispatcher)
    row = _api_row(client, repair)
    assert row["assignee"]["id"] == technician.pk
    assert row["status"] == "assigned"
    # a comment with a photo changes no state, but the request's photos
    services.repair_request_comment(
        repair=repair, by=technician, note="", photos=[image_upload("leak.jpg")]
    )
    assert len(_api_row(client, repair)["photos"]) == 1
    # the escalation sweep changes its level
    RepairRequest.objects.filter(pk=repair.pk).update(
        completion_due_at=timezone.now() - timedelta(hours=1)
    )
    services.repair_requests_sla_sweep(now=timezone.now())
    assert _api_row(client, repair)["escalation_level"] == 1


def test_it_tells_each_reader_of_a_cached_api_row_their_own_actions(
    client, student, dispatcher, other_unit_staff
):
    unit = DepartmentFactory()
    repair = RepairRequestFactory(requester=student, category__department=unit)
    scoped = UserFactory(username="d3002", roles=["repair_dispatcher"])
    scoped.staff_scopes.create(role="repair_dispatcher", department=unit)
    client.force_login(dispatcher)
    assert "accept" in _api_row(client, repair)["allowed_actions"]
    client.force_login(student)
    assert _api_row(client, repair)["allowed_actions"] == ["cancel", "comment"]
    # a dispatcher of the category's unit: through its join, not a query per row
    client.force_login(scoped)
    assert "accept" in _api_row(client, repair)["allowed_actions"]
    # staff of another unit see neither the row nor, by it, its actions
    client.force_login(other_unit_staff)
    assert client.get(REQUESTS).json()["results"] == []


@pytest.mark.parametrize(
    "reader",
    ["requester", "technician", "manager", "dispatcher", "unit dispatcher", "building dispatcher"],
)
def test_it_lists_each_reader_s_own_actions_in_two_queries(
    client, student, technician, manager, dispatcher, reader, django_assert_num_queries
):
    """Drawn with its rows cached, the list is the session's user and the page's keys for every
    kind of reader: the category's unit is joined only for a scoped dispatcher, whose actions
    read it (repairs.permissions.dispatch_scopes), and each row's actions are those the
    request's own address gives."""
    unit = DepartmentFactory()
    room = RoomFactory()
    RepairRequestFactory(requester=student, category__department=unit, room=room)
    RepairRequestFactory(
        requester=student, category__department=unit, room=room, assigned=True, assignee=technician
    )
    RepairRequestFactory(requester=student, category__department=unit, room=room, completed=True)
    readers = {"requester": student, "technician": technician, "manager": manager}
    readers["dispatcher"] = dispatcher
    if reader.endswith(" dispatcher"):
        scoped = UserFactory(username="d3009", roles=["repair_dispatcher"])
        where = {"department": unit} if reader == "unit dispatcher" else {"building": room.building}
        scoped.staff_scopes.create(role="repair_dispatcher", **where)
        readers[reader] = scoped
    client.force_login(readers[reader])
    first = client.get(REQUESTS).json()["results"]
    with override_settings(REPAIRS_PAGE_SECONDS=0), django_assert_num_queries(2):
        rows = client.get(REQUESTS).json()["results"]
    assert rows == first
    assert rows
    assert any(row["allowed_actions"] for row in rows)
    for row in rows:
        assert row == client.get(f"{REQUESTS}{row['id']}/").json()


def test_it_tells_when_a_cached_api_row_became_overdue_without_a_write(
    client, manager, technician, monkeypatch, settings
):
    # The list's pages are kept whole for REPAIRS_PAGE_SECONDS (the overdue marks are at most
    # that old); its rows, kept longer, never freeze them.
    settings.REPAIRS_PAGE_SECONDS = 0
    due = timezone.now() + timedelta(hours=2)
    repair = RepairRequestFactory(assigned=True, assignee=technician, completion_due_at=due)
    client.force_login(manager)
    assert _api_row(client, repair)["is_overdue"] is False
    later = due + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)  # the clock only: nothing is written
    row = _api_row(client, repair)
    assert row["is_overdue"] is True
    assert RepairRequest.objects.get(pk=repair.pk).updated_at < due


def test_it_keeps_a_page_of_the_api_list_to_its_caller(client, student, other_student):
    mine = RepairRequestFactory(requester=student)
    theirs = RepairRequestFactory(requester=other_student)
    for user, own in ((student, mine), (other_student, theirs), (student, mine)):
        client.force_login(user)
        assert [row["id"] for row in client.get(REQUESTS).json()["results"]] == [own.pk]


def test_it_answers_a_kept_page_of_the_api_list_with_the_text_a_drawn_one_has(
    client, manager, settings
):
    RepairRequestFactory.create_batch(3, description="水管漏水 “quoted” \u2028")
    RepairPhotoFactory(request=RepairRequest.objects.first())
    client.force_login(manager)
    settings.REPAIRS_PAGE_SECONDS = 0
    drawn = client.get(REQUESTS)
    pretty = client.get(REQUESTS, HTTP_ACCEPT="application/json; indent=2")
    settings.REPAIRS_PAGE_SECONDS = 60
    for answer in (drawn, pretty):
        assert answer.status_code == 200
    # put together from the rows' kept text: what DRF's renderer writes for the same data
    assert drawn.content == JSONRenderer().render(drawn.json())
    assert drawn.json() == pretty.json()  # the indented one rendered from the data
    # kept as its text: the same bytes and type, and each indentation its own text
    for _twice in range(2):
        kept = client.get(REQUESTS)
        assert (kept.content, kept["Content-Type"]) == (drawn.content, "application/json")
        kept_pretty = client.get(REQUESTS, HTTP_ACCEPT="application/json; indent=2")
        assert kept_pretty.content == pretty.content != drawn.content
    assert len(kept.json()["results"]) == 3
    assert [len(row["photos"]) for row in kept.json()["results"]].count(1) == 1
    # bad input is answered, never kept
    assert client.get(REQUESTS + "?cursor=nonsense").status_code == 400
    assert client.get(REQUESTS + "?cursor=nonsense").status_code == 400


def test_readers_who_may_do_the_same_share_the_actions_html(
    client, dispatcher, manager, student, settings
):
    """The actions with their new forms are drawn once for the request, its status and what
    the forms draw; a form's change (a photo limit) or the request's status draws them anew."""
    settings.REPAIRS_CHOICES_SECONDS = 300
    settings.REPAIRS_PAGE_SECONDS = 0  # pages drawn each time, their actions from the cache
    cache.clear()  # an earlier run's request of the same number left its actions there
    repair = RepairRequestFactory(requester=student, status=Status.ACCEPTED)
    actions = "repairs/includes/_actions.html"
    client.force_login(dispatcher)
    first = client.get(repair.get_absolute_url())
    assert actions in [t.name for t in first.templates]
    client.force_login(manager)  # the same actions: the HTML is the cache's
    second = client.get(repair.get_absolute_url())
    assert actions not in [t.name for t in second.templates]
    assert _without_token(second.context["body"]) == _without_token(first.context["body"])
    assert 'data-max-files="6"' in second.text
    settings.REPAIRS_MAX_PHOTOS = 2
    client.force_login(dispatcher)
    third = client.get(repair.get_absolute_url())
    assert actions in [t.name for t in third.templates]
    assert 'data-max-files="2"' in third.text and 'data-max-files="6"' not in third.text
    services.repair_request_assign(
        repair=repair, technician=UserFactory(roles=["technician"]), by=dispatcher
    )
    fourth = client.get(repair.get_absolute_url())
    assert actions in [t.name for t in fourth.templates]
    assert "Reassign" in fourth.text
