"""Server-drawn SVG charts over dates (no JavaScript: the CSP is strict), for every app.

`line_chart(...)` lays out the lines, ticks and dots; templates/includes/_chart.html draws them:

    {% include "includes/_chart.html" with chart=chart chart_id="trend" chart_title=title %}

`sparkline(points)` is the small line of one series beside a number (the command centre's last
30 days), drawn by templates/includes/_sparkline.html:

    {% include "includes/_sparkline.html" with spark=spark spark_title=title %}

Both place a day and a value the same way (`_x_scale`, `_y_scale`, `_y_range`).
"""

import datetime
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 32
PALETTE = ("#1d4ed8", "#b91c1c", "#047857", "#a16207", "#7c3aed", "#be185d", "#0e7490")
EMPHASIS = "#111827"  # the line that matters most (the campus): black and bold

Number = int | float | Decimal


@dataclass
class Series:
    """One line: `points` are (date, value) in date order; `emphasis` draws it bold and black."""

    label: str
    points: Sequence[tuple[datetime.date, Number]]
    emphasis: bool = False


@dataclass
class ChartLine:
    label: str
    colour: str
    points: str  # "x,y x,y …" for <polyline points>
    dots: list  # [(x, y, date, shown value)] for <circle> with a <title>
    width: float
    last: str  # the last value, as shown


@dataclass
class Chart:
    width: int
    height: int
    lines: list[ChartLine]
    y_ticks: list  # [(y, label)]
    x_ticks: list  # [(x, label)]
    baseline: float | None  # y of the dashed reference line
    plot: dict = field(default_factory=dict)  # left, right, top, bottom

    @property
    def empty(self) -> bool:
        return not any(line.dots for line in self.lines)


def line_chart(
    *,
    series: Sequence[Series],
    start: datetime.date,
    end: datetime.date,
    low: Number | None = None,
    high: Number | None = None,
    fmt: Callable[[Number], str] = str,
    tick_fmt: Callable[[float], str] | None = None,
    baseline: Number | None = None,
    x_ticks: Sequence[datetime.date] | None = None,
    date_format: str = "%m-%d",
    ticks: int = 5,
) -> Chart:
    """Lines over the days start..end (x proportional to the date). The y axis runs from `low`
    to `high` (values beyond are drawn at the edge); without them it fits the values and the
    `baseline` with some room. `fmt` shows a value (dots, legend), `tick_fmt` a y tick (default
    `fmt`); `x_ticks` are the dated ticks (default: about five, the last one `end`)."""
    plot = {"left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": HEIGHT - BOTTOM}
    values = [float(v) for line in series for _d, v in line.points]
    if not values:
        return Chart(WIDTH, HEIGHT, [], [], [], None, plot)
    low, high = _y_range(values, low, high, baseline)
    x = _x_scale(start, end, LEFT, WIDTH - RIGHT)
    y = _y_scale(low, high, TOP, HEIGHT - BOTTOM)

    lines, colours = [], itertools.cycle(PALETTE)
    for line in series:
        dots = [(x(d), y(v), d, fmt(v)) for d, v in line.points]
        lines.append(
            ChartLine(
                label=str(line.label),
                colour=EMPHASIS if line.emphasis else next(colours),
                points=" ".join(f"{px},{py}" for px, py, _d, _v in dots),
                dots=dots,
                width=3 if line.emphasis else 2,
                last=dots[-1][3] if dots else "—",
            )
        )
    step = (high - low) / (ticks - 1)
    y_ticks = [(y(low + step * i), (tick_fmt or fmt)(low + step * i)) for i in range(ticks)]
    dated = date_ticks(start, end) if x_ticks is None else x_ticks
    x_labels = [(x(d), d.strftime(date_format)) for d in dated]
    return Chart(
        WIDTH, HEIGHT, lines, y_ticks, x_labels, None if baseline is None else y(baseline), plot
    )


def _x_scale(start: datetime.date, end: datetime.date, left: float, right: float):
    """x of a day: proportional to its date from `start` (at `left`) to `end` (at `right`)."""
    days = max((end - start).days, 1)
    return lambda day: round(left + (right - left) * (day - start).days / days, 1)


def _y_scale(low: float, high: float, top: float, bottom: float):
    """y of a value: `low` at `bottom`, `high` at `top`; values beyond are drawn at the edge."""

    def y(value: Number) -> float:
        clipped = min(max(float(value), low), high)
        return round(bottom - (bottom - top) * (clipped - low) / (high - low), 1)

    return y


def _y_range(values, low, high, baseline) -> tuple[float, float]:
    if low is not None and high is not None:
        return float(low), float(high)
    fitted = values + ([float(baseline)] if baseline is not None else [])
    pad = max((max(fitted) - min(fitted)) / 10, 1.0)
    return (
        min(fitted) - pad if low is None else float(low),
        max(fitted) + pad if high is None else float(high),
    )


def date_ticks(start: datetime.date, end: datetime.date, count: int = 5) -> list[datetime.date]:
    """About `count` evenly spaced days from start to end, both included."""
    days = (end - start).days
    if days <= 0:
        return [start]
    step = max(days // (count - 1), 1)
    ticks = [start + datetime.timedelta(days=i) for i in range(0, days + 1, step)]
    if ticks[-1] != end:
        # The last tick is the end of the period; a tick too close to it makes way.
        if len(ticks) > 1 and (end - ticks[-1]).days < step / 2:
            ticks.pop()
        ticks.append(end)
    return ticks


SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120, 32, 3


@dataclass
class Sparkline:
    """One series drawn small: `points` for <polyline>, the newest value's dot (`last_x`,
    `last_y`), an optional dashed `limit_y` (a threshold inside the range), and the lowest,
    highest and newest values as shown (the SVG's text alternative)."""

    width: int
    height: int
    points: str
    last_x: float | None
    last_y: float | None
    limit_y: float | None
    low: str
    high: str
    last: str
    count: int

    @property
    def empty(self) -> bool:
        return self.count == 0


def sparkline(
    points: Sequence[tuple[datetime.date, Number]],
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    limit: Number | None = None,
    fmt: Callable[[Number], str] = str,
    width: int = SPARK_WIDTH,
    height: int = SPARK_HEIGHT,
) -> Sparkline:
    """A sparkline of (date, value) points in date order over the days start..end (default: the
    first and last point's). The y range fits the values (a flat series sits in the middle);
    `limit` is drawn as a dashed line when it falls within that range. No axes, no ticks."""
    if not points:
        return Sparkline(width, height, "", None, None, None, "—", "—", "—", 0)
    start = start or points[0][0]
    end = end or points[-1][0]
    values = [float(v) for _d, v in points]
    # the shape matters more than the scale: a tenth of the span as room (a 95–96 % week
    # is not drawn flat); a flat series gets room of its own so it sits in the middle
    pad = (max(values) - min(values)) / 10 or abs(values[0]) / 10 or 1.0
    low, high = min(values) - pad, max(values) + pad
    x = _x_scale(start, end, SPARK_PAD, width - SPARK_PAD)
    y = _y_scale(low, high, SPARK_PAD, height - SPARK_PAD)
    drawn = [(x(d), y(v)) for d, v in points]
    if len(drawn) == 1:  # one day: a short level line, so there is something to see
        drawn.insert(0, (SPARK_PAD, drawn[0][1]))
    inside = limit is not None and low <= float(limit) <= high
    return Sparkline(
        width=width,
        height=height,
        points=" ".join(f"{px},{py}" for px, py in drawn),
        last_x=drawn[-1][0],
        last_y=drawn[-1][1],
        limit_y=y(limit) if inside else None,
        low=fmt(min(v for _d, v in points)),
        high=fmt(max(v for _d, v in points)),
        last=fmt(points[-1][1]),
        count=len(points),
    )
