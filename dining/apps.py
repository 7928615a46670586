"""App config of the dining system."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiningConfig(AppConfig):
    name = "dining"
    verbose_name = _("Dining")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dining.reviews import register as register_reviews

        register_reviews()
        from dining.views.prices import overview_context
        from logistics.sections import register_overview_section

        register_overview_section(
            "dining.figures",
            title=_("Dining"),
            template="dining/prices/includes/_overview_section.html",
            context=overview_context,
            order=20,
        )
        from dining.views.staff import my_canteen_context
        from logistics.roles import Role
        from logistics.sections import register_home_section

        register_home_section(
            "dining.my-canteen",
            title=_("My canteen today"),
            template="includes/_item_list.html",
            context=my_canteen_context,
            order=5,
            roles={Role.CANTEEN_STAFF},
        )
        from dining.sections import register as register_todays_menu

        register_todays_menu()
