"""The command centre (/manage/): who opens it, what needs attention today and since when, how
each indicator is doing, the places filter, and a query count that does not grow with the
indicators and places. Everything it shows comes from stored IndicatorValue rows."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from logistics import command_centre, indicators
from logistics.indicators import DOWN, NEUTRAL, UP, Indicator, Period, Scope, ScopeKind, Unit
from logistics.models import IndicatorValue, StaffScope
from logistics.roles import Role
from tests.logistics.factories import (
    BuildingFactory,
    CampusFactory,
    DepartmentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/manage/"


def _queue(scope: Scope) -> str:
    return f"/repairs/queue/?{scope.kind}={scope.id}&overdue=true"


def _indicators(service: str, n: int) -> list[Indicator]:
    """`n` test indicators of a service: overdue now (a state, lower is better, over 3), on time
    (a rate, higher is better, under 80) and filed (a volume), then more overdue-like ones."""
    made = [
        Indicator(
            f"{service}.overdue",
            f"{service} overdue",
            unit=Unit.COUNT,
            good=DOWN,
            value=indicators.latest(f"{service}.overdue"),
            state=True,
            threshold=3,
            drill_down=_queue,
        ),
        Indicator(
            f"{service}.on_time",
            f"{service} on time",
            unit=Unit.PERCENT,
            good=UP,
            value=indicators.rate(f"{service}.on_time"),
            threshold=80,
        ),
        Indicator(
            f"{service}.filed",
            f"{service} filed",
            unit=Unit.COUNT,
            good=NEUTRAL,
            value=indicators.total(f"{service}.filed"),
        ),
    ]
    for extra in range(n - 3):
        made.append(
            Indicator(
                f"{service}.extra{extra}",
                f"{service} extra {extra}",
                unit=Unit.HOURS,
                good=DOWN,
                value=indicators.total(f"{service}.extra{extra}"),
                threshold=10,
            )
        )
    return made[:n]


@pytest.fixture
def registry(monkeypatch):
    """An empty indicator registry with two services' test indicators (the apps' own come
    from their AppConfig; these tests own theirs)."""
    monkeypatch.setattr(indicators, "_INDICATORS", {})
    monkeypatch.setattr(indicators, "_SERVICES", {})

    def register(per_service=3, services=("fix", "food")):
        for service in services:
            indicators.register_indicators(service, _indicators(service, per_service))

    register()
    return register


@pytest.fixture
def places():
    north, south = CampusFactory(code="N"), CampusFactory(code="S")
    return {
        "north": north,
        "south": south,
        "a": BuildingFactory(campus=north, code="A", name="甲楼", name_en="Block A"),
        "b": BuildingFactory(campus=south, code="B", name="乙楼", name_en="Block B"),
        "dept": DepartmentFactory(campus=north, name="维修中心", name_en="Repair centre"),
    }


def today():
    return timezone.localdate()


def store(key, scope: Scope, value, *, attention=False, day=None, period=Period.DAY):
    day = day or today()
    start = indicators.period_start(period, day)
    IndicatorValue.objects.update_or_create(
        key=key,
        scope_kind=scope.kind,
        scope_id=scope.id,
        period=period,
        start=start,
        defaults={
            "end": day,
            "value": value,
            "attention": attention,
            "computed_at": timezone.now(),
        },
    )


def building(place) -> Scope:
    return Scope(ScopeKind.BUILDING, place.pk)


def unit_head(role=Role.REPAIR_DISPATCHER, **unit):
    user = UserFactory(roles=[role])
    StaffScope.objects.create(user=user, role=role, **unit)
    return user


def page(client, user, query="", language="en"):
    client.force_login(user)
    return client.get(URL + query, HTTP_ACCEPT_LANGUAGE=language)


# --- who opens it --------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_it_refuses_students_technicians_and_unassigned_unit_heads(client, student, technician):
    unassigned = UserFactory(roles=[Role.REPAIR_DISPATCHER])
    clerk = unit_head(Role.MAILROOM_CLERK, department=DepartmentFactory())
    for user in (student, technician, unassigned, clerk):
        assert page(client, user).status_code == 403


def test_it_opens_to_managers_supervisors_and_superusers(client, manager, registry):
    supervisor = UserFactory(roles=[Role.SUPERVISOR])
    superuser = UserFactory(is_superuser=True, is_staff=True)
    for user in (manager, supervisor, superuser):
        response = page(client, user)
        assert response.status_code == 200
        assert "Command centre" in response.content.decode()


def test_the_navigation_offers_it_to_managers_and_unit_heads_only(client, manager, student):
    dispatcher = unit_head(department=DepartmentFactory())
    for user, shown in ((manager, True), (dispatcher, True), (student, False)):
        client.force_login(user)
        html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert (f'class="nav-manage" href="{URL}"' in html) is shown
    # the manager overview stays in a manager's account menu, and is linked from the page
    assert f'href="{reverse("manager-overview")}"' in page(client, manager).content.decode()
    assert f'href="{reverse("manager-overview")}"' not in page(client, dispatcher).content.decode()


def test_the_link_and_the_page_follow_one_rule(client, manager, student, registry):
    """Whoever sees "Manage" opens the page; whoever does not gets 403 there — an unscoped
    dispatcher or dorm manager (a unit head with no unit) included."""
    cast = [
        (manager, True),
        (unit_head(building=BuildingFactory()), True),
        (unit_head(Role.DORM_MANAGER, department=DepartmentFactory()), True),
        (UserFactory(roles=[Role.REPAIR_DISPATCHER]), False),
        (UserFactory(roles=[Role.DORM_MANAGER]), False),
        (unit_head(Role.MAILROOM_CLERK, building=BuildingFactory()), False),
        (student, False),
    ]
    for user, allowed in cast:
        assert command_centre.may_open(user) is allowed, user
        client.force_login(user)
        home = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert (f'class="nav-manage" href="{URL}"' in home) is allowed, user
        assert client.get(URL).status_code == (200 if allowed else 403), user


# --- needs me today ------------------------------------------------------------------------------


def test_it_lists_what_is_over_its_threshold_today_newest_first_with_its_rows(
    client, manager, registry, places
):
    a, b = building(places["a"]), building(places["b"])
    # building A's overdue requests have been over for three days; B's went over today
    for days_ago, over in ((4, False), (3, True), (2, True), (1, True), (0, True)):
        store("fix.overdue", a, 9, attention=over, day=today() - timedelta(days=days_ago))
    store("fix.overdue", b, 2, attention=False, day=today() - timedelta(days=1))
    store("fix.overdue", b, 5, attention=True)
    store("food.on_time", Scope(ScopeKind.SITE), 60, attention=True)
    store("fix.on_time", a, 95)  # fine
    store("food.filed", a, 400)  # a volume never needs attention

    html = page(client, manager).content.decode()

    attention = html.split('id="attention-title"')[1].split('id="doing-title"')[0]
    assert attention.count('class="card cc-alert"') == 3
    # newest first: the two that went over today, then A's, over since three days before today
    assert attention.index("Whole university") < attention.index("Block B")  # the site first
    assert attention.index("Whole university") < attention.index("Block A")
    assert attention.index("Block B") < attention.index("Block A")
    since = (today() - timedelta(days=3)).isoformat()
    assert f'Over since <time datetime="{since}">{since}</time> (4 days)' in attention
    assert "Over since today" in attention
    assert f'href="{_queue(a)}"'.replace("&", "&amp;") in attention
    assert "threshold: at most 3" in attention and "threshold: at least 80.0%" in attention
    assert "<strong>60.0%</strong>" in attention


def test_a_day_back_under_the_threshold_restarts_the_run(client, manager, registry, places):
    a = building(places["a"])
    for days_ago, over in ((5, True), (4, True), (3, False), (2, True), (1, True), (0, True)):
        store("fix.overdue", a, 9, attention=over, day=today() - timedelta(days=days_ago))
    alerts = command_centre.needs_attention(today(), None, str)
    assert [(x.since, x.days) for x in alerts] == [(today() - timedelta(days=2), 3)]


# --- how are we doing ----------------------------------------------------------------------------


def test_it_shows_today_this_week_and_this_month_against_the_period_before(
    client, manager, registry
):
    site = Scope(ScopeKind.SITE)
    yesterday = today() - timedelta(days=1)
    store("fix.overdue", site, 2, day=yesterday)
    store("fix.overdue", site, 5, attention=True)
    for period, now, before in ((Period.WEEK, 5, 4), (Period.MONTH, 5, 1)):
        store("fix.overdue", site, now, period=period)
        previous = indicators.previous_start(period, indicators.period_start(period, today()))
        store("fix.overdue", site, before, period=period, day=previous)
    for days_ago in range(2, 40):  # older than the sparkline's 30 days from day 30 on
        store("fix.overdue", site, days_ago % 4, day=today() - timedelta(days=days_ago))
    store("food.filed", site, 120)

    html = page(client, manager).content.decode()
    doing = html.split('id="doing-title"')[1]

    fix = doing.split('id="service-fix"')[1].split('id="service-food"')[0]
    assert "fix overdue" in fix and "needs attention" in fix
    assert '<dd class="cc-value">5</dd>' in fix
    assert "yesterday 2" in fix and "last week 4" in fix and "last month 1" in fix
    # worse three times over (more overdue), said in words beside the arrow
    assert fix.count("cc-change cc-worse") == 3 and "(worse)" in fix
    assert fix.count("<polyline") == 1
    points = fix.split('<polyline points="')[1].split('"')[0].split()
    assert len(points) == 30  # the last 30 days, today included
    assert "latest 5" in fix and "threshold: at most 3" in fix
    food = doing.split('id="service-food"')[1]
    assert "food filed" in food and "cc-better" not in food and "cc-worse" not in food
    assert "fix on time" not in doing  # no values for it: not shown


def test_it_says_so_when_there_are_no_values_yet(client, manager, registry):
    html = page(client, manager).content.decode()
    assert "Nothing is past its threshold today." in html
    assert "No indicator has values for Whole university yet." in html


# --- places --------------------------------------------------------------------------------------


def test_a_campus_shows_its_own_buildings_and_departments_only(client, manager, registry, places):
    store("fix.overdue", building(places["a"]), 9, attention=True)
    store("fix.overdue", building(places["b"]), 9, attention=True)
    store("fix.overdue", Scope(ScopeKind.DEPARTMENT, places["dept"].pk), 9, attention=True)
    store("fix.overdue", Scope(ScopeKind.CAMPUS, places["north"].pk), 4, attention=True)

    html = page(client, manager, f"?campus={places['north'].pk}").content.decode()
    attention = html.split('id="attention-title"')[1].split('id="doing-title"')[0]
    assert "Block A" in attention and "Repair centre" in attention and "Block B" not in attention
    assert attention.count('class="card cc-alert"') == 3  # the campus itself too
    doing = html.split('id="doing-title"')[1]
    assert '<dd class="cc-value">4</dd>' in doing  # the campus's own value

    html = page(client, manager, f"?building={places['b'].pk}").content.decode()
    attention = html.split('id="attention-title"')[1].split('id="doing-title"')[0]
    assert "Block B" in attention and "Block A" not in attention


def test_bad_choices_are_answered_in_words(client, manager, registry, places):
    wrong_campus = f"?campus={places['south'].pk}&building={places['a'].pk}"
    html = page(client, manager, wrong_campus).content.decode()
    assert "This is not on the campus chosen." in html
    both = f"?building={places['a'].pk}&department={places['dept'].pk}"
    assert "not both" in page(client, manager, both).content.decode()
    response = page(client, manager, "?building=abc")
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    response = page(client, manager, "?building=abc", language="zh-hans")
    assert "选择一个有效的选项" in response.content.decode()
    assert page(client, manager, "?building=999999").status_code == 404


def test_a_unit_head_sees_their_units_only(client, registry, places):
    a, b = building(places["a"]), building(places["b"])
    head = unit_head(Role.DORM_MANAGER, building=places["a"])
    store("fix.overdue", a, 9, attention=True)
    store("fix.overdue", b, 9, attention=True)
    store("fix.overdue", Scope(ScopeKind.SITE), 40, attention=True)
    store("fix.on_time", a, 91)
    store("fix.on_time", Scope(ScopeKind.SITE), 55)

    response = page(client, head)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Block A" in html and "Block B" not in html and "Whole university" not in html
    assert "91.0%" in html and "55.0%" not in html
    assert 'name="campus"' not in html  # a campus would be wider than their unit

    # a place outside their units is not found, whether it exists or not
    for query in (f"?building={places['b'].pk}", f"?campus={places['north'].pk}", "?building=0"):
        assert page(client, head, query).status_code == 404
    assert page(client, head, f"?building={places['a'].pk}").status_code == 200


def test_a_department_head_sees_the_departments_values(client, registry, places):
    dept = Scope(ScopeKind.DEPARTMENT, places["dept"].pk)
    head = unit_head(department=places["dept"])
    store("fix.overdue", dept, 7, attention=True)
    store("fix.overdue", building(places["a"]), 9, attention=True)
    html = page(client, head).content.decode()
    assert "Repair centre" in html and "Block A" not in html
    assert '<dd class="cc-value">7</dd>' in html


# --- cost ----------------------------------------------------------------------------------------


def _fill(n_buildings, places, *also: Scope):
    """Three days of every indicator (50: over every threshold but the volumes') for the site,
    `n_buildings` new buildings and `also`."""
    campus = places["north"]
    scopes = [Scope(ScopeKind.SITE), *also] + [
        building(BuildingFactory(campus=campus, code=f"X{n}")) for n in range(n_buildings)
    ]
    for indicator in indicators.all_indicators():
        over = indicator.needs_attention(50)
        for scope in scopes:
            for days_ago in range(3):
                store(indicator.key, scope, 50, attention=over, day=today() - timedelta(days_ago))
            for period in (Period.WEEK, Period.MONTH):
                store(indicator.key, scope, 50, period=period)


# session, user (with its roles and unread count), campuses, buildings, departments, today's alerts
# with since when, three periods' readings, the sparklines
QUERIES = 9


@pytest.mark.parametrize(("per_service", "n_buildings"), [(3, 1), (8, 12)])
def test_its_query_count_does_not_grow_with_indicators_and_places(
    client, manager, registry, places, django_assert_num_queries, per_service, n_buildings
):
    registry(per_service)
    _fill(n_buildings, places)
    client.force_login(manager)
    with django_assert_num_queries(QUERIES):
        response = client.get(URL)
    alerts = response.content.decode().count('class="card cc-alert"')
    assert alerts == 2 * (per_service - 1) * (n_buildings + 1)  # all but the volumes


def test_a_unit_heads_query_count_is_as_small(client, registry, places):
    head = unit_head(building=places["a"])
    StaffScope.objects.create(user=head, role=Role.REPAIR_DISPATCHER, department=places["dept"])
    _fill(2, places, building(places["a"]), Scope(ScopeKind.DEPARTMENT, places["dept"].pk))
    client.force_login(head)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(URL).content.decode()
    assert html.count('class="card cc-alert"') == 2 * 2 * 2  # two units, not the buildings
    # their scopes come with the session's user; their buildings and departments by id, in two
    # queries instead of three (every campus, building and department)
    assert len(queries) == QUERIES - 1


# --- language ------------------------------------------------------------------------------------


def test_it_speaks_chinese(client, manager, registry, places):
    store("fix.overdue", building(places["a"]), 9, attention=True)
    html = page(client, manager, language="zh-hans").content.decode()
    for text in ("指挥中心", "今日待办", "运行情况", "甲楼", "今天起超标"):
        assert text in html, text


def test_every_registered_indicator_reads_in_chinese_and_in_english(client, manager, places):
    """The apps' own indicators (no test registry): the page in Chinese shows none of their
    English names, the page in English no Chinese of its own."""
    site = Scope(ScopeKind.SITE)
    registered = indicators.all_indicators()
    assert registered
    for indicator in registered:
        store(indicator.key, site, 1, attention=True)
    with translation.override("en"):
        english = {i.key: str(i.label) for i in registered}

    def text(response) -> str:
        main = response.content.decode().split('<main id="main"')[1].split("</main>")[0]
        return re.sub(r"<[^>]+>", " ", main)

    chinese = text(page(client, manager, language="zh-hans"))
    assert [key for key, label in english.items() if label in chinese] == []
    in_english = text(page(client, manager))
    assert re.findall(r"[\u4e00-\u9fff]+", in_english) == []
    assert [key for key, label in english.items() if label not in in_english] == []  # all shown
