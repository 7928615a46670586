"""English date formats: the same ISO dates as the Chinese pages (one date format everywhere)."""

from logistics.formats.common import *  # noqa: F403
