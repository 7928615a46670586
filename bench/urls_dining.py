"""The portal's URLs plus /bench/constant/: a plain Django view returning a constant response,
the baseline the cached /dining/ page is compared with (bench/bench_dining.py,
bench/bench_overhead.py), and the floors of a signed-in page (bench/bench_scale.py)."""

from django.urls import path

from bench.constant import constant, empty_page, signed_in
from logistics.urls import handler404  # noqa: F401
from logistics.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("bench/constant/", constant),
    # the floors of a signed-in page (bench/bench_scale.py)
    path("bench/signed-in/", signed_in),
    path("bench/empty/", empty_page),
    *portal_urlpatterns,
]
