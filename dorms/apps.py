"""App config of the dorms system: what it registers with the core."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DormsConfig(AppConfig):
    name = "dorms"
    verbose_name = _("Dorms")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from logistics.api.permissions import register_scope_area
        from logistics.schedule import register_beat_entry
        from logistics.sections import register_home_section, register_overview_section
        from repairs.public import register_outage_provider

        from . import daily, events, indicators, sections
        from .outages import active_outages

        register_scope_area("dorms")
        daily.register()
        indicators.register()
        events.register()
        register_outage_provider(active_outages)
        register_home_section(
            "dorms.my-building",
            title=_("My building"),
            template="dorms/includes/_home_section.html",
            context=sections.my_building_context,
            order=1,
        )
        register_overview_section(
            "dorms.figures",
            title=_("Dorms"),
            template="includes/_figures.html",
            context=sections.manager_figures,
            order=30,
        )
        register_beat_entry(
            "dorms-report-overdue-hazards",
            task="dorms.tasks.bulk_report_overdue_hazards",
            schedule=900,
            options={"expires": 900},
        )
        register_beat_entry(
            "dorms-release-due",
            task="dorms.tasks.bulk_release_due",
            schedule=60,
            options={"expires": 60},
        )
        register_beat_entry(
            "dorms-announce-outages",
            task="dorms.tasks.bulk_announce_outages",
            schedule=60,
            options={"expires": 60},
        )
        register_beat_entry(
            "dorms-chase-acknowledgements",
            task="dorms.tasks.bulk_chase_acknowledgements",
            schedule=600,
            options={"expires": 600},
        )
