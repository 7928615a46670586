"""Demo data of the parcels system: two stations, ~1,500 parcels over 30 days."""

import pytest
from django.utils import timezone

from parcels.models import Parcel, Pickup, Station

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(demo):
    """The demo seeded once for tests/demo (conftest.py)."""
    return demo


def test_it_builds_two_stations_the_demo_clerk_serves(seeded):
    from logistics.models import User

    clerk = User.objects.get(username="mailroom_clerk")
    assert Station.objects.for_clerk(clerk).count() == Station.objects.count() == 2


def test_it_writes_about_1500_parcels_in_every_situation(seeded):
    parcels = Parcel.objects.all()
    assert 1400 <= parcels.count() <= 1700
    assert parcels.filter(status="waiting", recipient__isnull=True).exists()  # unknown
    assert parcels.filter(status="waiting", free_until__lt=timezone.now()).exists()  # overdue
    assert parcels.filter(status="to_return").exists()  # the ageing sweep ran once
    assert not parcels.filter(status="waiting", return_due_at__lt=timezone.now()).exists()
    assert not parcels.filter(closed_at__gt=timezone.now()).exists()  # nothing closed ahead
    assert parcels.filter(status="returned", return_record__isnull=False).exists()
    assert not parcels.filter(status="returned", return_record__isnull=True).exists()
    assert parcels.filter(status="for_delivery", recipient__username="teacher").count() == 2
    assert Pickup.objects.filter(proxy__isnull=False).exists()
    assert len(set(parcels.values_list("carrier", flat=True))) >= 10
    waiting = parcels.filter(recipient__username="student", status="waiting")
    assert waiting.filter(arrived_at__gt=timezone.now() - timezone.timedelta(hours=1)).count() == 3
    assert not parcels.filter(events__isnull=True).exists()


def test_the_parcels_arrived_over_the_last_30_days_with_numbers_their_carriers_print(seeded):
    from parcels.carriers import guess

    now = timezone.now()
    arrivals = [now - arrived for arrived in Parcel.objects.values_list("arrived_at", flat=True)]
    assert timezone.timedelta(days=29) < max(arrivals) <= timezone.timedelta(days=31)
    assert len({age.days for age in arrivals}) >= 30  # every day of the month, not a few
    for number, carrier in Parcel.objects.values_list("tracking_number", "carrier"):
        assert carrier in guess(number).candidates, (number, carrier)
