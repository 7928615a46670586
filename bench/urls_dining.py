"""The portal's URLs plus /bench/constant/: a plain Django view returning a constant response,
the baseline the cached /dining/ page is compared with (bench/bench_dining.py,
bench/bench_overhead.py)."""

from django.urls import path

from bench.constant import constant
from logistics.urls import handler404  # noqa: F401
from logistics.urls import urlpatterns as portal_urlpatterns

urlpatterns = [path("bench/constant/", constant), *portal_urlpatterns]
