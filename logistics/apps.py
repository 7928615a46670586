"""The shared core app: users and roles, campus places, notifications, API auth."""

from django.apps import AppConfig
from django.conf import settings
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "logistics"
    verbose_name = _("Campus logistics core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from logistics import (
            checks,  # noqa: F401  (registers system checks)
            outbox,
            resilience,  # noqa: F401  (connects the per-request Redis flag)
        )
        from logistics.api.permissions import register_scope, register_scope_area
        from logistics.db_session import set_up_session
        from logistics.events import register_event_type
        from logistics.reports import mail as reports_mail
        from logistics.schedule import register_core_entries
        from logistics.sections import register_overview_section
        from logistics.validation import install
        from logistics.views import reports as report_views

        register_core_entries(relay_interval=settings.OUTBOX_RELAY_INTERVAL)
        register_scope_area("places")
        register_scope_area("notifications")
        register_scope("supervision:read")  # the city export is read only: no write scope
        register_scope("webhooks:manage")
        register_event_type(
            "webhooks.endpoint.ping",
            version=1,
            label=_("Test event"),
            description=_("Sent when the endpoint's owner asks for a test; carries nothing else."),
        )
        install()
        connection_created.connect(set_up_session, dispatch_uid="logistics.db_session")
        outbox.register_email_content(reports_mail.KIND, reports_mail.email_content)
        register_overview_section(
            "logistics.weekly-reports",
            title=_("Weekly reports"),
            template="includes/_item_list.html",
            context=report_views.overview_context,
            order=5,
        )
