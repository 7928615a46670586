"""`manage.py seed_demo`: the demo campus and one account per role, for trying the portal out."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from logistics import daily, demo, indicators
from logistics.reports.build import report_build

# The demo's history reaches about two months back; its figures pages need those days' rows.
DEMO_FIGURE_DAYS = 70
# Weekly reports built from those figures, as beat would have (left for beat to mail).
DEMO_REPORT_WEEKS = 4


class Command(BaseCommand):
    help = "Create the demo campus and one account per role (password 'demo'). Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DJANGO_DEBUG off (a test installation, never production).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "seed_demo creates accounts whose password is 'demo' and refuses to run "
                    "with DJANGO_DEBUG off. On a test installation add --force."
                )
            )
        # Apps register their seeders in <app>/demo.py; importing those modules registers them.
        autodiscover_modules("demo")
        with transaction.atomic():
            data = demo.seed_core()
            for seeder in demo.registered_seeders():
                seeder(data)
            demo.settle_notifications()
            # the figures pages read daily rows (logistics.daily): the demo's year of them, and
            # the command centre the indicators computed from them (logistics.indicators)
            today = timezone.localdate()
            days = [today - timedelta(days=n) for n in range(DEMO_FIGURE_DAYS)]
            daily.refresh(days=days)
            indicators.refresh(days=days)
            for back in range(DEMO_REPORT_WEEKS, 0, -1):
                report_build(start=today - timedelta(weeks=back))
        self.stdout.write(self.style.SUCCESS(self.summary(data)))

    def summary(self, data: demo.DemoData) -> str:
        rooms = sum(building.rooms.count() for building in data.buildings.values())
        return _(
            "Demo campus ready: %(campuses)d campuses, %(buildings)d buildings, %(rooms)d rooms, "
            "%(units)d units, %(accounts)d accounts (%(names)s), password 'demo'."
        ) % {
            "campuses": len(data.campuses),
            "buildings": len(data.buildings),
            "rooms": rooms,
            "units": len(data.departments),
            "accounts": len(data.users),
            "names": ", ".join(data.users),
        }
