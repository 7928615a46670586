"""App config of the dining system: what it registers with the core and with reviews."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiningConfig(AppConfig):
    name = "dining"
    verbose_name = _("Dining")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.schedules import crontab

        from dining import daily, indicators, reviews, sections, supervision
        from logistics.api.permissions import register_scope_area
        from logistics.roles import Role
        from logistics.schedule import register_beat_entry
        from logistics.sections import register_home_section, register_overview_section
        from logistics.supervision import register_supervision_section

        register_home_section(
            "dining.my-canteen",
            title=_("My canteen today"),
            template="includes/_item_list.html",
            context=sections.my_canteen_context,
            order=5,
            roles={Role.CANTEEN_STAFF},
        )
        register_home_section(
            "dining.todays-menu",
            title=_("Today's menu"),
            template="includes/_item_list.html",
            context=sections.todays_menu_context,
            order=20,
        )
        register_overview_section(
            "dining.figures",
            title=_("Dining"),
            template="dining/prices/includes/_overview_section.html",
            context=sections.overview_context,
            order=20,
        )
        register_scope_area("dining")
        register_beat_entry(
            "dining-publish-due",
            task="dining.tasks.publish_due",
            schedule=60,
            options={"expires": 60},
        )
        register_beat_entry(
            "dining-favourites-tomorrow",
            task="dining.tasks.bulk_favourites_notify_tomorrow",
            schedule=crontab(hour=18, minute=0),
        )
        register_beat_entry(
            "dining-price-index",
            task="dining.tasks.bulk_price_index",
            schedule=crontab(hour=0, minute=15),
        )
        register_supervision_section(
            "dining", supervision.dining_section, rows=supervision.dining_rows
        )
        reviews.register()
        daily.register()
        indicators.register()
