"""Pages of the satisfaction indices: who sees what, what they show, query counts, export."""

import csv
import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from logistics.models import StaffScope
from logistics.roles import Role
from logistics.sections import overview_sections
from reviews.indices.aggregate import month_start, week_start
from reviews.models import IndexRow, Subject
from tests.logistics.factories import DepartmentFactory, UserFactory
from tests.reviews.factories import IndexRowFactory, SubjectFactory

MONTH = month_start(timezone.localdate())


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def month_row(subject, start=MONTH, **figures):
    return IndexRowFactory(
        subject=subject, period=IndexRow.Period.MONTH, period_start=start, **figures
    )


@pytest.fixture
def department(db):
    return DepartmentFactory()


@pytest.fixture
def staff_member(department):
    user = UserFactory(roles=[Role.TECHNICIAN])
    StaffScope.objects.create(user=user, role=Role.TECHNICIAN, department=department)
    return user


@pytest.fixture
def ranked(department, staff_member):
    """Units of the month: one good with few reviews, one good with many, one poor."""
    few = SubjectFactory(kind=Subject.Kind.UNIT, name_en="Few", department=department)
    many = SubjectFactory(kind=Subject.Kind.UNIT, name_en="Many")
    poor = SubjectFactory(kind=Subject.Kind.UNIT, name_en="Poor")
    me = SubjectFactory(kind=Subject.Kind.STAFF, name_en="Me", user=staff_member)
    colleague = SubjectFactory(kind=Subject.Kind.STAFF, name_en="Colleague", department=department)
    month_row(few, reviews=6, mean=5.0, adjusted_mean=4.4)
    month_row(many, reviews=200, mean=4.6, adjusted_mean=4.58, response_rate=0.5)
    month_row(poor, reviews=50, mean=2.0, adjusted_mean=2.2, complaints=3)
    month_row(me, reviews=8, mean=3.5, adjusted_mean=3.7)
    month_row(colleague, reviews=8, mean=1.5, adjusted_mean=2.7)
    return {"few": few, "many": many, "poor": poor, "me": me, "colleague": colleague}


def test_it_ranks_subjects_of_a_kind_by_adjusted_mean(manager, ranked):
    start = MONTH.isoformat()
    response = client_for(manager).get(
        reverse("reviews:index-overview"), {"period": "month", "start": start}
    )
    assert response.status_code == 200
    names = [row.subject.name_en for row in response.context["rows"]]
    assert names == ["Many", "Few", "Poor"]
    body = response.content.decode()
    assert "Colleague" not in body
    assert '<td class="num">4.58</td>' in body and '<td class="num">50%</td>' in body


def test_it_leaves_out_subjects_below_the_minimum_sample(manager, ranked):
    response = client_for(manager).get(
        reverse("reviews:index-overview"),
        {"period": "month", "start": MONTH.isoformat(), "min_reviews": 10},
    )
    assert [row.subject.name_en for row in response.context["rows"]] == ["Many", "Poor"]


def test_it_ranks_another_kind_and_a_week(manager, ranked):
    IndexRowFactory(
        subject=ranked["me"], period="week", period_start=week_start(timezone.localdate())
    )
    response = client_for(manager).get(
        reverse("reviews:index-overview"), {"kind": "staff", "period": "week", "min_reviews": 0}
    )
    assert [row.subject.name_en for row in response.context["rows"]] == ["Me"]


def test_it_answers_bad_filters_with_a_400_and_the_defaults(manager, ranked):
    response = client_for(manager).get(
        reverse("reviews:index-overview"), {"kind": "planet", "start": "soon"}
    )
    assert response.status_code == 400
    assert "kind" in response.context["form"].errors
    assert response.context["choice"]["kind"] == "unit"


def test_it_reads_the_ranking_in_fixed_queries(manager, ranked, django_assert_num_queries):
    client = client_for(manager)
    url = reverse("reviews:index-overview")
    query = {"period": "month", "start": MONTH.isoformat(), "min_reviews": 0}
    # session, user (with its roles and unread count), count, rows (with subject and department)
    with django_assert_num_queries(3):
        client.get(url, query)
    for n in range(10):
        month_row(SubjectFactory(kind=Subject.Kind.UNIT), reviews=n)
    with django_assert_num_queries(3):
        assert len(client.get(url, query).context["rows"]) == 13


def test_it_pages_long_rankings_and_numbers_on(manager, ranked, monkeypatch):
    from reviews.indices import views

    monkeypatch.setattr(views, "RANKING_PAGE", 2)
    query = {"period": "month", "start": MONTH.isoformat(), "page": 2}
    response = client_for(manager).get(reverse("reviews:index-overview"), query)
    assert [row.subject.name_en for row in response.context["rows"]] == ["Poor"]
    body = response.content.decode()
    assert '<tr>\n        <td class="num">3</td>' in body  # the rank goes on across pages
    assert "page=1" in body and "kind=unit" in body


def test_it_denies_rankings_to_students_and_staff(student, staff_member, ranked):
    url = reverse("reviews:index-overview")
    assert client_for(student).get(url).status_code == 403
    assert client_for(staff_member).get(url).status_code == 403


def test_it_lets_supervisors_rank(db, ranked):
    supervisor = UserFactory(roles=[Role.SUPERVISOR])
    assert client_for(supervisor).get(reverse("reviews:index-overview")).status_code == 200


def test_it_draws_a_subject_trend_as_svg(manager, ranked):
    before = month_start(MONTH - datetime.timedelta(days=1))
    month_row(ranked["many"], start=before, mean=4.0, adjusted_mean=4.1, response_rate=0.25)
    response = client_for(manager).get(reverse("reviews:index-subject", args=[ranked["many"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "<polyline" in body
    assert "<script>" not in body and " style=" not in body
    stars = response.context["stars_chart"]
    assert [line.last for line in stars.lines] == ["4.60", "4.58"]
    assert response.context["rates_chart"].lines[0].last == "50%"


def test_it_draws_weeks_in_fixed_queries(manager, ranked, django_assert_num_queries):
    monday = week_start(timezone.localdate())
    for n in range(5):
        start = monday - datetime.timedelta(weeks=n)
        IndexRowFactory(subject=ranked["poor"], period="week", period_start=start)
    client = client_for(manager)
    url = reverse("reviews:index-subject", args=[ranked["poor"].pk])
    # session, user (with its roles and unread count), subject, rows
    with django_assert_num_queries(3):
        response = client.get(url, {"period": "week"})
    assert len(response.context["rows"]) == 5


def test_it_shows_staff_their_own_and_their_units_subjects_only(staff_member, ranked):
    client = client_for(staff_member)
    response = client.get(reverse("reviews:index-mine"))
    assert response.status_code == 200
    shown = {entry["subject"].name_en for entry in response.context["entries"]}
    assert shown == {"Me", "Few"}
    assert client.get(reverse("reviews:index-subject", args=[ranked["me"].pk])).status_code == 200
    assert client.get(reverse("reviews:index-subject", args=[ranked["few"].pk])).status_code == 200
    for other in ("many", "colleague"):
        url = reverse("reviews:index-subject", args=[ranked[other].pk])
        assert client.get(url).status_code == 404


def test_it_reads_my_scores_in_fixed_queries(staff_member, ranked, django_assert_num_queries):
    client = client_for(staff_member)
    # session, user (with its roles, unread count and departments), subjects, rows
    with django_assert_num_queries(3):
        client.get(reverse("reviews:index-mine"))


def test_it_denies_students_every_index_page(student, ranked):
    client = client_for(student)
    for url in (
        reverse("reviews:index-mine"),
        reverse("reviews:index-export"),
        reverse("reviews:index-subject", args=[ranked["many"].pk]),
    ):
        assert client.get(url).status_code == 403


def test_it_exports_the_month_as_csv(manager, ranked):
    response = client_for(manager).get(
        reverse("reviews:index-export"),
        {"month": MONTH.strftime("%Y-%m"), "format": "csv", "headers": "keys"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'satisfaction-{MONTH:%Y-%m}.csv"')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5
    assert [r["subject"] for r in rows if r["kind"] == "unit"] == [
        ranked["many"].name,
        ranked["few"].name,
        ranked["poor"].name,
    ]
    many = rows[[r["subject_id"] for r in rows].index(str(ranked["many"].pk))]
    assert (many["reviews"], many["adjusted_mean"], many["response_rate"]) == ("200", "4.58", "0.5")


def test_it_exports_the_month_as_xlsx(manager, ranked):
    response = client_for(manager).get(
        reverse("reviews:index-export"),
        {"month": MONTH.strftime("%Y-%m"), "format": "xlsx", "headers": "keys"},
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("month", "kind", "subject_id")
    assert len(rows) == 6


def test_it_refuses_a_bad_export_month(manager):
    response = client_for(manager).get(reverse("reviews:index-export"), {"month": "2026-13"})
    assert response.status_code == 400
    assert "month" in response.context["form"].errors


def test_it_shows_campus_satisfaction_on_the_manager_overview(manager, ranked, rf):
    campus = SubjectFactory(kind=Subject.Kind.CAMPUS, ref="all")
    month_row(campus, reviews=300, mean=4.25, satisfied_share=0.8, response_rate=0.4)
    request = rf.get("/")
    request.user = manager
    sections = overview_sections.for_user(manager)
    section = next(s for s in sections if s.key == "reviews.satisfaction")
    context = section.context(request)
    values = [figure["value"] for figure in context["figures"]]
    assert values == ["4.25", "80%", "40%", 300]
    assert [row.subject.name_en for row in context["lowest"]] == ["Poor", "Few", "Many"]


def test_it_renders_the_section_on_the_manager_overview_page(manager, ranked):
    response = client_for(manager).get(reverse("manager-overview"))
    assert response.status_code == 200
    assert "Satisfaction this month" in response.content.decode()
    assert reverse("reviews:index-subject", args=[ranked["poor"].pk]) in response.content.decode()


def test_it_shows_canteen_staff_scoped_by_building_their_canteen_only(db):
    from tests.dining.factories import DishFactory, WindowFactory

    unit = DepartmentFactory()
    window = WindowFactory(canteen__department=unit)
    dish = DishFactory(canteen=window.canteen, window=window)
    other_canteen = WindowFactory(canteen__department=unit).canteen
    staff = UserFactory(roles=[Role.CANTEEN_STAFF])
    StaffScope.objects.create(user=staff, role=Role.CANTEEN_STAFF, building=window.canteen.building)

    def subject(kind, thing):
        return SubjectFactory(kind=kind, ref=str(thing.pk), name_en=f"{kind} {thing.pk}")

    mine = [subject("canteen", window.canteen), subject("window", window), subject("dish", dish)]
    theirs = subject("canteen", other_canteen)
    for row_subject in [*mine, theirs]:
        month_row(row_subject)
    response = client_for(staff).get(reverse("reviews:index-mine"))
    shown = {entry["subject"].pk for entry in response.context["entries"]}
    assert shown == {s.pk for s in mine}
