"""Demo data of the reviews system: repairs and dishes reviewed, follow-ups, complaints, indices."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from dining.reviews import EVENT_TYPE as DISH
from logistics import daily, indicators
from logistics.indicators import Period
from repairs.models import RepairRequest
from repairs.reviews import EVENT_TYPE as REPAIR
from reviews.demo import seed_reviews
from reviews.models import Complaint, FollowUp, IndexRow, Review, ServiceEvent

pytestmark = pytest.mark.django_db

FINISHED = ["completed", "confirmed", "closed"]


@pytest.fixture
def seeded(demo):
    """The demo seeded once for tests/demo (conftest.py)."""
    return demo


def test_it_gives_every_finished_repair_an_event_and_reviews_about_70_percent(seeded):
    finished = RepairRequest.objects.filter(status__in=FINISHED)
    events = ServiceEvent.objects.filter(event_type=REPAIR)
    # Every finished repair has its event (a reopened one keeps the event of its first completion).
    assert {str(pk) for pk in finished.values_list("pk", flat=True)} <= set(
        events.values_list("source_id", flat=True)
    )
    assert finished.count() > 50
    reviewed = Review.objects.filter(event_type=REPAIR).count()
    assert 0.6 <= reviewed / finished.count() <= 0.8
    # The repairs' copies agree with the reviews.
    for review in Review.objects.filter(event_type=REPAIR).select_related("event")[:30]:
        repair = RepairRequest.objects.get(pk=review.event.source_id)
        assert (repair.rating, repair.rated_at) == (review.stars, review.created_at)
        assert review.event.occurred_at == repair.completed_at <= review.created_at


def test_it_skews_the_stars_good_with_a_few_low_ones_followed_up(seeded):
    stars = list(Review.objects.filter(event_type=REPAIR).values_list("stars", flat=True))
    assert sum(stars) / len(stars) >= 3.8
    low = Review.objects.filter(event_type=REPAIR, stars__lte=2)
    assert low.exists()
    assert FollowUp.objects.filter(review__in=low).count() == low.count()
    assert {"open", "done"} <= set(FollowUp.objects.values_list("status", flat=True)) or (
        FollowUp.objects.count() < 3
    )


def test_it_rates_dishes_over_the_last_two_weeks(seeded):
    reviews = Review.objects.filter(event_type=DISH)
    assert reviews.count() >= 50
    days = {r.event.source_id.split(":")[1] for r in reviews.select_related("event")}
    assert 10 <= len(days) <= 14
    assert all(set(r.scores) == {"taste", "portion", "value"} for r in reviews)


def test_it_files_complaints_and_suggestions_in_various_states(seeded):
    states = set(Complaint.objects.values_list("status", flat=True))
    assert {"submitted", "acknowledged", "resolved", "closed", "withdrawn"} <= states
    assert set(Complaint.objects.values_list("kind", flat=True)) == {"complaint", "suggestion"}


def test_it_spreads_each_complaints_steps_over_hours_not_one_moment(seeded):
    from datetime import timedelta

    from django.utils import timezone

    closed = Complaint.objects.filter(status=Complaint.Status.CLOSED).first()
    assert closed is not None
    hour = timedelta(hours=1)
    assert closed.created_at + hour <= closed.acknowledged_at
    assert closed.acknowledged_at + hour <= closed.resolved_at <= closed.resolve_due_at
    assert closed.resolved_at + hour <= closed.closed_at <= timezone.now()
    times = list(closed.entries.values_list("created_at", flat=True))
    assert len(set(times)) == len(times)


def test_it_aggregates_the_index_rows(seeded):
    assert IndexRow.objects.filter(kind="dish", period="month").exists()
    assert IndexRow.objects.filter(kind="staff", event_type=REPAIR).exists()


def test_it_changes_nothing_when_run_again(seeded):
    before = (Review.objects.count(), ServiceEvent.objects.count(), Complaint.objects.count())
    seed_reviews(None)
    assert (
        Review.objects.count(),
        ServiceEvent.objects.count(),
        Complaint.objects.count(),
    ) == before


def test_it_seeds_the_dish_reviews_and_complaints_again_once_they_are_gone(seeded):
    # Our part of seed_demo on its own, on a rolled-back copy of the data (its speed is not
    # tested here: timings belong in bench/).
    with transaction.atomic():
        before = (Review.objects.filter(event_type=DISH).count(), Complaint.objects.count())
        Review.objects.filter(event_type=DISH).delete()
        ServiceEvent.objects.filter(event_type=DISH).delete()
        Complaint.objects.all().delete()
        from logistics.demo import DemoData, seed_core

        demo: DemoData = seed_core()
        seed_reviews(demo)
        assert before[0] > 0 and before[1] > 0
        assert Review.objects.filter(event_type=DISH).count() > 0
        assert Complaint.objects.count() == before[1]
        transaction.set_rollback(True)


def test_it_leaves_two_months_of_reviews_indicators_for_the_command_centre(seeded):
    today = timezone.localdate()
    start = today - timedelta(days=59)
    reviews = indicators.series("reviews.reviews", start=start, end=today)
    assert len(reviews) == 60
    assert (
        sum(value for _, value in reviews)
        == Review.objects.filter(
            is_hidden=False, created_at__gte=daily.day_bounds(start)[0]
        ).count()
    )
    month = {r.indicator.key: r for r in indicators.read(period=Period.MONTH, day=today)}
    for service in ("repairs", "dining"):
        assert 1 <= month[f"reviews.satisfaction.{service}"].value <= 5
    complaints = indicators.series("reviews.complaints", start=start, end=today)
    assert sum(value for _, value in complaints) > 0
