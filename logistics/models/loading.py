"""Rows read into model instances without `Model.__init__` (`QuickLoad`).

A list page builds hundreds of instances (a 50-row API page of repairs: about 260 — the
requests, their requesters, categories, buildings and rooms), and Django's `from_db` builds
each through `Model.__init__`: the pre- and post-init signals and a `setattr` through the
field's descriptor for every column, about 25 µs an instance. For a row just read, all that
does is fill the instance's `__dict__`, so `QuickLoad.from_db` fills it directly.

It is only taken where it gives what `Model.__init__` would: the model keeps Django's
`__init__`, no pre- or post-init receiver listens for it (asked on every call: an `ImageField`
with dimension fields, or a receiver connected later, gets Django's way), and every column's
class attribute is one of Django's descriptors whose `__set__` on a new instance only stores the
value (`_plain_attnames`). Otherwise it falls back to `Model.from_db`. A test reads every
model that uses it both ways and compares the instances.
"""

from __future__ import annotations

from functools import cache

from django.db.models import DEFERRED, Model
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor, ImageFileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

# Descriptors whose __set__ (if any) only writes instance.__dict__[attname] on a new instance.
_PLAIN = (DeferredAttribute, ForeignKeyDeferredAttribute, FileDescriptor, ImageFileDescriptor)


class ChoiceLabels:
    """Mixin for a model: `get_<field>_display()` from a table per field, built once.

    Django's builds a dict of the field's choices on every call, and checks that each label is
    hashable by hashing it: a lazy label is translated to be hashed, so a field of 11 states
    translated all 11 for one label (about 30 µs; a request's page asks four times). Here the
    table maps each choice's value to its label, lazy as it is, so only the label shown is
    translated, in the language of the call. Choices given by a callable may change between
    calls and take Django's way."""

    def _get_FIELD_display(self, field):
        labels = _choice_labels(field)
        if labels is None:
            return super()._get_FIELD_display(field)
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


@cache
def _choice_labels(field) -> dict | None:
    if isinstance(field.choices, CallableChoiceIterator):
        return None
    return {make_hashable(value): label for value, label in field.flatchoices}


class QuickLoad(ChoiceLabels):
    """Mixin for a model: instances read from the database are built by filling `__dict__`
    (and their choices' labels read from a table, `ChoiceLabels`)."""

    @classmethod
    def from_db(cls, db, field_names, values):
        attnames = _plain_attnames(cls)
        if attnames is None or pre_init.has_listeners(cls) or post_init.has_listeners(cls):
            return super().from_db(db, field_names, values)
        new = cls.__new__(cls)
        state = new._state = ModelState()
        state.adding = False
        state.db = db
        # As Model.from_db: a full row is in the model's field order, a partial one is named.
        names = attnames if len(values) == len(attnames) else field_names
        if DEFERRED in values:
            pairs = zip(names, values, strict=True)
            new.__dict__.update((name, value) for name, value in pairs if value is not DEFERRED)
        else:
            new.__dict__.update(zip(names, values, strict=True))
        return new


@cache
def _plain_attnames(cls) -> tuple[str, ...] | None:
    """The columns' attribute names of `cls`, in field order, when it keeps Django's `__init__`
    and each column's descriptor is a plain one; otherwise None."""
    if cls.__init__ is not Model.__init__ or cls._meta.abstract:
        return None
    fields = cls._meta.concrete_fields
    if any(type(getattr(cls, field.attname, None)) not in _PLAIN for field in fields):
        return None
    return tuple(field.attname for field in fields)
