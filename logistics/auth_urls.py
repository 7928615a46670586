"""Sign-in and sign-out: campus CAS when CAS_SERVER_URL is set, Django's login form otherwise."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

if settings.CAS_ENABLED:
    from logistics import cas

    urlpatterns = [
        path("login/", cas.LoginView.as_view(), name="login"),
        path("logout/", cas.LogoutView.as_view(), name="logout"),
        path("local-login/", auth_views.LoginView.as_view(), name="local-login"),
    ]
