"""Django's i18n tags, loaded by every template's ``{% load i18n %}`` (settings: TEMPLATES'
``libraries``), with ``{% translate "text" %}`` of a literal answered from what it gave before.

Django's `TranslateNode` looks the text up in the catalogue, localizes and escapes it on every
render: about 6 µs a tag, and a page holds dozens (the shared layout 14, the repair queue 31;
bench/bench_scale.py's machine). For a literal — no variable, no filter, no message context —
the output depends only on the language and on whether the context escapes, so it is worked out
once by Django's own node and kept per (language, escaping, text, noop). The table is emptied
when the settings the catalogues are read from change (tests override them).
"""

from __future__ import annotations

from django.template import Library
from django.templatetags import i18n as django_i18n
from django.utils.translation import get_language

from logistics.cache import settings_table

register = Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)

_DONE: dict[tuple, str] = settings_table(
    "LANGUAGE_CODE", "LANGUAGES", "LOCALE_PATHS", "USE_I18N", "INSTALLED_APPS"
)


class KeptTranslateNode(django_i18n.TranslateNode):
    """`TranslateNode` of a literal, its output kept per language and escaping."""

    def render(self, context):
        key = (get_language(), context.autoescape, self.noop, self.filter_expression.var.literal)
        value = _DONE.get(key)
        if value is None:
            value = _DONE[key] = super().render(context)
        return value


def _literal(node: django_i18n.TranslateNode) -> bool:
    expression = node.filter_expression
    return (
        not node.asvar
        and node.message_context is None
        and not expression.filters
        and isinstance(getattr(expression.var, "literal", None), str)
    )


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    node = django_i18n.do_translate(parser, token)
    if not _literal(node):
        return node
    return KeptTranslateNode(node.filter_expression, node.noop, node.asvar, node.message_context)
