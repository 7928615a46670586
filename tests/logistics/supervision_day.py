"""A day of figures for the city supervision tests: real repair requests filed by people with
distinctive names, phones, e-mails and rooms; a test source for satisfaction and complaints per
campus; benchmark dishes in two canteens. Indicators are registered under the agreed keys."""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from logistics import daily, indicators
from logistics.daily import Figure
from logistics.indicators import DOWN, NEUTRAL, UP, Indicator, Unit
from logistics.models import Campus, DailyFigure
from tests.dining.factories import CanteenFactory, DishCategoryFactory, DishFactory
from tests.logistics.factories import CampusFactory, RoomFactory, UserFactory
from tests.repairs.factories import RepairRequestFactory

# What must never leave: each appears in the source rows behind the figures.
PERSONAL = {
    "username": "s20990417",
    "display_name": "欧阳锋芒",
    "email": "ouyang.fengmang@example.edu.cn",
    "phone": "13987654321",
    "room": "Z917X",
    "other_name": "慕容雪砚",
    "other_phone": "15812340987",
}


@dataclass
class CityDay:
    day: object
    campus: Campus


def _register(campus_id: int) -> None:
    def compute(day, now):
        return [
            Figure("citytest.stars", 4, {"stars": 18}),
            Figure("citytest.stars", 2, {"stars": 10}, DailyFigure.ScopeKind.CAMPUS, campus_id),
            Figure("citytest.complaints", 3),
            Figure("citytest.complaints", 1, {}, DailyFigure.ScopeKind.CAMPUS, campus_id),
            Figure("citytest.arrived", 9),
        ]

    daily.register_daily_figures("citytest", compute)
    indicators.register_indicators(
        "repairs",
        [
            Indicator(
                "repairs.filed", "报修量", Unit.COUNT, NEUTRAL, indicators.total("repairs.filed")
            )
        ],
    )
    indicators.register_indicators(
        "reviews",
        [
            Indicator(
                "reviews.satisfaction.repairs",
                "维修满意度",
                Unit.SCORE,
                UP,
                indicators.mean("citytest.stars", "stars"),
                threshold=4.6,
            ),
            Indicator(
                "reviews.complaints",
                "投诉量",
                Unit.COUNT,
                DOWN,
                indicators.total("citytest.complaints"),
            ),
        ],
    )
    indicators.register_indicators(
        "parcels",
        [
            Indicator(
                "parcels.arrived", "到件", Unit.COUNT, NEUTRAL, indicators.total("citytest.arrived")
            )
        ],
    )


@pytest.fixture
def city_day(db, monkeypatch) -> CityDay:
    """Today's figures computed by the real daily run (today: requests are filed now)."""
    monkeypatch.setattr(indicators, "_INDICATORS", {})
    monkeypatch.setattr(indicators, "_SERVICES", {})
    monkeypatch.setattr(daily, "_SOURCES", dict(daily._SOURCES))
    campus = CampusFactory(code="north", name="北校区")
    _register(campus.pk)
    person = UserFactory(
        username=PERSONAL["username"],
        display_name=PERSONAL["display_name"],
        email=PERSONAL["email"],
        phone=PERSONAL["phone"],
    )
    other = UserFactory(display_name=PERSONAL["other_name"], phone=PERSONAL["other_phone"])
    room = RoomFactory(number=PERSONAL["room"], building__campus=campus)
    RepairRequestFactory(
        requester=person,
        room=room,
        description=f"{PERSONAL['display_name']}的台灯坏了，电话 {PERSONAL['phone']}",
        contact_phone=PERSONAL["phone"],
    )
    RepairRequestFactory(requester=other, assignee=person, room=room, status="assigned")
    staple = DishCategoryFactory(code="staple")
    for slug, name, rice in (("north-1", "北一食堂", "1.00"), ("north-2", "北二食堂", "1.50")):
        canteen = CanteenFactory(slug=slug, name=name, phone=PERSONAL["other_phone"])
        DishFactory(canteen=canteen, category=staple, name="米饭", price=Decimal(rice))
    now = timezone.now()
    today = timezone.localdate(now)
    daily.refresh(days=[today], now=now)
    indicators.refresh(days=[today], now=now)
    return CityDay(day=today, campus=campus)
