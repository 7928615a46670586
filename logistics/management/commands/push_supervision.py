"""Push the city supervision documents of chosen days now (logistics.supervision): the days
before the push was set up, or a gap longer than the week beat catches up on by itself."""

from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from logistics import supervision

MAX_DAYS = 400


class Command(BaseCommand):
    help = "Push the city supervision document of --start to --end (default: yesterday)."

    def add_arguments(self, parser):
        parser.add_argument("--start", type=date.fromisoformat, help="first day, YYYY-MM-DD")
        parser.add_argument("--end", type=date.fromisoformat, help="last day (default: yesterday)")

    def handle(self, *args, start, end, **options):
        if not settings.SUPERVISION_PUSH_URL:
            raise CommandError("SUPERVISION_PUSH_URL is not set: there is nowhere to push to.")
        yesterday = timezone.localdate() - timedelta(days=1)
        end = end or yesterday
        start = start or end
        if end > yesterday:
            raise CommandError("Only days that are over are pushed: --end is yesterday at most.")
        if start > end or (end - start).days >= MAX_DAYS:
            raise CommandError(f"--start must come before --end, {MAX_DAYS} days at most.")
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        pushed = [day for day in days if supervision.push(day)]
        self.stdout.write(
            f"{len(pushed)} of {len(days)} days queued for {settings.SUPERVISION_PUSH_URL}; "
            f"{len(days) - len(pushed)} had been pushed already (their rows are in the outbox)."
        )
