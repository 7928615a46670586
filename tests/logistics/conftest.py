"""Fixtures shared by the core's tests."""

from tests.logistics.supervision_day import city_day  # noqa: F401 (the city supervision day)
