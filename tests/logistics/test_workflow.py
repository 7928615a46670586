"""The rule table of logistics.workflow: who first, then the state, then the guard."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied

from logistics.workflow import (
    Conflict,
    InvalidTransition,
    NotAllowed,
    StateMachine,
    Transition,
)


class Gone(InvalidTransition):
    default_message = "gone"


def _machine():
    owner = lambda user, obj: user == obj.owner  # noqa: E731
    once = lambda obj: Conflict("done") if obj.done else None  # noqa: E731
    return StateMachine(
        [
            Transition("close", frozenset({"open"}), "closed", allowed=owner),
            Transition("mark", frozenset({"open", "closed"}), None, allowed=owner, guard=once),
        ],
        invalid=Gone,
    )


def test_it_asks_who_before_the_state_so_strangers_learn_nothing():
    thing = SimpleNamespace(status="closed", owner="ann", done=False)
    with pytest.raises(NotAllowed):
        _machine().check(thing, "close", "bob")
    with pytest.raises(Gone):
        _machine().check(thing, "close", "ann")


def test_it_refuses_by_the_guard_and_offers_nothing_the_guard_refuses():
    thing = SimpleNamespace(status="open", owner="ann", done=True)
    with pytest.raises(Conflict):
        _machine().check(thing, "mark", "ann")
    assert _machine().allowed_actions(thing, "ann") == ["close"]
    assert _machine().allowed_actions(thing, "bob") == []


def test_it_makes_not_allowed_a_permission_denied_for_pages():
    assert issubclass(NotAllowed, PermissionDenied)
    assert (NotAllowed.http_status, NotAllowed.code) == (403, "permission_denied")


@pytest.mark.parametrize("app", ["repairs", "parcels", "lostfound", "reviews.complaints", "dorms"])
def test_it_offers_each_state_its_rules_in_the_tables_order(app):
    """allowed_actions reads the rules indexed by state: for every machine of the apps and
    every state, the same actions in the same order as a walk of the whole table."""
    import importlib

    module = importlib.import_module(f"{app}.workflow")
    machines = [m for m in vars(module).values() if isinstance(m, StateMachine)]
    assert machines
    everyone = lambda user, obj: True  # noqa: E731
    for machine in machines:
        states = {state for rule in machine.transitions.values() for state in rule.sources}
        for state in states:
            thing = SimpleNamespace(**{machine.field_name: state})
            walked = [name for name, rule in machine.transitions.items() if state in rule.sources]
            opened = StateMachine(
                [
                    Transition(r.action, r.sources, r.target, allowed=everyone)
                    for r in machine.transitions.values()
                ],
                field_name=machine.field_name,
            )
            assert opened.allowed_actions(thing, None) == walked, (app, state)
    assert _machine().allowed_actions(SimpleNamespace(status="gone"), "ann") == []
