"""Input of the price-supervision pages: a price rule, a period of days, an export."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dining.models import PriceRule
from dining.pricing.services import RULE_FIELDS, rule_requirements
from logistics.forms import IsoDateInput, PortalForm, PortalModelForm

DEFAULT_DAYS = 30
MAX_DAYS = 366


class PriceRuleForm(PortalModelForm):
    """A rule; the numbers a kind needs are checked here and again by the service."""

    class Meta:
        model = PriceRule
        fields = list(RULE_FIELDS)

    def clean(self):
        cleaned = super().clean()
        errors = rule_requirements(
            kind=cleaned.get("kind"), amount=cleaned.get("amount"), percent=cleaned.get("percent")
        )
        for name, message in errors.items():
            if name not in self.errors:
                self.add_error(name, message)
        return cleaned


class PeriodForm(PortalForm):
    """A period of whole days (both ends included); the last 30 days by default."""

    start = forms.DateField(label=_("From"), required=False, widget=IsoDateInput)
    end = forms.DateField(label=_("To"), required=False, widget=IsoDateInput)

    def __init__(self, *args, default_days: int = DEFAULT_DAYS, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_days = default_days

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period is before its start."))
        elif start and end and (end - start).days >= MAX_DAYS:
            self.add_error("start", _("Choose a period of at most 366 days."))
        return cleaned

    def period(self) -> tuple[datetime.date, datetime.date]:
        """The chosen days; the last `default_days` days when the input is missing or bad."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - datetime.timedelta(days=self.default_days - 1)
        if start > end:  # only a start after today was given
            start = end
        return start, end


class FiguresForm(PeriodForm):
    threshold = forms.DecimalField(
        label=_("Low price at or below (yuan)"),
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
    )


class ExportForm(PeriodForm):
    what = forms.ChoiceField(
        label=_("Export"),
        choices=[("price-changes", _("Price changes")), ("menus", _("Menus"))],
        initial="price-changes",
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=[("csv", "CSV"), ("xlsx", "XLSX")], required=False
    )
