"""One view for every state machine's action POSTs (repairs, complaints, …): look the object up
within what the user may see (404 otherwise), ask the rule table whether the action is allowed
(403 when the user may not take it at all), validate the action's form, call the service, and
answer with a message and a redirect, or an htmx partial.

A form with photos that comes back with an input error is shown again instead (`form_page`):
a redirect cannot carry chosen files, so the page draws the form filled in, with each error
beside its field and the photos kept for the user (logistics.kept), like every page form.

An app subclasses ObjectActionView with its queryset, its rule table and its actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import Promise
from django.views import View

from logistics.forms import PhotosField, keep_photos_for
from logistics.workflow import DomainError, InvalidInput, StateMachine, show_error


@dataclass(frozen=True)
class Action:
    """One action as the pages offer it: its form, its service call and its message."""

    form: type[forms.Form]
    call: Callable[[Any, Any, dict], Any]  # (obj, user, cleaned_data) -> result
    done: str | Promise


def as_domain_error(error: ValidationError) -> InvalidInput:
    """A service's ValidationError as the workflow's InvalidInput (its messages as one line)."""
    fields = error.message_dict if hasattr(error, "error_dict") else {}
    text = " ".join(str(m) for m in error.messages)
    return InvalidInput(text, fields=fields)


def form_error(form: forms.Form) -> InvalidInput:
    text = " ".join(str(m) for errors in form.errors.values() for m in errors)
    return InvalidInput(text, fields=form.errors)


def holds_photos(form: forms.Form | None) -> bool:
    return form is not None and any(isinstance(f, PhotosField) for f in form.fields.values())


class ObjectActionView(LoginRequiredMixin, View):
    """POST <object>/<action>/: one row of `machine` on one object the user may see."""

    http_method_names: ClassVar[list[str]] = ["post"]
    machine: ClassVar[StateMachine]
    actions: ClassVar[dict[str, Action]]
    form_prefix: ClassVar[bool] = False  # the forms' prefix is the action's name

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        raise NotImplementedError

    def form_kwargs(self, request: HttpRequest, action: str) -> dict:
        kwargs: dict[str, Any] = {"data": request.POST, "files": request.FILES}
        if self.form_prefix:
            kwargs["prefix"] = action
        return kwargs

    def answer(self, request: HttpRequest, obj: Model, *, ok: bool, text: str) -> HttpResponse:
        """A redirect to the object (or to `gone_url` once out of sight); the message is already
        set. Apps with an htmx partial override this."""
        if self.get_queryset(request).filter(pk=obj.pk).exists():
            return redirect(self.success_url(request, obj))
        return redirect(self.gone_url(request, obj))

    def form_page(
        self, request: HttpRequest, obj: Model, *, action: str, form: forms.Form
    ) -> HttpResponse | None:
        """The page (or htmx partial) that shows `form` again with its errors and kept photos,
        status 400; None where the app has none (a message and a redirect then)."""
        return None

    def success_url(self, request: HttpRequest, obj: Model) -> str:
        return obj.get_absolute_url()

    def gone_url(self, request: HttpRequest, obj: Model) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        spec = self.actions[action]
        obj = get_object_or_404(self.get_queryset(request), pk=pk)
        rule = self.machine[action]
        if not rule.allowed(request.user, obj):
            raise PermissionDenied
        form = None
        try:
            self.machine.check(obj, action, request.user)
            form = spec.form(**self.form_kwargs(request, action))
            keep_photos_for(form, request.user)
            if not form.is_valid():
                raise form_error(form)
            try:
                spec.call(obj, request.user, form.cleaned_data)
            except ValidationError as error:
                raise as_domain_error(error) from None
        except InvalidInput as error:
            if holds_photos(form):
                if form.is_valid():  # the service refused it: its errors go on the form
                    show_error(request, error, form)
                page = self.form_page(request, obj, action=action, form=form)
                if page is not None:
                    return page
            return self._refused(request, obj, error)
        except DomainError as error:
            return self._refused(request, obj, error)
        if not request.htmx:
            messages.success(request, str(spec.done))
        return self.answer(request, obj, ok=True, text=str(spec.done))

    def _refused(self, request: HttpRequest, obj: Model, error: DomainError) -> HttpResponse:
        if not request.htmx:
            show_error(request, error)
        return self.answer(request, obj, ok=False, text=str(error.message))
