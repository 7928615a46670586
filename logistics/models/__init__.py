"""Models of the shared core."""

from .calendar import CalendarDay
from .figures import DailyFigure, IndicatorValue
from .notifications import (
    Notification,
    NotificationPreference,
    OutboxMessage,
    WebhookEndpoint,
)
from .places import Building, Campus, Department, Room
from .reports import WeeklyReport
from .tokens import ApiToken
from .uploads import PendingUpload
from .users import StaffScope, User

__all__ = [
    "ApiToken",
    "Building",
    "CalendarDay",
    "Campus",
    "DailyFigure",
    "Department",
    "IndicatorValue",
    "Notification",
    "NotificationPreference",
    "OutboxMessage",
    "PendingUpload",
    "Room",
    "StaffScope",
    "User",
    "WebhookEndpoint",
    "WeeklyReport",
]
