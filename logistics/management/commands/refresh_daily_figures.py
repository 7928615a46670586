"""Recompute the daily figures (logistics.daily) of a range of days, and the indicators of the
periods they fall in (logistics.indicators): backfill after an install."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from logistics import daily, indicators


class Command(BaseCommand):
    help = "Recompute daily figures for the last --days days (default 1: today), or --start/--end."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=1, help="today and the days before it")
        parser.add_argument("--start", type=date.fromisoformat, help="first day, YYYY-MM-DD")
        parser.add_argument("--end", type=date.fromisoformat, help="last day (default: today)")
        parser.add_argument("--source", help="only this source (e.g. repairs)")

    def handle(self, *args, days, start, end, source, **options):
        names = [s.name for s in daily.sources()]
        if source and source not in names:
            raise CommandError(f"No daily figures named {source!r}; known: {', '.join(names)}.")
        end = end or timezone.localdate()
        start = start or end - timedelta(days=max(days, 1) - 1)
        if start > end:
            raise CommandError("--start is after --end.")
        wanted = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        written = 0
        for day in wanted:  # one transaction per day and source, so a long backfill can stop
            written += daily.refresh(days=[day], only=source)
        values = indicators.refresh(days=wanted)
        self.stdout.write(f"{len(wanted)} days, {written} rows, {values} indicator values")
