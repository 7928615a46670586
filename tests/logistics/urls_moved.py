"""A URLconf whose "home" is elsewhere (tests/logistics/test_portal_url.py)."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("moved/", lambda request: HttpResponse(), name="home")]
