"""The work calendar's exceptions: public holidays and make-up working days (调休)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A date that breaks the weekly pattern: a holiday on a weekday or a working weekend day."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(
        _("working day"),
        default=False,
        help_text=_("Tick for a make-up working day (调休); leave empty for a holiday."),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
