"""The weekly report: one frozen snapshot per ISO week (logistics.reports)."""

from datetime import timedelta

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class WeeklyReport(models.Model):
    """The report of one ISO week (Monday to Sunday), built once by beat from the stored
    indicator values (logistics.reports). `snapshot` holds everything the page, the e-mail and
    the workbook show, with its texts in every portal language, so a report never changes
    after it is built; `mailed_at` is set by the one run that mails it."""

    week = models.CharField(_("week"), max_length=8, unique=True)  # ISO: "2026-W49"
    start = models.DateField(_("first day"), unique=True)  # the Monday
    built_at = models.DateTimeField(_("built at"))
    attention = models.PositiveIntegerField(_("indicators needing attention"), default=0)
    snapshot = models.JSONField(_("snapshot"), default=dict)
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")
        ordering = ["-start"]

    def __str__(self) -> str:
        return self.week

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", kwargs={"week": self.week})

    @property
    def end(self):
        return self.start + timedelta(days=6)
