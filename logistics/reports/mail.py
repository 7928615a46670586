"""Mailing the weekly report: the beat task's work, and the e-mail each manager receives."""

from __future__ import annotations

import functools
from datetime import datetime

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from logistics import outbox
from logistics.models import OutboxMessage, User, WeeklyReport
from logistics.notifications import notify
from logistics.spreadsheets import XLSX_TYPE

from .build import report_build, weeks_due
from .show import report_view, workbook

KIND = "logistics.weekly_report"


def recipients() -> list[User]:
    """Who receives the report: active users holding one of WEEKLY_REPORT_ROLES."""
    users = User.objects.filter(groups__name__in=settings.WEEKLY_REPORT_ROLES, is_active=True)
    return list(users.distinct().order_by("pk"))


@transaction.atomic
def report_mail(*, report: WeeklyReport, now: datetime | None = None) -> bool:
    """Notifies the recipients of `report` (in-app, and by e-mail as each prefers: the e-mail
    carries the report as HTML and XLSX). Only the call that claims the report mails it; a
    second run, or one racing it, sends nothing. False when it was mailed already."""
    now = now or timezone.now()
    claimed = WeeklyReport.objects.filter(pk=report.pk, mailed_at__isnull=True).update(
        mailed_at=now
    )
    if not claimed:
        return False
    report.mailed_at = now
    notify(
        recipients=recipients(),
        kind=KIND,
        title=_("Weekly report %(week)s"),
        body=_("The week of %(start)s to %(end)s: %(count)d indicator(s) need attention."),
        url=report.get_absolute_url(),
        webhooks=False,
        params={
            "week": report.week,
            "start": report.start,
            "end": report.end,
            "count": report.attention,
        },
        data={"week": report.week},
    )
    return True


def weekly_reports_send(*, now: datetime | None = None) -> list[str]:
    """Builds and mails every report due by now (see build.weeks_due); the weeks mailed.
    Safe to run any number of times a day: beat runs it every morning at 08:00, so a Monday
    that is a holiday is followed by the next working day."""
    now = now or timezone.now()
    mailed = []
    for start in weeks_due(timezone.localdate(now)):
        report = report_build(start=start, now=now)
        if report_mail(report=report, now=now):
            mailed.append(report.week)
    return mailed


@functools.cache
def _stylesheet() -> str:
    path = finders.find("css/reports-email.css")
    with open(path, encoding="utf-8") as css:
        return format_html("<style>{}</style>", mark_safe(css.read()))  # noqa: S308 — our own file


def email_content(message: OutboxMessage, payload: dict) -> outbox.EmailContent:
    """The report's e-mail in the recipient's language (active): HTML and text bodies with the
    indicators, the five worst and the sections, and the workbook attached."""
    week = (payload.get("data") or {}).get("week", "")
    report = WeeklyReport.objects.filter(week=week).first()
    if report is None:
        raise outbox.PermanentError(f"weekly report {week!r} no longer exists")
    shown = report_view(report, url=outbox.absolute_url)
    context = {
        "shown": shown,
        "report": report,
        "url": outbox.absolute_url(report.get_absolute_url()),
        "SITE_NAME": settings.SITE_NAME or _("Campus Logistics Portal"),
        "stylesheet": _stylesheet(),
    }
    return outbox.EmailContent(
        subject=payload["title"],
        body=render_to_string("logistics/reports/email.txt", context),
        html=render_to_string("logistics/reports/email.html", context),
        attachments=(
            outbox.Attachment(f"weekly-report-{report.week}.xlsx", workbook(shown), XLSX_TYPE),
        ),
    )
