"""App config of the lost-and-found system: what it registers with the core."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LostfoundConfig(AppConfig):
    name = "lostfound"
    verbose_name = _("Lost and found")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from logistics.api.permissions import register_scope_area

        register_scope_area("lostfound")
