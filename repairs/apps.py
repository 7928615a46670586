"""App config of the repairs system."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepairsConfig(AppConfig):
    name = "repairs"
    verbose_name = _("Repairs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from celery.schedules import crontab

        from logistics.api.permissions import register_scope_area
        from logistics.roles import Role
        from logistics.schedule import register_beat_entry
        from logistics.sections import register_home_section, register_overview_section
        from repairs.choices import connect as connect_choices
        from repairs.daily import register as register_daily_figures
        from repairs.events import register as register_events
        from repairs.indicators import register as register_indicators
        from repairs.reviews import register as register_reviews
        from repairs.sections import (
            dispatch_queue_context,
            my_jobs_context,
            my_repairs_context,
            overview_context,
        )

        register_reviews()
        connect_choices()
        register_daily_figures()
        register_indicators()
        register_events()

        register_home_section(
            "repairs.my-requests",
            title=_("My repairs"),
            template="includes/_item_list.html",
            context=my_repairs_context,
            order=10,
            roles={Role.STUDENT, Role.TEACHER},
        )
        register_home_section(
            "repairs.my-jobs",
            title=_("My jobs today"),
            template="includes/_item_list.html",
            context=my_jobs_context,
            order=5,
            roles={Role.TECHNICIAN},
        )
        register_home_section(
            "repairs.dispatch-queue",
            title=_("Dispatch queue"),
            template="repairs/includes/_dispatch_section.html",
            context=dispatch_queue_context,
            order=5,
            roles={Role.REPAIR_DISPATCHER},
        )
        register_overview_section(
            "repairs.figures",
            title=_("Repairs"),
            template="repairs/includes/_overview_section.html",
            context=overview_context,
            order=10,
        )
        register_scope_area("repairs")
        register_beat_entry(
            "repairs-sla-sweep",
            task="repairs.tasks.bulk_sla_sweep",
            schedule=300,
            options={"expires": 300},
        )
        register_beat_entry(
            "repairs-auto-confirm",
            task="repairs.tasks.bulk_auto_confirm",
            schedule=crontab(minute=10),
        )
