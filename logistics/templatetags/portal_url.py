"""``{% url %}`` with a literal name and no arguments answered from what it gave before: a
template builtin (TEMPLATES' ``builtins``), so it stands in for Django's tag in every template.

Django's `URLNode` reverses the name on every render: about 19 µs a tag (bench/bench_scale.py's
machine), and the portal's templates hold 126 such tags of their 266 (``{% url 'repairs:queue'
%}``). Without arguments the address depends only on the name, the current application (its
namespace), the URLconf and script prefix of the thread, the language (i18n_patterns) and
whether the context escapes, so Django's own node works it out once for each of those and it is
kept. A name that does not reverse raises as before, and is not kept. The table is emptied when
the settings that make the addresses change (tests override ROOT_URLCONF).
"""

from __future__ import annotations

from django.template import Library, defaulttags
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

from logistics.cache import settings_table

register = Library()

_DONE: dict[tuple, str] = settings_table(
    "ROOT_URLCONF", "FORCE_SCRIPT_NAME", "LANGUAGE_CODE", "LANGUAGES", "INSTALLED_APPS"
)


class KeptURLNode(defaulttags.URLNode):
    """`URLNode` of a literal name without arguments, its address kept."""

    def render(self, context):
        try:  # as URLNode asks it
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        key = (
            self.view_name.var,
            current_app,
            get_urlconf(),
            get_script_prefix(),
            get_language(),
            context.autoescape,
        )
        url = _DONE.get(key)
        if url is None:
            url = _DONE[key] = super().render(context)
        return url


@register.tag("url")
def url(parser, token):
    node = defaulttags.url(parser, token)
    name = node.view_name
    if node.args or node.kwargs or node.asvar or name.filters:
        return node
    if not isinstance(name.var, str):  # a quoted name is compiled to its text
        return node
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)
