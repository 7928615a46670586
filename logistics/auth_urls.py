"""Sign-in and sign-out: campus CAS when CAS_SERVER_URL is set, Django's login form otherwise.

The choice is made per request (logistics.cas), so the URL names stay `login` and `logout`.
"""

from django.urls import path

from logistics import cas

urlpatterns = [
    path("login/", cas.login_view, name="login"),
    path("logout/", cas.logout_view, name="logout"),
    path("local-login/", cas.local_login_view, name="local-login"),
]
