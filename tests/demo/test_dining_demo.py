"""Demo data of the dining system: canteens, windows, dishes with photos, 30 days of menus,
price history, rules with a few acknowledged violations."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from dining.demo import DAYS, SPECIALS
from dining.models import (
    Canteen,
    Dish,
    Favourite,
    Menu,
    MenuTemplate,
    PriceChange,
    PriceIndexPoint,
    PriceViolation,
    Window,
)
from logistics import indicators
from logistics.indicators import Period
from logistics.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(demo, django_db_blocker):
    """The demo seeded once for tests/demo, seeded once more (rolled back after the module)."""
    with django_db_blocker.unblock(), transaction.atomic():
        counts = _counts()
        call_command("seed_demo", stdout=io.StringIO())
        yield counts
        transaction.set_rollback(True)


def _counts() -> dict:
    models = (Canteen, Window, Dish, Menu, PriceChange, PriceViolation, Favourite)
    return {model.__name__: model.objects.count() for model in models}


def test_it_builds_three_canteens_in_the_canteen_buildings_with_8_windows(seeded):
    canteens = Canteen.objects.select_related("building")
    assert {c.building.kind for c in canteens} == {"canteen"}
    assert canteens.count() == 3
    assert Window.objects.count() == 8
    assert all(c.hours.count() == 3 for c in canteens)


def test_it_makes_about_120_dishes_with_photos_allergens_and_tags(seeded):
    dishes = Dish.objects.all()
    assert dishes.count() == 120
    assert not dishes.filter(photo="").exists()
    assert dishes.filter(allergens__code="peanuts").distinct().count() >= 6
    assert dishes.filter(is_halal=True).exists() and dishes.filter(is_vegetarian=True).exists()
    assert dishes.filter(spicy_level=3).exists()
    photo = dishes.first().photo
    assert photo.size < 20_000 and photo.name.endswith(".png")


def test_it_publishes_30_days_of_menus_up_to_tomorrow(seeded):
    today = timezone.localdate()
    published = Menu.objects.filter(status="published")
    dates = set(published.values_list("date", flat=True))
    assert len(dates) == DAYS
    assert max(dates) == today + datetime.timedelta(days=1)
    assert published.filter(date=today, canteen__slug="mh-1", meal="lunch").exists()
    assert not published.filter(items__isnull=True).exists()
    assert not published.filter(published_at__gt=timezone.now()).exists()
    assert Menu.objects.filter(status="scheduled").count() == 1
    assert Menu.objects.filter(status="draft").count() == 1


def test_it_records_price_history_over_the_month(seeded):
    first = timezone.localdate() - datetime.timedelta(days=DAYS - 2)
    changes = PriceChange.objects.exclude(old_price=None)
    assert changes.filter(reason="猪肉收购价上涨", dish__name="红烧肉").exists()
    assert changes.filter(menu_item__isnull=False).exists()
    days = {timezone.localdate(c) for c in changes.values_list("changed_at", flat=True)}
    assert len(days) >= 5 and min(days) >= first
    assert not PriceChange.objects.filter(changed_at__gt=timezone.now()).exists()


def test_it_leaves_a_few_acknowledged_violations(seeded):
    violations = PriceViolation.objects.all()
    assert 1 <= violations.count() <= 20
    assert set(violations.values_list("reason", flat=True)) <= set(SPECIALS.values())
    assert not violations.filter(acknowledged_by=None).exists()
    assert violations.filter(dish__name="红烧牛腩").exists()


def test_it_scopes_the_demo_canteen_staff_to_the_first_canteen(seeded):
    staff = User.objects.get(username="canteen_staff")
    assert list(Canteen.objects.editable_by(staff).values_list("slug", flat=True)) == ["mh-1"]


def test_it_adds_a_template_favourites_and_the_price_index(seeded):
    assert MenuTemplate.objects.get().items.count() == 25
    assert Favourite.objects.filter(user__username="student").count() == 2
    assert PriceIndexPoint.objects.filter(canteen=None).count() == DAYS


def test_it_leaves_the_dining_indicators_for_the_command_centre(seeded):
    today = timezone.localdate()
    start = today - datetime.timedelta(days=59)
    index = indicators.series("dining.price_index", start=start, end=today)
    assert len(index) == 60 and all(90 < value < 130 for _, value in index)
    served = indicators.series("dining.low_price_share", start=start, end=today)
    assert len(served) >= DAYS - 1  # the days with menus
    week = {r.indicator.key: r for r in indicators.read(period=Period.WEEK, day=today)}
    assert 0 < week["dining.low_price_share"].value < 100
    assert week["dining.sold_out_rate"].value is not None


def test_it_changes_nothing_when_run_twice(seeded):
    assert _counts() == seeded
