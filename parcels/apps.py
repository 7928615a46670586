"""App config of the parcels system: what it registers with the core."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParcelsConfig(AppConfig):
    name = "parcels"
    verbose_name = _("Parcels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from logistics.api.permissions import register_scope_area

        register_scope_area("parcels")
