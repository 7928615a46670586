"""The test CAS server answers under /cas/, as campus CAS servers usually do."""

from django.urls import include, path

urlpatterns = [path("cas/", include("mama_cas.urls"))]
