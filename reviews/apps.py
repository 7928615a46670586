"""App config of the reviews system."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from reviews.complaints import sections as complaints_sections
        from reviews.indices import home as indices_home
        from reviews.views import home as reviews_home

        reviews_home.register()
        complaints_sections.register()
        indices_home.register()
