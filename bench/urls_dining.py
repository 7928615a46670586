"""The portal's URLs plus /bench/constant/: a plain Django view returning a constant response,
the baseline the cached /dining/ page is compared with (bench/bench_dining.py)."""

from django.http import HttpResponse
from django.urls import path

from logistics.urls import handler404  # noqa: F401
from logistics.urls import urlpatterns as portal_urlpatterns

CONSTANT = b"<!DOCTYPE html><title>constant</title><p>constant response</p>"


def constant(request):
    return HttpResponse(CONSTANT)


urlpatterns = [path("bench/constant/", constant), *portal_urlpatterns]
