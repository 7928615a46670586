"""Dishes in the reviews system: "Rate this dish" for a date it was served, the dish page's
ratings (read live, the dish page is not cached), one review per person, dish and date."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from dining import reviews as dish_reviews
from dining.models import Menu
from dining.selectors import local_now
from reviews.models import IndexRow, Invitation, ServiceEvent, Subject
from reviews.querysets import answered_subjects_q
from reviews.registry import get_subject_kind
from reviews.services import SubjectRef, review_create, review_hide, subject_get_or_create
from tests.dining.factories import (
    DishFactory,
    MenuFactory,
    MenuItemFactory,
    WindowFactory,
    canteen_staff_for,
)
from tests.logistics.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def today():
    return local_now().date()


@pytest.fixture
def dish(db):
    window = WindowFactory(canteen__department=DepartmentFactory(code="DINING-T"))
    return DishFactory(canteen=window.canteen, window=window)


def serve(dish, day, status=Menu.Status.PUBLISHED, meal="lunch"):
    window = dish.window or WindowFactory(canteen=dish.canteen)
    menu = MenuFactory(window=window, date=day, status=status, meal=meal)
    return MenuItemFactory(menu=menu, dish=dish)


def rate(client, dish, day):
    return client.post(reverse("dining:dish-rate", args=[dish.pk]), {"date": day.isoformat()})


def test_it_records_an_unverified_uninvited_event_with_the_dish_subjects(dish, student, today):
    serve(dish, today)
    event = dish_reviews.dish_event_record(dish=dish, date=today, by=student, today=today)
    assert (event.source_id, event.verified) == (f"{dish.pk}:{today.isoformat()}", False)
    assert event.department == dish.canteen.department
    assert not Invitation.objects.exists()
    refs = set(event.subjects.values_list("kind", "ref"))
    assert refs == {
        ("campus", "all"),
        ("canteen", str(dish.canteen.pk)),
        ("window", str(dish.window.pk)),
        ("dish", str(dish.pk)),
        ("category", f"dining:{dish.category.code}"),
        ("unit", str(dish.canteen.department.pk)),
    }
    again = dish_reviews.dish_event_record(dish=dish, date=today, by=student, today=today)
    assert again.pk == event.pk


def test_it_refuses_dates_off_the_published_menus_or_too_long_ago(dish, student, today):
    serve(dish, today - datetime.timedelta(days=8))
    serve(dish, today - datetime.timedelta(days=1), status=Menu.Status.DRAFT)
    for day in (today, today - datetime.timedelta(days=1), today - datetime.timedelta(days=8)):
        with pytest.raises(ValidationError):
            dish_reviews.dish_event_record(dish=dish, date=day, by=student, today=today)
    assert not ServiceEvent.objects.exists()


def test_it_sends_the_eater_from_rate_this_dish_to_the_review_form(client, dish, student, today):
    serve(dish, today - datetime.timedelta(days=2))
    client.force_login(student)
    response = rate(client, dish, today - datetime.timedelta(days=2))
    event = ServiceEvent.objects.get(served=student)
    assert response.status_code == 302
    assert response.url == reverse("reviews:event-review", args=[event.pk])


def test_it_takes_one_review_per_person_dish_and_date(client, dish, student, today):
    serve(dish, today)
    client.force_login(student)
    rate(client, dish, today)
    review = review_create(event=ServiceEvent.objects.get(), by=student, stars=4)
    response = rate(client, dish, today)
    assert response.url == review.get_absolute_url()
    assert ServiceEvent.objects.count() == 1


def test_it_answers_a_bad_date_with_a_message_not_an_error(client, dish, student, today):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(student)
    for value in ("not-a-date", "", today.isoformat()):
        response = client.post(reverse("dining:dish-rate", args=[dish.pk]), {"date": value})
        assert response.status_code == 302 and response.url == dish.get_absolute_url()
    assert not ServiceEvent.objects.exists()


def test_it_asks_visitors_to_sign_in_before_rating(client, dish, today):
    serve(dish, today)
    response = rate(client, dish, today)
    assert response.status_code == 302 and "/login/" in response.url
    page = client.get(dish.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign in to rate this dish." in page


def _reviewed(dish, day, stars, **kwargs):
    user = UserFactory()
    event = dish_reviews.dish_event_record(dish=dish, date=day, by=user, today=day)
    return review_create(event=event, by=user, stars=stars, **kwargs)


def test_it_shows_the_average_the_count_and_the_latest_reviews(client, dish, student, today):
    serve(dish, today)
    named = _reviewed(dish, today, 5, comment="好吃")
    secret = _reviewed(dish, today, 2, comment="太咸了", anonymous=True)
    hidden = _reviewed(dish, today, 1, comment="不文明的话")
    review_hide(review=hidden, by=UserFactory(is_superuser=True), reason="辱骂")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(dish.get_absolute_url()).content.decode()
    assert "<strong>3.5</strong>" in page and "2 ratings" in page
    assert "好吃" in page and "太咸了" in page and "不文明的话" not in page
    assert secret.author.get_display_name() not in page and "Anonymous" in page
    assert named.author.get_display_name() not in page  # a visitor who is not signed in
    assert f"/reviews/complaints/new/?subject=dish:{dish.pk}" in page
    client.force_login(student)
    page = client.get(dish.get_absolute_url()).content.decode()
    assert named.author.get_display_name() in page
    assert secret.author.get_display_name() not in page


def test_it_offers_the_dates_the_user_has_not_rated_yet(client, dish, student, today):
    yesterday = today - datetime.timedelta(days=1)
    serve(dish, today)
    serve(dish, yesterday)
    client.force_login(student)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(dish.get_absolute_url()).content.decode()
    assert page.count("<option value=") == 2 and "Rate this dish" in page
    rate(client, dish, today)
    review_create(event=ServiceEvent.objects.get(), by=student, stars=5)
    page = client.get(dish.get_absolute_url()).content.decode()
    assert f'name="date" value="{yesterday.isoformat()}"' in page
    assert "Your rating of" in page


def test_it_counts_the_index_rows_and_the_reviews_written_since(dish, today):
    serve(dish, today)
    first = _reviewed(dish, today, 4)
    subject = dish_reviews.dish_subject(dish)
    IndexRow.objects.create(
        subject=subject,
        kind="dish",
        event_type=dish_reviews.EVENT_TYPE,
        period="month",
        period_start=today.replace(day=1),
        reviews=10,  # the aggregation saw ten (made up, to tell the rows from a live count)
        stars_sum=40,
        computed_at=first.created_at,
    )
    _reviewed(dish, today, 1)
    assert dish_reviews.rating_summary(subject) == {"count": 11, "mean": 3.7}


def test_it_reads_the_dish_page_in_a_fixed_number_of_queries(
    client, dish, student, today, django_assert_num_queries
):
    serve(dish, today)
    client.force_login(student)
    _reviewed(dish, today, 5)
    client.get(dish.get_absolute_url())  # warm the session and the per-process caches
    with django_assert_num_queries(12):
        client.get(dish.get_absolute_url())
    for stars in (4, 3, 2, 1, 5, 4):  # more reviews than the page lists: the same queries
        _reviewed(dish, today, stars)
    with django_assert_num_queries(12):
        client.get(dish.get_absolute_url())


def test_it_tells_reviews_who_answers_for_a_dish_a_window_and_a_canteen(dish):
    cook = canteen_staff_for(dish.canteen)
    other_cook = canteen_staff_for(DishFactory().canteen, username="cs-other")
    refs = {"dish": dish.pk, "window": dish.window.pk, "canteen": dish.canteen.pk}
    for kind, pk in refs.items():
        hooks = get_subject_kind(kind)
        facts = hooks.describe(str(pk))
        assert facts.department == dish.canteen.department
        assert hooks.answerers(str(pk)) == [cook]
        assert hooks.describe("999999999") is None
        assert hooks.describe("²") is None
        subject_get_or_create(SubjectRef(kind, str(pk), facts.name, facts.name_en))
    mine = Subject.objects.filter(answered_subjects_q(cook))
    assert {(s.kind, s.ref) for s in mine} == {(k, str(pk)) for k, pk in refs.items()}
    assert not Subject.objects.filter(answered_subjects_q(other_cook)).exists()
    assert answered_subjects_q(UserFactory(username="eater")) is None
