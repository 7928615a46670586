"""App config of the dorms system: what it registers with the core."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DormsConfig(AppConfig):
    name = "dorms"
    verbose_name = _("Dorms")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from logistics.api.permissions import register_scope_area

        register_scope_area("dorms")
