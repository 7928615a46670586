"""Daily figures: one number per indicator, scope and day, kept by beat (logistics.daily)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyFigure(models.Model):
    """One indicator's value for one scope on one day (site time zone).

    `value` is the additive number (a count, a sum) that a period adds up; `parts` holds what
    the value is made of where a figure needs more than one number — a numerator and its base,
    a breakdown by state, a histogram for percentiles — so that any period's figure is computed
    from its days' rows alone, never from the source tables.
    """

    class ScopeKind(models.TextChoices):
        SITE = "site", _("whole site")
        CAMPUS = "campus", _("campus")
        BUILDING = "building", _("building")
        DEPARTMENT = "department", _("department")

    key = models.CharField(_("figure"), max_length=64)
    scope_kind = models.CharField(
        _("scope"), max_length=16, choices=ScopeKind.choices, default=ScopeKind.SITE
    )
    scope_id = models.BigIntegerField(_("scope id"), default=0)  # 0 for the whole site
    day = models.DateField(_("day"))
    value = models.FloatField(_("value"), default=0)
    parts = models.JSONField(_("parts"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("daily figure")
        verbose_name_plural = _("daily figures")
        constraints = [
            # also the index every read uses: one key and scope over a range of days
            models.UniqueConstraint(
                fields=["key", "scope_kind", "scope_id", "day"], name="daily_figure_unique"
            ),
        ]
        indexes = [models.Index(fields=["day", "key"], name="daily_figure_day_idx")]

    def __str__(self) -> str:
        return f"{self.key} {self.scope_kind}:{self.scope_id} {self.day} = {self.value}"


class IndicatorValue(models.Model):
    """One registered indicator's value (logistics.indicators) for one scope and one period —
    a day, an ISO week (from Monday) or a month — computed by beat from the daily figures.
    The command centre, the weekly report and the city export read only these rows."""

    class Period(models.TextChoices):
        DAY = "day", _("day")
        WEEK = "week", _("week")
        MONTH = "month", _("month")

    key = models.CharField(_("indicator"), max_length=64)
    scope_kind = models.CharField(
        _("scope"),
        max_length=16,
        choices=DailyFigure.ScopeKind.choices,
        default=DailyFigure.ScopeKind.SITE,
    )
    scope_id = models.BigIntegerField(_("scope id"), default=0)
    period = models.CharField(_("period"), max_length=8, choices=Period.choices)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))  # today for the current period
    value = models.FloatField(_("value"), null=True, blank=True)  # None: nothing to measure
    attention = models.BooleanField(_("needs attention"), default=False)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "scope_kind", "scope_id", "period", "start"],
                name="indicator_value_unique",
            ),
        ]
        indexes = [
            # the command centre: one period's values of every indicator and scope
            models.Index(fields=["period", "start"], name="indicator_value_period_idx"),
            models.Index(
                fields=["period", "start"],
                condition=models.Q(attention=True),
                name="indicator_value_attention_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.scope_kind}:{self.scope_id} {self.period} {self.start}"
