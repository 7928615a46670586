"""manage.py reviews_aggregate --from DATE --to DATE: backfills the satisfaction index rows."""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reviews.indices.aggregate import aggregate_range


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = (
        "Aggregates the reviews, invitations and complaints of every local day in a range "
        "into the day, week and month index rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", help="first day, YYYY-MM-DD (default: today)")
        parser.add_argument("--to", dest="last", help="last day, YYYY-MM-DD (default: --from)")

    def handle(self, *args, first=None, last=None, **options):
        first = _date(first) if first else timezone.localdate()
        last = _date(last) if last else first
        if last < first:
            raise CommandError("--to is before --from")
        started = time.monotonic()
        written = aggregate_range(first=first, last=last)
        seconds = time.monotonic() - started
        self.stdout.write(f"{written} index rows written for {first} – {last} in {seconds:.1f} s")
