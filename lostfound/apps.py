"""App config of the lostfound system."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LostfoundConfig(AppConfig):
    name = "lostfound"
    verbose_name = _("Lost and found")
    default_auto_field = "django.db.models.BigAutoField"
