"""Django's template backend, whose ``{% load i18n %}`` is logistics.templatetags.portal_i18n.

The portal's settings give the label "i18n" that module (TEMPLATES' ``libraries``, Django's way
of giving an existing label another module). Django's check that a label stands for one module
(templates.W003) would warn of that chosen override on every ``manage.py check``; this backend
leaves out exactly that warning, word for word, and reports any other label used twice."""

from __future__ import annotations

from django.template.backends.django import DjangoTemplates

OVERRIDES = {"i18n": ("django.templatetags.i18n", "logistics.templatetags.portal_i18n")}


class PortalTemplates(DjangoTemplates):
    def _check_for_template_tags_with_the_same_name(self):
        chosen = {
            f"{label!r} is used for multiple template tag modules: "
            + ", ".join(repr(module) for module in sorted(modules))
            for label, modules in OVERRIDES.items()
            if self.engine.libraries.get(label) == modules[1]
        }
        return [
            warning
            for warning in super()._check_for_template_tags_with_the_same_name()
            if warning.msg not in chosen
        ]
