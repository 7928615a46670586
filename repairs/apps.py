"""App config of the repairs system."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepairsConfig(AppConfig):
    name = "repairs"
    verbose_name = _("Repairs")
    default_auto_field = "django.db.models.BigAutoField"
