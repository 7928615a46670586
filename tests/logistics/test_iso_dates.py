"""Date and time inputs carry ISO values in every language (issue 12, item 3).

Chrome's <input type="date"> takes only 2026-11-28; the Chinese format 2026/11/28 left the
required "复制自" date empty. Each date field of each form is rendered here in Chinese, and a
walk over every form and filter of the project fails for a date field without an ISO widget.
"""

import datetime
import importlib
import importlib.util
import re

import django_filters
import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.utils import timezone, translation

from dining.forms import CopyForm, PublishForm
from dining.pricing.filters import (
    PriceChangeFilterSet,
    PriceIndexFilterSet,
    PriceViolationFilterSet,
)
from dining.pricing.forms import ExportForm as DiningExportForm
from dining.pricing.forms import FiguresForm
from logistics.forms import (
    IsoDateInput,
    IsoDateRangeWidget,
    IsoDateTimeInput,
    IsoMonthInput,
    IsoTimeInput,
)
from repairs.filters import RepairRequestFilterSet
from repairs.forms import question_field
from repairs.models import CategoryQuestion
from repairs.views.figures import PeriodForm as RepairsPeriodForm
from reviews.indices.filters import IndexRowFilterSet
from reviews.indices.forms import ExportForm as IndexExportForm
from reviews.indices.forms import RankingForm

DAY = datetime.date(2026, 11, 28)
MOMENT = datetime.datetime(2026, 11, 28, 9, 30, tzinfo=datetime.UTC)  # 17:30 in Shanghai


def value_of(html: str) -> str:
    return re.search(r'value="([^"]*)"', html).group(1)


def type_of(html: str) -> str:
    return re.search(r'type="([^"]*)"', html).group(1)


# (form class, field, initial value, input type, the value the page must carry)
FORM_FIELDS = [
    (CopyForm, "from_date", DAY, "date", "2026-11-28"),
    (PublishForm, "publish_at", MOMENT, "datetime-local", "2026-11-28T17:30"),
    (FiguresForm, "start", DAY, "date", "2026-11-28"),
    (FiguresForm, "end", DAY, "date", "2026-11-28"),
    (DiningExportForm, "start", DAY, "date", "2026-11-28"),
    (DiningExportForm, "end", DAY, "date", "2026-11-28"),
    (RankingForm, "start", DAY, "date", "2026-11-28"),
    (IndexExportForm, "month", DAY, "month", "2026-11"),
    (RepairsPeriodForm, "start", DAY, "date", "2026-11-28"),
    (RepairsPeriodForm, "end", DAY, "date", "2026-11-28"),
]


@pytest.mark.parametrize(
    ("form_class", "name", "initial", "input_type", "expected"),
    FORM_FIELDS,
    ids=[f"{f[0].__module__}.{f[0].__name__}.{f[1]}" for f in FORM_FIELDS],
)
def test_it_renders_each_date_field_in_iso_in_chinese(
    form_class, name, initial, input_type, expected
):
    with translation.override("zh-hans"), timezone.override("Asia/Shanghai"):
        html = str(form_class(initial={name: initial})[name])
    assert type_of(html) == input_type
    assert value_of(html) == expected


def test_it_renders_a_repair_questions_date_and_time_in_iso_in_chinese():
    question = CategoryQuestion(code="when", label="何时", kind=CategoryQuestion.Kind.DATETIME)
    form = forms.Form(initial={"when": MOMENT})
    form.fields["when"] = question_field(question)
    with translation.override("zh-hans"), timezone.override("Asia/Shanghai"):
        html = str(form["when"])
    assert (type_of(html), value_of(html)) == ("datetime-local", "2026-11-28T17:30")


FILTER_RANGES = [
    (PriceChangeFilterSet, "changed"),
    (PriceIndexFilterSet, "date"),
    (PriceViolationFilterSet, "created"),
    (RepairRequestFilterSet, "created"),
    (IndexRowFilterSet, "period_start"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("filterset_class", "name"), FILTER_RANGES)
def test_it_renders_each_date_range_filter_as_two_labelled_iso_dates(filterset_class, name):
    data = {f"{name}_after": "2026-11-01", f"{name}_before": "2026-11-28"}
    with translation.override("zh-hans"):
        html = str(filterset_class(data=data).form[name])
    inputs = re.findall(r"<input[^>]*>", html)
    assert [type_of(i) for i in inputs] == ["date", "date"]
    assert [value_of(i) for i in inputs] == ["2026-11-01", "2026-11-28"]
    assert all("aria-label=" in i for i in inputs)


def test_it_parses_what_the_inputs_send_in_chinese():
    with translation.override("zh-hans"):
        copy = CopyForm(data={"from_date": "2026-11-28", "days": "1"})
        publish = PublishForm(data={"publish_at": "2026-11-28T17:30"})
        assert copy.is_valid(), copy.errors
        assert publish.is_valid(), publish.errors
    assert copy.cleaned_data["from_date"] == DAY
    assert publish.cleaned_data["publish_at"] == MOMENT


def test_it_renders_a_time_input_in_iso():
    with translation.override("zh-hans"):
        html = IsoTimeInput().render("at", datetime.time(7, 5))
    assert (type_of(html), value_of(html)) == ("time", "07:05")


# Date fields that are never rendered as an input, with the reason.
NOT_RENDERED = {
    "dining.imports.MenuImportRowForm.date": "validates a row of an uploaded CSV/XLSX file",
}
ISO_WIDGETS = (IsoDateInput, IsoDateTimeInput, IsoTimeInput, IsoMonthInput, IsoDateRangeWidget)
DATE_FIELDS = (forms.DateField, forms.DateTimeField, forms.TimeField)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _project_apps() -> list:
    root = str(settings.BASE_DIR)
    return [c for c in apps.get_app_configs() if c.path.startswith(root) and ".venv" not in c.path]


def _import_project_forms() -> None:
    for config in _project_apps():
        for module in ("forms", "filters", "views", "imports"):
            if importlib.util.find_spec(f"{config.name}.{module}"):
                importlib.import_module(f"{config.name}.{module}")


def _project_date_fields():
    _import_project_forms()
    project = {config.name.split(".")[0] for config in _project_apps()}
    for form in _subclasses(forms.BaseForm):
        if form.__module__.split(".")[0] not in project or form.__module__.endswith(".admin"):
            continue  # the admin puts its own date widgets (AdminSplitDateTime) on model fields
        for name, field in getattr(form, "base_fields", {}).items():
            if isinstance(field, DATE_FIELDS):
                yield f"{form.__module__}.{form.__qualname__}.{name}", field.widget
    for filterset in _subclasses(django_filters.FilterSet):
        if filterset.__module__.split(".")[0] not in project:
            continue
        for name, flt in filterset.base_filters.items():
            if isinstance(flt, django_filters.DateFromToRangeFilter | django_filters.DateFilter):
                widget = flt.extra.get("widget")
                yield f"{filterset.__module__}.{filterset.__qualname__}.{name}", widget


def test_it_gives_every_date_field_of_the_project_an_iso_widget():
    plain = [
        where
        for where, widget in _project_date_fields()
        if where not in NOT_RENDERED
        and not isinstance(widget, ISO_WIDGETS)
        and not (isinstance(widget, type) and issubclass(widget, ISO_WIDGETS))
    ]
    assert plain == [], "Give these fields an Iso* widget from logistics/forms.py: " + ", ".join(
        plain
    )
