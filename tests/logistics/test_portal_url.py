"""`{% url %}` is logistics.templatetags.portal_url (a template builtin): a literal name
without arguments kept per namespace, URLconf, script prefix, language and escaping. What it
writes is what Django's own tag writes."""

import pytest
from django.template import Context, Engine, engines
from django.template.context import RequestContext
from django.template.defaulttags import URLNode
from django.test import RequestFactory, override_settings
from django.urls import NoReverseMatch, resolve, set_script_prefix

from logistics.templatetags.portal_url import KeptURLNode

TEXT = (
    "<a href=\"{% url 'repairs:queue' %}\">"
    "<a href=\"{% url 'home' %}\">"
    "<a href=\"{% url 'repairs:detail' 7 %}\">"
    "<a href=\"{% url 'repairs:detail' pk=pk %}\">"
    "{% url 'repairs:queue' as queue %}<a href=\"{{ queue }}\">"
    '<a href="{% url name %}">'
)


def portal_and_django():
    portal = engines["django"].engine.from_string(TEXT)
    return portal, Engine().from_string(TEXT)


def test_only_a_literal_name_without_arguments_is_kept():
    portal, _django = portal_and_django()
    kinds = [type(node) for node in portal.nodelist if isinstance(node, URLNode)]
    assert kinds == [KeptURLNode, KeptURLNode, URLNode, URLNode, URLNode, URLNode]


@pytest.mark.parametrize("autoescape", [True, False])
def test_it_writes_what_django_s_tag_writes_under_each_prefix(autoescape):
    portal, django_own = portal_and_django()
    context = {"pk": 9, "name": "repairs:workbench"}
    try:
        for prefix in ("/", "/portal/", "/"):  # worked out, kept, and per prefix
            set_script_prefix(prefix)
            for _view in range(2):
                mine = portal.render(Context(context, autoescape=autoescape))
                assert mine == django_own.render(Context(context, autoescape=autoescape))
                assert f'<a href="{prefix}repairs/queue/">' in mine
    finally:
        set_script_prefix("/")


def test_it_writes_what_django_s_tag_writes_in_a_request_s_namespace():
    portal, django_own = portal_and_django()
    request = RequestFactory().get("/repairs/queue/")
    request.resolver_match = resolve("/repairs/queue/")
    for template in (portal, django_own, portal):
        assert template.render(RequestContext(request, {"pk": 3, "name": "home"})) == (
            django_own.render(RequestContext(request, {"pk": 3, "name": "home"}))
        )


def test_a_name_that_does_not_reverse_raises_as_before_and_is_not_kept():
    template = engines["django"].engine.from_string("{% url 'repairs:no-such-page' %}")
    for _view in range(2):
        with pytest.raises(NoReverseMatch):
            template.render(Context())


def test_a_changed_urlconf_is_read_afresh():
    template = engines["django"].engine.from_string("{% url 'home' %}")
    assert template.render(Context()) == "/"
    with override_settings(ROOT_URLCONF="tests.logistics.urls_moved"):
        assert template.render(Context()) == "/moved/"
    assert template.render(Context()) == "/"
