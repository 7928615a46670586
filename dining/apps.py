"""App config of the dining system."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiningConfig(AppConfig):
    name = "dining"
    verbose_name = _("Dining")
    default_auto_field = "django.db.models.BigAutoField"
