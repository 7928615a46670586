"""App config of the repairs system."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepairsConfig(AppConfig):
    name = "repairs"
    verbose_name = _("Repairs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from logistics.roles import Role
        from logistics.sections import register_home_section, register_overview_section
        from repairs.reviews import register as register_reviews
        from repairs.sections import my_jobs_context, my_repairs_context, overview_context

        register_reviews()

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
        register_overview_section(
            "repairs.figures",
            title=_("Repairs"),
            template="repairs/includes/_overview_section.html",
            context=overview_context,
            order=10,
        )
