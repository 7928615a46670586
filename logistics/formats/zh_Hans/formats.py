"""Chinese date formats: ISO dates, 24-hour times (one date format on every page)."""

from logistics.formats.common import *  # noqa: F403
