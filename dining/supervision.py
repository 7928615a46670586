"""Dining's section of the city supervision document (食堂运行监测): the benchmark dishes' prices
and the price index of the day, per canteen. Prices only: no names of people.

Benchmark dishes come from SUPERVISION_BENCHMARK_DISHES: each entry is a name ("米饭"), or a
name with the local names that count as it ("大排=炸大排|红烧大排"). A dish counts when its
Chinese name equals one of them exactly ("米饭（二两）" is not "米饭": list it in the entry);
dishes no longer on offer and those of closed canteens do not count. Each dish reports its
student price on the day as the price index reads it (the newest published menu's price, else
the standard price in force).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from statistics import fmean
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from dining.models import Dish, PriceIndexPoint
from dining.pricing import services as pricing
from logistics.supervision import Row


def benchmarks() -> list[tuple[str, list[str]]]:
    """(benchmark name, the dish names that count as it), in the order of the setting."""
    found = []
    for entry in settings.SUPERVISION_BENCHMARK_DISHES:
        name, _sep, aliases = entry.partition("=")
        names = [_plain(name), *(_plain(alias) for alias in aliases.split("|"))]
        names = list(dict.fromkeys(n for n in names if n))
        if names:
            found.append((names[0], names))
    return found


def _plain(name: str) -> str:
    return "".join(name.split())


def dining_section(day: date) -> dict[str, Any]:
    return {
        "price_tier": "student",
        "benchmark_dishes": benchmark_prices(day),
        "price_index": price_index(day),
    }


def benchmark_prices(day: date) -> list[dict[str, Any]]:
    """Each benchmark with the price of every dish that counts as it, and their range."""
    wanted = benchmarks()
    names = {name: benchmark for benchmark, aliases in wanted for name in aliases}
    dishes = Dish.objects.filter(
        name__in=list(names), is_active=True, canteen__is_active=True
    ).select_related("canteen")
    prices = pricing.dish_prices_on(day=day, dishes=dishes.order_by("canteen__slug", "pk"))
    by_benchmark: dict[str, list[dict]] = {benchmark: [] for benchmark, _aliases in wanted}
    for dish in dishes.order_by("canteen__slug", "pk"):
        benchmark = names.get(dish.name)
        price = prices.get(dish.pk)
        if benchmark is None or price is None:
            continue
        by_benchmark[benchmark].append(
            {
                "canteen": dish.canteen.slug,
                "canteen_name": dish.canteen.name,
                "dish_name": dish.name,
                "unit": dish.pricing_unit,
                "price": _money(price),
            }
        )
    return [_summary(benchmark, by_benchmark[benchmark]) for benchmark, _aliases in wanted]


def _summary(benchmark: str, rows: list[dict]) -> dict[str, Any]:
    prices = [row["price"] for row in rows if row["unit"] == Dish.PricingUnit.PORTION]
    return {
        "name": benchmark,
        "dishes": len(rows),
        "min_price": min(prices, default=None),
        "max_price": max(prices, default=None),
        "mean_price": round(fmean(prices), 2) if prices else None,
        "prices": rows,
    }


def price_index(day: date) -> dict[str, Any]:
    """The day's Laspeyres index (base = 100) for the campus and each open canteen."""
    points = (
        PriceIndexPoint.objects.filter(date=day)
        .select_related("canteen")
        .order_by("canteen__slug", "pk")
    )
    campus, canteens = None, []
    for point in points:
        if point.canteen_id is None:
            campus = _money(point.value)
        elif point.canteen.is_active:
            canteens.append(
                {
                    "canteen": point.canteen.slug,
                    "canteen_name": point.canteen.name,
                    "value": _money(point.value),
                }
            )
    return {
        "base_date": pricing.index_base_date().isoformat(),
        "campus": campus,
        "canteens": canteens,
    }


def _money(value: Decimal) -> float:
    return float(Decimal(value).quantize(pricing.CENT))


def dining_rows(section: dict[str, Any]) -> list[Row]:
    """The section's lines in the XLSX: each dish's price, then the price index."""
    rows = []
    for benchmark in section["benchmark_dishes"]:
        for price in benchmark["prices"]:
            rows.append(
                Row(
                    section="dining.benchmark_dishes",
                    key=benchmark["name"],
                    label=price["dish_name"],
                    scope=price["canteen"],
                    unit=_("yuan")
                    if price["unit"] == Dish.PricingUnit.PORTION
                    else _("yuan/500 g"),
                    value=price["price"],
                )
            )
    index = section["price_index"]
    label = _("Price index (base %(date)s = 100)") % {"date": index["base_date"]}
    rows.append(Row("dining.price_index", "campus", label, value=index["campus"]))
    for canteen in index["canteens"]:
        rows.append(
            Row("dining.price_index", "canteen", label, canteen["canteen"], value=canteen["value"])
        )
    return rows
