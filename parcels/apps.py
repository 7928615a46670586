"""App config of the parcels system: what it registers with the core."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParcelsConfig(AppConfig):
    name = "parcels"
    verbose_name = _("Parcels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from logistics.api.permissions import register_scope_area
        from logistics.roles import Role
        from logistics.schedule import register_beat_entry
        from logistics.sections import register_home_section, register_overview_section
        from parcels.events import register as register_events
        from parcels.figures import register as register_daily_figures
        from parcels.indicators import register as register_indicators
        from parcels.reviews import register as register_reviews
        from parcels.sections import my_parcels_context, overview_context

        register_reviews()
        register_daily_figures()
        register_indicators()
        register_events()
        register_overview_section(
            "parcels.figures",
            title=_("Parcels"),
            template="parcels/includes/_overview_section.html",
            context=overview_context,
            order=50,
        )

        register_scope_area("parcels")
        register_home_section(
            "parcels.mine",
            title=_("My parcels"),
            template="includes/_item_list.html",
            context=my_parcels_context,
            order=15,
            roles={Role.STUDENT, Role.TEACHER},
        )
        register_beat_entry(
            "parcels-send-notices",
            task="parcels.tasks.send_due_notices",
            schedule=60,
            options={"expires": 60},
        )
        register_beat_entry(
            "parcels-ageing",
            task="parcels.tasks.sweep_ageing",
            schedule=300,
            options={"expires": 300},
        )
