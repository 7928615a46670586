"""The managers' lost-and-found figures: daily rows computed from fixed dates, read back per
month and category, the return rate, the median time to return, the busiest places, the
export, the overview section; one query for the rows whatever the period."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from logistics import daily
from lostfound.daily import period_figures
from lostfound.models import Claim, Disposal, FoundItem
from tests.logistics.factories import BuildingFactory, UserFactory
from tests.lostfound.factories import FoundItemFactory, category

pytestmark = pytest.mark.django_db


def at(*parts) -> datetime:
    """A campus-local moment (the days of the figures are the campus's days)."""
    return datetime(*parts, tzinfo=timezone.get_default_timezone())


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def found(day: datetime, code="keys", **fields) -> FoundItem:
    item = FoundItemFactory(category=category(code), found_at=day - timedelta(hours=1), **fields)
    FoundItem.objects.filter(pk=item.pk).update(created_at=day)
    item.refresh_from_db()
    return item


def returned(item: FoundItem, when: datetime) -> None:
    item.status = "returned"
    item.save(update_fields=["status"])
    Claim.objects.create(
        item=item,
        claimant=UserFactory(),
        category=item.category,
        answers="x",
        status="handed_over",
        handed_over_at=when,
    )


@pytest.fixture
def history(desk):
    library = BuildingFactory(name="图书馆", name_en="Library")
    keys = [found(at(2026, 10, 3, 9), building=library, desk=desk) for _ in range(3)]
    phone = found(at(2026, 10, 5, 9), "phone", place_text="二食堂", desk=desk)
    umbrella = found(at(2026, 11, 2, 9), "umbrella", building=library, desk=desk)
    returned(keys[0], at(2026, 10, 3, 11))  # 3 hours after it was found
    returned(phone, at(2026, 10, 6, 8))  # 24 hours
    returned(keys[1], at(2026, 11, 1, 8))  # late: counted in November
    umbrella.status = "disposed"
    umbrella.save(update_fields=["status"])
    Disposal.objects.create(
        item=umbrella,
        desk=desk,
        method="donate",
        reason="无人认领",
        status="approved",
        approved_at=at(2026, 11, 20, 10),
    )
    days = [date(2026, 10, 1) + timedelta(days=n) for n in range(61)]
    daily.refresh(days=days, now=at(2026, 12, 1, 1), only="lostfound")
    return {"library": library}


def test_the_period_adds_up_by_month_and_category(history):
    figures = period_figures(date(2026, 10, 1), date(2026, 11, 30))
    assert (figures.found, figures.returned, figures.disposed) == (5, 3, 1)
    assert figures.return_rate == pytest.approx(0.6)
    october, november = figures.months
    assert (october.month, october.found, october.returned, october.disposed) == (
        date(2026, 10, 1),
        4,
        2,
        0,
    )
    assert (november.found, november.returned, november.disposed) == (1, 1, 1)
    # the return rate is that of the items found: October's keys returned in November count
    # for October (3 of 4), November's one return was of an October item (0 of 1)
    assert october.return_rate == pytest.approx(0.75)
    assert november.return_rate == 0
    assert figures.found_returned == 3
    assert figures.category_return_rate("keys") == pytest.approx(2 / 3)
    assert figures.category_return_rate("umbrella") == 0
    assert figures.by_category == {"keys": [3, 2, 0], "phone": [1, 1, 0], "umbrella": [1, 0, 1]}
    # Waits of 3, 24 and 700 hours: the median is the middle one (within the histogram's 1 %).
    assert figures.median_return_hours == pytest.approx(24, rel=0.02)
    library = f"b{history['library'].pk}"
    assert figures.places == [(library, 4), ("t二食堂", 1)]
    assert period_figures(date(2026, 11, 1), date(2026, 11, 30)).found == 1


def test_the_page_shows_them_to_managers_only(history, manager, student, django_assert_num_queries):
    url = reverse("lostfound:figures")
    query = {"start": "2026-10-01", "end": "2026-11-30"}
    assert client_for(student).get(url, query).status_code == 403
    client = client_for(manager)
    client.get(url, query)
    # Session, user (with its roles and unread count), the rows (one query for every figure and
    # day), categories, buildings.
    with django_assert_num_queries(4):
        page = client.get(url, query).content.decode()
    assert "2026-10" in page and "2026-11" in page and "60%" in page
    assert "图书馆" in page or "Library" in page
    assert "二食堂" in page
    assert client.get(url, {"start": "2026-11-30", "end": "2026-10-01"}).status_code == 400


def test_the_export_has_a_row_per_month_and_category(history, manager):
    response = client_for(manager).get(
        reverse("lostfound:figures"),
        {"start": "2026-10-01", "end": "2026-11-30", "format": "csv", "headers": "keys"},
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [
        (r["month"], r["category"], r["found"], r["returned"], r["disposed"]) for r in rows
    ] == [
        ("2026-10", "keys", "3", "1", "0"),
        ("2026-10", "phone", "1", "1", "0"),
        ("2026-11", "keys", "0", "1", "0"),
        ("2026-11", "umbrella", "1", "0", "1"),
    ]
    xlsx = client_for(manager).get(
        reverse("lostfound:figures"), {"start": "2026-10-01", "end": "2026-11-30", "format": "xlsx"}
    )
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")


def test_the_overview_has_a_lost_and_found_section(manager, desk):
    found(timezone.now() - timedelta(hours=3), desk=desk)
    daily.refresh(only="lostfound")
    page = client_for(manager).get(reverse("manager-overview")).content.decode()
    assert "Found, last 30 days" in page
    assert reverse("lostfound:figures") in page
