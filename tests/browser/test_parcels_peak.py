"""The managers' parcels peak page on a phone (360 px, Chinese): the stations' shelf fill, the
arrivals chart with the forecast and the carriers table fit the screen, axe-core finds no
serious violation and the CSP holds."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from logistics import daily
from logistics.roles import Role
from parcels.models import Parcel, Shelf
from tests.browser.conftest import new_page, sign_in
from tests.browser.test_accessibility_sweep import problems_on
from tests.logistics.factories import UserFactory
from tests.parcels.factories import ParcelFactory, station_with_shelves

# serialized_rollback like every browser test: a plain flush re-creates the content types and
# the next test's restore of the serialized database then collides with them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_it_fits_a_phone_and_passes_axe(browser, live_server):
    station = station_with_shelves(code="EAST", name="东区驿站", name_en="East station")
    shelf = Shelf.objects.get(station=station, number=1)
    now = timezone.now()
    for n in range(40):
        arrived = now - timedelta(days=n % 20, hours=n)
        picked = n % 3 == 0
        ParcelFactory(
            station=station,
            shelf=shelf,
            carrier=("sf", "zto", "yunda", "jd")[n % 4],
            arrived_at=arrived,
            status=Parcel.Status.PICKED_UP if picked else Parcel.Status.WAITING,
            closed_at=arrived + timedelta(hours=5 + n) if picked else None,
            free_until=arrived + timedelta(days=3),
        )
    daily.refresh(days=[timezone.localdate() - timedelta(days=n) for n in range(30)])
    manager = UserFactory(username="m1001", roles=[Role.LOGISTICS_MANAGER])
    page = new_page(browser, live_server.url)
    sign_in(page, manager.username)
    page.goto("/parcels/peak/")
    assert page.locator("h1").inner_text() == "快递高峰数据"
    assert page.locator("ul.shelf-fill meter").count() == 5
    assert page.locator("svg.chart polyline").count() == 2  # arrivals and forecast
    assert problems_on(page, Axe()) == []
    assert not page.csp_violations
    page.context.close()
