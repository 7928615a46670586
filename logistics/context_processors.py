"""Template context shared by every page: site name, CAS on/off, unread notification count."""

from django.conf import settings
from django.utils.translation import gettext as _


def portal(request):
    return {
        "SITE_NAME": settings.SITE_NAME or _("Campus Logistics Portal"),
        "CAS_ENABLED": settings.CAS_ENABLED,
    }
