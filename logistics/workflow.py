"""The workflow core every app's state machine uses: domain errors that answer the same way in
pages and the API, the conditional transition, and "notify everyone involved but the actor"."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models.expressions import BaseExpression
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django import forms
    from django.http import HttpRequest

    from logistics.models import Department, User


# --- Errors -------------------------------------------------------------------------------------


class DomainError(Exception):
    """A rule of the domain said no. `code` and `http_status` are how the API answers it (one
    exception handler for every app); pages show `message` (one helper for every app).

    Subclasses set `code`, `http_status` and `default_message`; a raise may pass its own message
    and, for input errors, `fields` ({"field": ["message", …]})."""

    code = "invalid"
    http_status = 400
    default_message: str | Promise = _("This action is not possible.")

    def __init__(self, message=None, *, fields: Mapping[str, list] | None = None):
        self.message = message or self.default_message
        self.fields = {name: [str(m) for m in msgs] for name, msgs in (fields or {}).items()}
        super().__init__(str(self.message))


class InvalidInput(DomainError):
    """The input breaks a rule only the service can check (field errors in `fields`)."""

    code = "invalid"
    http_status = 400
    default_message = _("The input is not valid; see the field errors.")


class InvalidTransition(DomainError):
    """The object is not (or no longer) in a state that allows this action."""

    code = "invalid_transition"
    http_status = 409
    default_message = _("This is no longer in a state that allows this action.")


class ConcurrentUpdate(DomainError):
    """Someone else changed the row between reading and the conditional update."""

    code = "concurrent_update"
    http_status = 409
    default_message = _("Someone else changed this a moment ago. Reload and try again.")


class Conflict(DomainError):
    """The action clashes with what is already there (already done, a duplicate)."""

    code = "conflict"
    http_status = 409


class NotAllowed(DomainError, PermissionDenied):
    """The user may see the object but not do this to it. Also Django's PermissionDenied, so a
    page that does not catch it answers 403 like any other refusal."""

    code = "permission_denied"
    http_status = 403
    default_message = _("You may not do this.")


def show_error(request: HttpRequest, error: DomainError, form: forms.Form | None = None) -> None:
    """How a page tells a person that the service said no: on the form when there is one (field
    errors on their fields), else as a message at the top of the next page."""
    if form is None:
        messages.error(request, error.message)
        return
    if not error.fields:
        form.add_error(None, str(error.message))
        return
    for name, texts in error.fields.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


# --- Transitions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """One row of a state machine's rule table: `action` moves an object from one of `sources`
    to `target`; `allowed(user, obj)` says whether this user may do it (the state aside);
    `guard(obj)` returns the error of a rule beyond the state (a time window, "only once"),
    or None when it holds."""

    action: str
    sources: frozenset[str]
    target: str | None  # None: the action keeps the state (a note, a reassignment)
    allowed: Callable[[Any, Any], bool] = field(default=lambda user, obj: True, compare=False)
    label: str | Promise = ""
    guard: Callable[[Any], DomainError | None] | None = field(default=None, compare=False)


class StateMachine:
    """A state machine's rules, written once: pages offer `allowed_actions`, services call
    `check`, the API and templates read the same table."""

    def __init__(
        self,
        transitions: Iterable[Transition],
        *,
        field_name: str = "status",
        invalid: type[DomainError] = InvalidTransition,
    ):
        self.transitions: dict[str, Transition] = {t.action: t for t in transitions}
        # The rules each state allows, in the table's order: a list page asks for every row.
        self._from: dict[str, list[Transition]] = {}
        for rule in self.transitions.values():
            for state in rule.sources:
                self._from.setdefault(state, []).append(rule)
        self.field_name = field_name
        self.invalid = invalid  # the app's InvalidTransition (its own message)

    def __getitem__(self, action: str) -> Transition:
        return self.transitions[action]

    def state_allows(self, obj, action: str) -> bool:
        rule = self.transitions.get(action)
        return rule is not None and getattr(obj, self.field_name) in rule.sources

    def allowed_actions(self, obj, user) -> list[str]:
        """The actions `user` may take on `obj` now, in the table's order."""
        return [
            rule.action
            for rule in self._from.get(getattr(obj, self.field_name), ())
            if rule.allowed(user, obj) and (rule.guard is None or rule.guard(obj) is None)
        ]

    def check(self, obj, action: str, user=None) -> Transition:
        """The rule for `action`, or NotAllowed (the user; asked first, so a stranger learns
        nothing about the state), InvalidTransition (the state), the guard's error."""
        rule = self.transitions.get(action)
        if rule is None:
            raise self.invalid()
        if user is not None and not rule.allowed(user, obj):
            raise NotAllowed()
        if getattr(obj, self.field_name) not in rule.sources:
            raise self.invalid()
        if rule.guard is not None and (error := rule.guard(obj)) is not None:
            raise error
        return rule


def transition(
    obj: models.Model,
    *,
    expected: Iterable[str],
    to: str,
    guard: Mapping[str, Any] | None = None,
    field_name: str = "status",
    touch: str | None = "updated_at",
    invalid: type[DomainError] = InvalidTransition,
    concurrent: type[DomainError] = ConcurrentUpdate,
    **changes: Any,
) -> str:
    """Moves `obj` to state `to` if its row is still in the state the caller read (one of
    `expected`): one conditional UPDATE, so two people acting at once never both win. Returns
    the old state. `guard` adds conditions (the same assignee); `changes` are set in the same
    UPDATE (expressions allowed, re-read afterwards). Raises InvalidTransition when the state
    read does not allow it, ConcurrentUpdate when the row changed meanwhile (or the app's
    subclasses given as `invalid` and `concurrent`, with their own messages)."""
    current = getattr(obj, field_name)
    if current not in set(expected):
        raise invalid()
    values = {field_name: to, **changes}
    if touch:
        values.setdefault(touch, timezone.now())
    rows = type(obj)._default_manager.filter(pk=obj.pk, **{field_name: current}, **(guard or {}))
    if rows.update(**values) != 1:
        raise concurrent()
    computed = [name for name, value in values.items() if isinstance(value, BaseExpression)]
    for name, value in values.items():
        if name not in computed:
            setattr(obj, name, value)
    if computed:
        obj.refresh_from_db(fields=computed)
    return current


# --- Notifications ------------------------------------------------------------------------------


def involved(recipients: Iterable[User | None], *, by: User | None = None) -> list[User]:
    """The recipients once each, without None and without the actor."""
    seen: set[int] = set()
    users = []
    for user in recipients:
        if user is None or user.pk in seen or (by is not None and user.pk == by.pk):
            continue
        seen.add(user.pk)
        users.append(user)
    return users


def notify_involved(
    *,
    recipients: Iterable[User | None],
    by: User | None,
    kind: str,
    title: str | Promise,
    params: Mapping[str, Any] | None = None,
    body: str | Promise = "",
    url: str = "",
    department: Department | None = None,
) -> None:
    """Notifies everyone involved except the actor. `title` is a translatable pattern filled
    with `params` (%(name)s); notify() renders it in each recipient's language."""
    from logistics.notifications import notify  # models load after the apps: import at call

    users = involved(recipients, by=by)
    if not users:
        return
    notify(
        recipients=users,
        kind=kind,
        title=title,
        body=body,
        params=params or {},
        url=url,
        department=department,
    )


@dataclass(frozen=True)
class Notifier:
    """How one state machine words its notifications, written once: `kind` ("repairs.{action}"),
    the translatable `titles` by action, and what every title may name about the object
    (`params`), its page (`url`) and the unit whose group bots hear of it (`department`).
    Calling it notifies everyone involved but the actor (`notify_involved`)."""

    kind: str
    titles: Mapping[str, str | Promise]
    params: Callable[[Any], Mapping[str, Any]]
    url: Callable[[Any], str]
    department: Callable[[Any], Department | None] = lambda obj: None
    body_limit: int | None = None

    def __call__(
        self,
        obj: Any,
        *,
        action: str,
        recipients: Iterable[User | None],
        by: User | None = None,
        title_key: str | None = None,
        body: str | Promise = "",
        **params: Any,
    ) -> None:
        """Notifies the recipients but `by`, titled titles[title_key or action]."""
        actor = by.get_display_name() if by else ""
        notify_involved(
            recipients=recipients,
            by=by,
            kind=self.kind.format(action=action),
            title=self.titles[title_key or action],
            params={**self.params(obj), "actor": actor, **params},
            body=str(body)[: self.body_limit] if self.body_limit else body,
            url=self.url(obj),
            department=self.department(obj),
        )
