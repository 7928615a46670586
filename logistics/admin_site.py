"""The admin's app config: the portal's admin site, which signs people in through CAS when on."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "logistics.cas.PortalAdminSite"
