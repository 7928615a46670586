"""URLs of the bare project (bench/settings_bare.py): the constant view, and /healthz for the
bench's start-up check."""

from django.urls import path

from bench.constant import constant

urlpatterns = [path("bench/constant/", constant), path("healthz", constant)]
