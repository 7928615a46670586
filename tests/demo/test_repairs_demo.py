"""Demo data of the repairs system: ~200 requests in every state, with timelines and photos."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from logistics import indicators
from logistics.indicators import Period
from logistics.models import Notification, OutboxMessage
from repairs.demo import REQUESTS
from repairs.figures import repair_figures
from repairs.models import Category, DispatchRule, RepairEvent, RepairPhoto, RepairRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(demo):
    """The demo seeded once for tests/demo (conftest.py)."""
    return demo


def test_it_builds_the_category_tree_with_targets_questions_and_rules(seeded):
    tops = set(Category.objects.filter(parent=None).values_list("name", flat=True))
    assert tops == {"水电", "门窗", "家具", "空调", "网络"}
    assert Category.objects.filter(parent__code="water").count() >= 3
    assert Category.objects.get(code="water-drain").completion_hours == 8
    assert Category.objects.get(code="water-tap").questions.filter(required=True).exists()
    assert DispatchRule.objects.filter(technician__isnull=False).exists()


def test_it_files_about_200_requests_in_every_state(seeded):
    assert RepairRequest.objects.count() == REQUESTS
    states = set(RepairRequest.objects.values_list("status", flat=True))
    assert states == set(RepairRequest.Status.values)


def test_it_spreads_requests_over_the_last_60_days_with_ordered_timelines(seeded):
    now = timezone.now()
    oldest = RepairRequest.objects.order_by("created_at").first().created_at
    assert 45 <= (now - oldest).days <= 60
    assert not RepairEvent.objects.filter(created_at__gt=now).exists()
    # The filing event is at the filing time; no event happens before it.
    assert not RepairEvent.objects.filter(created_at__lt=F("request__created_at")).exists()
    for request in RepairRequest.objects.filter(status="closed")[:20]:
        times = list(request.events.values_list("created_at", flat=True))
        assert times == sorted(times)
        assert len(times) >= 4
        assert request.created_at < request.completed_at < request.closed_at


def test_it_keeps_response_and_completion_after_filing(seeded):
    done = RepairRequest.objects.filter(completed_at__isnull=False)
    assert done.count() > 50
    assert not done.filter(completed_at__lt=F("created_at")).exists()
    assert not RepairRequest.objects.filter(first_response_at__lt=F("created_at")).exists()


def test_it_attaches_placeholder_photos_to_some_requests(seeded):
    photos = RepairPhoto.objects.all()
    assert photos.filter(kind="report").count() >= 30
    assert photos.filter(kind="completion").exists()
    photo = photos.first()
    assert photo.image.read(3) == b"\xff\xd8\xff"  # a real JPEG on the storage


def test_it_leaves_some_requests_overdue_and_a_repeat_fault(seeded):
    manager = RepairRequest.objects.first().requester.__class__.objects.get(
        username="logistics_manager"
    )
    now = timezone.now()
    figures = repair_figures(user=manager, start=now - timezone.timedelta(days=61), end=now)
    assert figures.overdue_count >= 5
    assert figures.repeat_faults
    assert figures.completion.p90_hours > figures.completion.mean_hours > 0
    assert 0 < figures.completion_sla < 1


def test_it_leaves_two_months_of_repairs_indicators_for_the_command_centre(seeded):
    today = timezone.localdate()
    start = today - timezone.timedelta(days=59)
    filed = indicators.series("repairs.filed", start=start, end=today)
    assert len(filed) == 60 and sum(value for _, value in filed) > 100
    for key in ("repairs.repeat_faults", "repairs.open", "repairs.overdue"):
        assert len(indicators.series(key, start=start, end=today)) == 60, key
    week = {r.indicator.key: r for r in indicators.read(period=Period.WEEK, day=today)}
    assert week["repairs.overdue"].value >= 5 and week["repairs.overdue"].attention
    assert week["repairs.open"].value > 0
    assert week["repairs.completion_p90"].previous is not None


def test_it_gives_the_demo_student_requests_and_notifications(seeded):
    student = RepairRequest.objects.filter(requester__username="student")
    assert student.count() >= 4
    assert student.first().requester.notifications.exists()


def test_it_sends_no_mail_or_webhook_for_the_made_up_history(seeded):
    assert Notification.objects.filter(kind__startswith="repairs.").count() > 100
    assert not OutboxMessage.objects.filter(notification__kind__startswith="repairs.").exists()


def test_it_changes_nothing_when_run_twice(seeded, settings):
    settings.DEBUG = True

    def counts():
        return (
            RepairRequest.objects.count(),
            RepairEvent.objects.count(),
            RepairPhoto.objects.count(),
            Category.objects.count(),
            DispatchRule.objects.count(),
            tuple(
                RepairRequest.objects.values("status").annotate(n=Count("id")).order_by("status")
            ),
        )

    before = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == before
