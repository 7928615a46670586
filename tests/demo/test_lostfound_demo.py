"""Demo data of the lost-and-found system: two desks, the stories the pages open, and three months
of history (about 300 found items, 200 lost reports) filled the way the services fill them."""

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from logistics.models import User
from logistics.search import search
from lostfound.matching import items_for
from lostfound.models import (
    Claim,
    Desk,
    Disposal,
    FoundItem,
    FoundItemPhoto,
    LostReport,
    Match,
)
from lostfound.querysets import is_desk_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(demo):
    """The demo seeded once for tests/demo (conftest.py)."""
    return demo


def test_it_builds_two_desks_and_a_second_desk_person_for_both(seeded):
    desks = list(Desk.objects.order_by("code"))
    assert [d.code for d in desks] == ["MH", "XH"]
    second = User.objects.get(username="lostfound_desk2")
    assert all(is_desk_staff(second, desk.pk) for desk in desks)
    first = User.objects.get(username="lostfound_desk")
    assert is_desk_staff(first, desks[0].pk) and not is_desk_staff(first, desks[1].pk)


def test_it_writes_three_months_of_items_and_reports(seeded):
    now = timezone.now()
    items = FoundItem.objects.all()
    assert 280 <= items.count() <= 330
    assert 190 <= LostReport.objects.count() <= 220
    oldest = items.order_by("created_at").first().created_at
    assert now - timedelta(days=92) < oldest < now - timedelta(days=80)
    per_desk = dict(items.values_list("desk__code").annotate(n=Count("id")).order_by())
    assert per_desk["MH"] > 150 and per_desk["XH"] > 80
    statuses = set(items.values_list("status", flat=True))
    assert statuses >= {"reported", "stored", "returned", "disposed", "intake_pending"}
    assert items.filter(custody="finder").exists()
    assert 60 <= FoundItemPhoto.objects.count() <= 140


def test_every_row_is_filled_like_the_services_fill_it(seeded):
    items = FoundItem.objects.select_related("category")
    for item in items:
        assert item.search_tokens.strip(), item
        held = item.holding_until - item.category.holding_end(item.clock_start)
        assert abs(held) < timedelta(seconds=1), item
        assert item.is_public == (not item.category.is_campus_card)
        assert (item.notice_published_at is None) == item.category.is_campus_card
        if item.stored_at:
            assert item.label.startswith(f"{item.desk.code}-")
    assert not items.filter(events__isnull=True).exists()
    for report in LostReport.objects.all()[:50]:
        assert report.lost_from <= report.lost_until
    # the tokens are the search's own: the index finds history items by their words
    found = search(FoundItem.objects.all(), "保温杯", fields=["description", "place_text"])
    assert found.count() == FoundItem.objects.filter(description__contains="保温杯").count() > 5


def test_returns_are_handed_over_claims_and_valuables_had_two_people(seeded):
    returned = FoundItem.objects.filter(status="returned")
    assert returned.count() >= 60
    claims = Claim.objects.filter(status="handed_over").select_related("category")
    assert claims.count() == returned.count()
    assert all(c.handed_over_at and c.handed_by_id for c in claims)
    valuable = [c for c in claims if c.category.is_valuable and c.handover_method != "finder_code"]
    assert valuable and all(c.second_by_id and c.second_by_id != c.handed_by_id for c in valuable)
    assert not returned.filter(owner__isnull=True).exists()
    assert Claim.objects.filter(status="rejected").exclude(reason="").exists()


def test_some_are_matched_and_some_past_their_holding_period(seeded):
    assert Match.objects.filter(status="claimed").count() >= 50
    assert Match.objects.filter(status="proposed").exists()
    assert LostReport.objects.filter(status="found").count() >= 50
    assert LostReport.objects.filter(status="open").count() >= 50
    listed = FoundItem.objects.filter(disposal_listed_at__isnull=False)
    assert listed.filter(status__in=["stored", "reported"], disposal__isnull=True).exists()
    done = Disposal.objects.filter(status="approved")
    assert done.exists() and all(d.approved_by_id != d.proposed_by_id for d in done)
    assert Disposal.objects.filter(status="proposed").exists()


def test_an_open_history_report_finds_its_item_among_the_candidates(seeded):
    open_match = Match.objects.filter(status="proposed").select_related("lost_report").first()
    assert open_match.found_item in list(items_for(open_match.lost_report))
