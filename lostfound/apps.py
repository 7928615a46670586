"""App config of the lost-and-found system: what it registers with the core."""

from celery.schedules import crontab
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LostfoundConfig(AppConfig):
    name = "lostfound"
    verbose_name = _("Lost and found")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from logistics.api.permissions import register_scope_area
        from logistics.roles import Role
        from logistics.schedule import register_beat_entry
        from logistics.sections import register_home_section, register_overview_section
        from lostfound.daily import register as register_daily_figures
        from lostfound.events import register as register_events
        from lostfound.indicators import register as register_indicators
        from lostfound.reviews import register as register_reviews
        from lostfound.sections import (
            my_found_items_context,
            my_lost_reports_context,
            overview_context,
        )

        register_reviews()
        register_daily_figures()
        register_indicators()
        register_events()
        register_overview_section(
            "lostfound.figures",
            title=_("Lost and found"),
            template="includes/_figures.html",
            context=overview_context,
            order=40,
        )
        register_scope_area("lostfound")
        register_home_section(
            "lostfound.my-lost-reports",
            title=_("My lost reports"),
            template="includes/_item_list.html",
            context=my_lost_reports_context,
            order=30,
            roles={Role.STUDENT, Role.TEACHER},
        )
        register_home_section(
            "lostfound.my-found-items",
            title=_("My found items"),
            template="includes/_item_list.html",
            context=my_found_items_context,
            order=31,
            roles={Role.STUDENT, Role.TEACHER},
        )
        register_beat_entry(
            "lostfound-holding-sweep",
            task="lostfound.tasks.bulk_holding_sweep",
            schedule=crontab(minute=20),
            options={"expires": 3600},
        )
