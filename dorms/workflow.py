"""The rules of notices, written once: the state machine, the lead-time rules of planned
outages, and what makes a notice valid to publish."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from logistics.workflow import StateMachine, Transition

from .errors import InvalidTransition
from .models import Kind, Notice, Utility
from .querysets import is_notice_manager

Status = Notice.Status


def _manager(user, notice) -> bool:
    return is_notice_manager(user)


NOTICE_MACHINE = StateMachine(
    [
        Transition("publish", frozenset({Status.DRAFT}), Status.PUBLISHED, _manager),
        Transition("schedule", frozenset({Status.DRAFT}), Status.SCHEDULED, _manager),
        Transition("unschedule", frozenset({Status.SCHEDULED}), Status.DRAFT, _manager),
        Transition("release", frozenset({Status.SCHEDULED}), Status.PUBLISHED),
        Transition("correct", frozenset({Status.PUBLISHED}), Status.SUPERSEDED, _manager),
        Transition("edit", frozenset({Status.DRAFT, Status.SCHEDULED}), None, _manager),
    ],
    invalid=InvalidTransition,
)


@dataclass(frozen=True)
class LeadTimeRule:
    """How much notice a planned stoppage of a utility needs, and where that is written."""

    utility: str
    notice: timedelta
    source: str


LEAD_TIMES = {
    Utility.WATER: LeadTimeRule(Utility.WATER, timedelta(hours=24), "城市供水条例 第二十二条"),
    Utility.POWER: LeadTimeRule(Utility.POWER, timedelta(days=7), "电力供应与使用条例 第二十八条"),
}


def lead_time_shortfall(notice: Notice, *, published_at: datetime) -> LeadTimeRule | None:
    """The rule a planned outage breaks when announced at `published_at`, or None. An emergency
    repair (unplanned) may be announced while it happens."""
    if not notice.is_outage or notice.unplanned or notice.starts_at is None:
        return None
    rule = LEAD_TIMES.get(notice.utility)
    if rule is None or notice.starts_at - published_at >= rule.notice:
        return None
    return rule


def lead_time_message(rule: LeadTimeRule) -> str:
    hours = int(rule.notice.total_seconds() // 3600)
    return str(
        _(
            "A planned %(utility)s stoppage needs at least %(hours)d hours' notice (%(source)s). "
            "Give the reason for the short notice to publish it all the same."
        )
        % {"utility": Utility(rule.utility).label, "hours": hours, "source": rule.source}
    )


def draft_errors(notice: Notice) -> dict[str, list[str]]:
    """What stops a notice from being saved even as a draft, by field."""
    if notice.is_outage and not notice.utility:
        return {"utility": [str(_("Say which utility is stopped."))]}
    return {}


def publish_errors(notice: Notice) -> dict[str, list[str]]:
    """What stops a notice from being published, by field."""
    errors = draft_errors(notice)
    needs_expiry = notice.kind in (Kind.OUTAGE, Kind.EMERGENCY)
    if needs_expiry and notice.valid_until is None:
        errors["valid_until"] = [str(_("Outages and emergencies need a 'valid until' time."))]
    if notice.is_outage:
        if notice.starts_at is None or notice.ends_at is None:
            errors["starts_at"] = [str(_("An outage needs its start and end."))]
        elif notice.ends_at <= notice.starts_at:
            errors["ends_at"] = [str(_("The outage must end after it starts."))]
    if notice.requires_ack and notice.ack_deadline is None:
        errors["ack_deadline"] = [str(_("Set the date by which people must acknowledge."))]
    if not notice.title.strip():
        errors["title"] = [str(_("A notice needs a title."))]
    return errors
