"""Server-drawn SVG trend charts of index rows (no JavaScript: the CSP is strict).

Periods are spaced evenly along x (weeks or months); each series is a polyline with a dot per
period that has a value, and a <title> on each dot for the exact figure.
"""

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 14, 30
PALETTE = ("#111827", "#1d4ed8", "#047857", "#b91c1c")


@dataclass
class Line:
    label: str
    colour: str
    points: str  # "x,y x,y …" for <polyline points>
    dots: list  # [(x, y, period start, shown value)]
    last: str


@dataclass
class TrendChart:
    width: int
    height: int
    lines: list
    y_ticks: list  # [(y, label)]
    x_ticks: list  # [(x, label)]
    plot: dict

    @property
    def empty(self) -> bool:
        return not any(line.dots for line in self.lines)


def trend_chart(*, starts, series, low, high, fmt, date_format="%Y-%m", ticks=5) -> TrendChart:
    """A chart over the period starts `starts`; `series` is [(label, {start: value or None})];
    the y axis runs from `low` to `high`, its labels and the dots' figures through `fmt`."""
    plot = {"left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": HEIGHT - BOTTOM}
    count = max(len(starts) - 1, 1)

    def x(i):
        return round(LEFT + (WIDTH - RIGHT - LEFT) * i / count, 1)

    def y(value):
        clipped = min(max(value, low), high)
        return round(HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * (clipped - low) / (high - low), 1)

    lines = []
    for number, (label, values) in enumerate(series):
        dots = [
            (x(i), y(values[start]), start, fmt(values[start]))
            for i, start in enumerate(starts)
            if values.get(start) is not None
        ]
        lines.append(
            Line(
                label=str(label),
                colour=PALETTE[number % len(PALETTE)],
                points=" ".join(f"{px},{py}" for px, py, _s, _v in dots),
                dots=dots,
                last=dots[-1][3] if dots else "—",
            )
        )
    step = (high - low) / (ticks - 1)
    y_ticks = [(y(low + step * i), fmt(low + step * i)) for i in range(ticks)]
    every = max(len(starts) // 6, 1)
    x_ticks = [(x(i), s.strftime(date_format)) for i, s in enumerate(starts) if i % every == 0]
    return TrendChart(WIDTH, HEIGHT, lines, y_ticks, x_ticks, plot)
