"""App config of the reviews system: its sections, beat entries and API area."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.schedules import crontab

        from logistics.api.permissions import register_scope_area
        from logistics.roles import Role
        from logistics.schedule import register_beat_entry
        from logistics.sections import register_home_section, register_overview_section
        from reviews import daily, indicators, report, sections
        from reviews.complaints import events as complaint_events
        from reviews.complaints import sections as complaints_sections

        complaint_events.register()

        register_home_section(
            "reviews.to-review",
            title=_("To review"),
            template="includes/_item_list.html",
            context=sections.to_review_context,
            order=30,
        )
        register_overview_section(
            "reviews.satisfaction",
            title=_("Satisfaction this month"),
            template="reviews/indices/_overview_section.html",
            context=sections.satisfaction_context,
            order=60,
            roles={Role.LOGISTICS_MANAGER, Role.SUPERVISOR},
        )
        complaints_sections.register()
        daily.register()
        indicators.register()
        report.register()
        register_scope_area("reviews")
        register_beat_entry(
            "reviews-invitations",
            task="reviews.tasks.bulk_invitations_sweep",
            schedule=300,
            options={"expires": 300},
        )
        register_beat_entry(
            "reviews-complaints-sweep",
            task="reviews.tasks.bulk_complaints_sweep",
            schedule=300,
            options={"expires": 300},
        )
        # Today's rows every quarter hour, and yesterday's once more after midnight.
        register_beat_entry(
            "reviews-indices",
            task="reviews.tasks.bulk_aggregate_indices",
            schedule=crontab(minute="*/15"),
            options={"expires": 900},
        )
        register_beat_entry(
            "reviews-indices-yesterday",
            task="reviews.tasks.bulk_aggregate_indices",
            schedule=crontab(hour=0, minute=30),
            kwargs={"days_back": 1},
        )
