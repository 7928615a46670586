"""Input of the index pages: the period and filters of the rankings, trends and exports."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from logistics.forms import IsoDateInput, IsoMonthInput, PortalForm
from reviews.models import IndexRow, Subject
from reviews.registry import event_types

from .querysets import RANKED_KINDS, default_start, normalise_start

DEFAULT_MIN_REVIEWS = 5


def event_type_choices() -> list[tuple[str, str]]:
    return [("", _("All services"))] + [(t.key, str(t.label)) for t in event_types()]


class EventTypeField(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(label=_("Service"), required=False, choices=event_type_choices, **kwargs)


class RankingForm(PortalForm):
    """Which ranking: kind, period (day, week, month) and its start, service, minimum sample."""

    kind = forms.ChoiceField(
        label=_("Rank"),
        required=False,
        choices=[(k.value, k.label) for k in RANKED_KINDS],
    )
    period = forms.ChoiceField(label=_("Period"), required=False, choices=IndexRow.Period.choices)
    start = forms.DateField(label=_("Period containing"), required=False, widget=IsoDateInput)
    event_type = EventTypeField()
    min_reviews = forms.IntegerField(
        label=_("At least this many reviews"), required=False, min_value=0, max_value=100000
    )

    def choice(self) -> dict:
        """The chosen ranking; defaults where the input is missing (call after is_valid)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        period = data.get("period") or IndexRow.Period.MONTH
        start = data.get("start")
        start = normalise_start(period, start) if start else default_start(period)
        minimum = data.get("min_reviews")
        return {
            "kind": data.get("kind") or Subject.Kind.UNIT,
            "period": period,
            "start": start,
            "event_type": data.get("event_type") or "",
            "min_reviews": DEFAULT_MIN_REVIEWS if minimum is None else minimum,
        }


class TrendForm(PortalForm):
    period = forms.ChoiceField(
        label=pgettext_lazy("trend step: by month or by week", "By"),
        required=False,
        choices=[(IndexRow.Period.MONTH, _("Month")), (IndexRow.Period.WEEK, _("Week"))],
    )
    event_type = EventTypeField()

    def choice(self) -> dict:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "period": data.get("period") or IndexRow.Period.MONTH,
            "event_type": data.get("event_type") or "",
        }


class MonthField(forms.DateField):
    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM.")}


class ExportForm(PortalForm):
    """The month of the assessment export, its format and service."""

    month = MonthField(label=_("Month"), required=False, widget=IsoMonthInput)
    format = forms.ChoiceField(
        label=_("Format"), required=False, choices=[("csv", "CSV"), ("xlsx", "XLSX")]
    )
    event_type = EventTypeField()

    def choice(self) -> dict:
        data = self.cleaned_data
        month = data.get("month") or default_start(IndexRow.Period.MONTH)
        return {
            "month": datetime.date(month.year, month.month, 1),
            "format": data.get("format") or "csv",
            "event_type": data.get("event_type") or "",
        }
