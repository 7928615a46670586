"""Settings of the dining benchmark only: the portal's settings with a URLConf that adds a
constant view beside the product's URLs (never in the product's URLConf)."""

from logistics.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_dining"
