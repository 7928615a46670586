"""Aggregation of reviews, invitations and complaints into index rows, on hand-made data."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from reviews.indices.aggregate import aggregate_day, aggregate_recent, day_bounds
from reviews.models import IndexRow, Invitation, Subject
from tests.reviews.factories import (
    TEST_EVENT_TYPE,
    ComplaintFactory,
    ReviewFactory,
    ServiceEventFactory,
    SubjectFactory,
)

DAY = datetime.date(2026, 3, 11)  # a Wednesday; its week starts on Monday 9 March


def at(day, hour=10, minute=0):
    return day_bounds(day)[0] + datetime.timedelta(hours=hour, minutes=minute)


def review(subjects, stars, *, day=DAY, hour=10, scores=None, hidden=False, event_type=None):
    event = ServiceEventFactory(
        subjects=subjects, occurred_at=at(day, 8), event_type=event_type or TEST_EVENT_TYPE
    )
    return ReviewFactory(
        event=event, stars=stars, created_at=at(day, hour), scores=scores or {}, is_hidden=hidden
    )


def row(subject, period="day", start=DAY, event_type=""):
    return IndexRow.objects.get(
        subject=subject, period=period, period_start=start, event_type=event_type
    )


@pytest.fixture
def subjects(db):
    campus = SubjectFactory(kind=Subject.Kind.CAMPUS, ref="all")
    unit_a = SubjectFactory(kind=Subject.Kind.UNIT)
    unit_b = SubjectFactory(kind=Subject.Kind.UNIT)
    return campus, unit_a, unit_b


def test_it_counts_means_and_satisfied_share(subjects, settings):
    settings.REVIEWS_PRIOR_WEIGHT = 2
    campus, a, b = subjects
    for stars in (5, 4, 3):
        review([campus, a], stars)
    review([campus, b], 1)

    aggregate_day(day=DAY)

    ra = row(a)
    assert (ra.reviews, ra.stars_sum, ra.satisfied) == (3, 12, 2)
    assert ra.mean == 4.0
    assert ra.satisfied_share == pytest.approx(2 / 3, abs=1e-4)
    # m = every unit review of the day: (12 + 1) / 4; adjusted = (2·m + 12) / (2 + 3)
    assert ra.adjusted_mean == pytest.approx((2 * 13 / 4 + 12) / 5, abs=1e-4)
    rb = row(b)
    assert rb.adjusted_mean == pytest.approx((2 * 13 / 4 + 1) / 3, abs=1e-4)
    assert row(campus).reviews == 4
    assert row(campus).kind == Subject.Kind.CAMPUS
    # the campus is alone of its kind: its prior is its own mean
    assert row(campus).adjusted_mean == pytest.approx(13 / 4, abs=1e-4)
    assert row(a, event_type=TEST_EVENT_TYPE).reviews == 3


def test_it_leaves_hidden_reviews_and_other_days_out(subjects):
    campus, a, _b = subjects
    review([campus, a], 5)
    review([campus, a], 1, hidden=True)
    review([campus, a], 1, day=DAY - datetime.timedelta(days=1), hour=23)
    # 23:30 in Shanghai on DAY is still DAY although it is 15:30 UTC
    review([campus, a], 3, hour=23, event_type=TEST_EVENT_TYPE)

    aggregate_day(day=DAY)

    assert (row(a).reviews, row(a).stars_sum) == (2, 8)


def test_it_averages_dimension_scores(subjects):
    campus, a, _b = subjects
    review([campus, a], 5, scores={"speed": 5, "quality": 4})
    review([campus, a], 3, scores={"speed": 2})

    aggregate_day(day=DAY)

    assert row(a).dimension_means == {
        "quality": {"mean": 4.0, "n": 1},
        "speed": {"mean": 3.5, "n": 2},
    }


def test_it_counts_unanswered_invitations_only_in_the_response_rate(subjects):
    campus, a, _b = subjects
    answered = review([campus, a], 5)
    Invitation.objects.create(
        event=answered.event,
        send_at=at(DAY, 9),
        sent_at=at(DAY, 9),
        expires_at=at(DAY, 9) + datetime.timedelta(days=14),
        answered_at=at(DAY, 10),
    )
    for _ in range(3):
        silent = ServiceEventFactory(subjects=[campus, a], occurred_at=at(DAY, 8))
        Invitation.objects.create(
            event=silent,
            send_at=at(DAY, 9),
            sent_at=at(DAY, 9),
            expires_at=at(DAY, 9) + datetime.timedelta(days=14),
        )

    aggregate_day(day=DAY)

    ra = row(a)
    assert (ra.invitations, ra.responses, ra.response_rate) == (4, 1, 0.25)
    # the silent ones are no ratings: the mean and share are the one review's
    assert (ra.reviews, ra.mean, ra.satisfied_share) == (1, 5.0, 1.0)


def test_it_counts_complaints_and_closure_within_deadline(subjects):
    campus, a, b = subjects
    event = ServiceEventFactory(subjects=[campus, a], occurred_at=at(DAY, 8))
    ComplaintFactory(subject=a, event=event, created_at=at(DAY, 9))  # a counted once
    ComplaintFactory(subject=b, created_at=at(DAY, 9))
    filed = at(DAY - datetime.timedelta(days=3), 9)
    ComplaintFactory(
        subject=b,
        created_at=filed,
        status="closed",
        resolved_at=filed + datetime.timedelta(hours=70),  # within the 72 h
        closed_at=at(DAY, 11),
    )
    ComplaintFactory(
        subject=b,
        created_at=filed,
        status="closed",
        resolved_at=filed + datetime.timedelta(hours=73),
        closed_at=at(DAY, 12),
    )

    aggregate_day(day=DAY)

    assert row(a).complaints == 1
    assert row(a, event_type=TEST_EVENT_TYPE).complaints == 1
    rb = row(b)
    assert (rb.complaints, rb.complaints_closed, rb.complaints_in_time) == (1, 2, 1)
    assert not IndexRow.objects.filter(subject=b, event_type=TEST_EVENT_TYPE).exists()
    rc = row(campus)
    assert (rc.complaints, rc.complaints_closed, rc.complaints_in_time) == (2, 2, 1)


def test_it_gives_the_same_rows_when_run_again_and_drops_stale_ones(subjects):
    campus, a, _b = subjects
    r = review([campus, a], 4)
    written = aggregate_day(day=DAY)
    first = list(IndexRow.objects.order_by("pk").values_list("pk", "reviews", "mean"))

    assert aggregate_day(day=DAY) == written == IndexRow.objects.count()
    assert list(IndexRow.objects.order_by("pk").values_list("pk", "reviews", "mean")) == first

    r.is_hidden = True
    r.save(update_fields=["is_hidden"])
    aggregate_day(day=DAY)
    assert not IndexRow.objects.exists()


def test_it_rolls_days_up_into_weeks_and_months(subjects, settings):
    settings.REVIEWS_PRIOR_WEIGHT = 0
    campus, a, _b = subjects
    monday = datetime.date(2026, 3, 9)
    review([campus, a], 5, day=monday, scores={"speed": 5})
    review([campus, a], 3, day=DAY, scores={"speed": 2})
    review([campus, a], 2, day=DAY, scores={"speed": 2})
    review([campus, a], 1, day=datetime.date(2026, 3, 30))  # next week, same month
    for day in (monday, DAY, datetime.date(2026, 3, 30)):
        aggregate_day(day=day)

    week = row(a, "week", monday)
    assert (week.reviews, week.stars_sum, week.satisfied) == (3, 10, 1)
    assert week.mean == pytest.approx(10 / 3, abs=1e-4)
    assert week.dimension_means == {"speed": {"mean": 3.0, "n": 3}}
    month = row(a, "month", datetime.date(2026, 3, 1))
    assert (month.reviews, month.stars_sum) == (4, 11)
    assert month.mean == 2.75
    assert month.adjusted_mean == 2.75  # C = 0: no prior
    assert row(a, "week", datetime.date(2026, 3, 30)).reviews == 1


def test_it_aggregates_today_and_yesterday_on_beat(subjects):
    campus, a, _b = subjects
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    review([campus, a], 5, day=today, hour=0)
    review([campus, a], 4, day=yesterday, hour=12)

    aggregate_recent()
    assert set(IndexRow.objects.filter(period="day").values_list("period_start", flat=True)) == {
        today
    }
    aggregate_recent(days_back=1)
    assert row(a, start=yesterday).reviews == 1


def test_it_backfills_a_range_from_the_command(subjects):
    campus, a, _b = subjects
    review([campus, a], 5, day=DAY)
    review([campus, a], 3, day=DAY + datetime.timedelta(days=1))
    call_command("reviews_aggregate", "--from", "2026-03-10", "--to", "2026-03-12")
    assert row(a, "week", datetime.date(2026, 3, 9)).reviews == 2
    assert row(a, "month", datetime.date(2026, 3, 1)).mean == 4.0
