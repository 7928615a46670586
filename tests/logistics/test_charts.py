"""The shared SVG line chart (logistics.charts) and its template."""

import datetime
from decimal import Decimal as D

from django.template.loader import render_to_string

from logistics.charts import SPARK_PAD, Series, date_ticks, line_chart, sparkline

START = datetime.date(2026, 3, 1)
END = datetime.date(2026, 3, 31)


def test_it_places_dots_by_date_inside_the_plot_area():
    chart = line_chart(
        series=[Series("A", [(START, 1), (END, 5)]), Series("B", [(START, 9)])],
        start=START,
        end=END,
        low=1,
        high=5,
    )
    a, b = chart.lines
    plot = chart.plot
    assert a.dots[0][:2] == (plot["left"], plot["bottom"])
    assert a.dots[1][:2] == (plot["right"], plot["top"])
    assert b.dots[0][1] == plot["top"]  # beyond the axis: drawn at its edge
    assert a.colour != b.colour and a.last == "5" and chart.baseline is None


def test_it_fits_the_axis_to_the_values_and_the_baseline():
    chart = line_chart(
        series=[Series("Campus", [(START, D("104.5"))], emphasis=True)],
        start=START,
        end=END,
        baseline=D("100"),
        fmt=lambda v: f"{v:.2f}",
        tick_fmt=lambda v: f"{v:.1f}",
    )
    (campus,) = chart.lines
    assert campus.width == 3 and campus.last == "104.50"
    assert chart.plot["top"] < campus.dots[0][1] < chart.baseline < chart.plot["bottom"]
    assert chart.y_ticks[0][1] == "99.0"  # 100 less a tenth of the span, at least 1
    assert [label for _x, label in chart.x_ticks][::4] == ["03-01", "03-31"]


def test_it_is_empty_without_values():
    chart = line_chart(series=[Series("A", [])], start=START, end=END)
    assert chart.empty
    assert "No index values" in render_to_string("includes/_chart.html", {"chart": chart})


def test_it_ends_the_date_ticks_on_the_last_day():
    assert date_ticks(START, START) == [START]
    ticks = date_ticks(START, END)
    assert ticks[0] == START and ticks[-1] == END and len(ticks) == 5


def test_it_draws_the_chart_without_inline_styles_or_scripts():
    chart = line_chart(series=[Series("A", [(START, 1), (END, 2)])], start=START, end=END)
    html = render_to_string(
        "includes/_chart.html",
        {"chart": chart, "chart_id": "t", "chart_title": "Title", "value_label": "Value"},
    )
    assert "<polyline" in html and 'id="t-title"' in html and "<table" in html
    assert " style=" not in html and "<script" not in html


# --- sparkline -----------------------------------------------------------------------------------


def test_a_sparkline_spans_its_days_and_fits_its_values():
    spark = sparkline(
        [(START, 10), (START + datetime.timedelta(days=15), 30), (END, 20)],
        start=START,
        end=END,
        limit=25,
        fmt=lambda v: f"{v:.0f} h",
    )
    points = [tuple(map(float, p.split(","))) for p in spark.points.split()]
    xs, ys = [x for x, _y in points], [y for _x, y in points]
    assert xs[0] == SPARK_PAD and xs[-1] == spark.width - SPARK_PAD
    assert min(ys) > 0 and max(ys) < spark.height  # inside, with room
    assert ys[1] < ys[2] < ys[0]  # higher values are drawn higher up
    assert (spark.last_x, spark.last_y) == points[-1]
    assert ys[1] < spark.limit_y < ys[2]  # the threshold, dashed, where 25 falls
    assert (spark.low, spark.high, spark.last) == ("10 h", "30 h", "20 h")


def test_a_sparkline_leaves_out_a_limit_beyond_its_values_and_keeps_a_flat_line_level():
    spark = sparkline([(START, 5), (END, 5)], limit=100)
    ys = {p.split(",")[1] for p in spark.points.split()}
    assert len(ys) == 1 and spark.limit_y is None
    assert float(ys.pop()) == spark.height / 2
    one = sparkline([(END, 7)], start=START, end=END)
    assert len(one.points.split()) == 2  # a short level line, not a lone dot
    assert sparkline([]).empty


def test_the_sparkline_template_names_its_values_and_has_no_inline_styles():
    spark = sparkline([(START, 1), (END, 3)], limit=2)
    html = render_to_string(
        "includes/_sparkline.html", {"spark": spark, "spark_title": "Overdue, last 30 days"}
    )
    assert 'role="img"' in html and "<polyline" in html and "sparkline-limit" in html
    assert "Overdue, last 30 days: lowest 1, highest 3, latest 3" in html
    assert " style=" not in html and "<script" not in html
    empty = render_to_string("includes/_sparkline.html", {"spark": sparkline([])})
    assert "<svg" not in empty and "No values yet" in empty
