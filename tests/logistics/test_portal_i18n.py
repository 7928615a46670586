"""`{% load i18n %}` loads logistics.templatetags.portal_i18n: Django's tags, a literal's
`{% translate %}` kept per language and escaping. What it writes is what Django's own tag
writes, in every language, escaped or not."""

import pytest
from django.template import Context, Engine, engines
from django.templatetags.i18n import TranslateNode
from django.test import override_settings
from django.utils import translation

from logistics.templatetags.portal_i18n import KeptTranslateNode

TEXT = (
    "{% load i18n %}"
    '<p>{% translate "Repair queue" %}</p>'
    '<p>{% trans "Lost & found" %}</p>'
    '<p>{% translate "Lost & found" noop %}</p>'
    "<p>{% translate name %}</p>"
    '<p>{% translate "Repair queue" as title %}{{ title }}</p>'
    '<p>{% translate "May" context "month name" %}</p>'
    '<p>{% translate "Repair queue"|upper %}</p>'
    "<p>{% blocktranslate %}Lost & found{% endblocktranslate %}</p>"
)


def rendered(template, language, autoescape=True, **context):
    with translation.override(language):
        return template.render(Context({"name": "Repair queue", **context}, autoescape=autoescape))


@pytest.mark.parametrize("autoescape", [True, False])
def test_it_writes_what_django_s_tag_writes_in_every_language(autoescape):
    portal = engines["django"].engine.from_string(TEXT)
    django_own = Engine(libraries={"i18n": "django.templatetags.i18n"}).from_string(TEXT)
    assert any(isinstance(node, KeptTranslateNode) for node in portal.nodelist)
    for _round in range(2):  # worked out, then kept
        for language in ("zh-hans", "en", None):
            assert rendered(portal, language, autoescape) == rendered(
                django_own, language, autoescape
            )
    chinese = rendered(portal, "zh-hans", autoescape)
    assert "报修待办队列" in chinese
    assert "失物招领" in chinese
    # a template's literal is trusted text, as in Django: not escaped
    assert "<p>Lost & found</p>" in rendered(portal, "en", autoescape)


def test_only_a_plain_literal_is_kept():
    template = engines["django"].engine.from_string(TEXT)
    kept = [
        type(node) is KeptTranslateNode
        for node in template.nodelist
        if isinstance(node, TranslateNode)
    ]
    # the literals of "translate" and "trans" and the noop one; not a variable, "as", a
    # context or a filter
    assert kept == [True, True, True, False, False, False, False]


def test_a_changed_catalogue_setting_is_read_afresh(settings):
    template = engines["django"].engine.from_string('{% load i18n %}{% translate "Repair queue" %}')
    assert rendered(template, "zh-hans") == "报修待办队列"
    with override_settings(LOCALE_PATHS=[]):
        # without the portal's catalogue, Django's own does not know the text
        assert rendered(template, "zh-hans") == "Repair queue"
    assert rendered(template, "zh-hans") == "报修待办队列"


def test_the_check_of_one_module_a_label_leaves_out_only_that_chosen_override():
    from django.core.checks.messages import Warning as CheckWarning

    from logistics.template_backend import PortalTemplates

    backend = engines["django"]
    assert isinstance(backend, PortalTemplates)
    assert backend.check() == []  # the chosen "i18n" is not reported
    twice = PortalTemplates(
        {
            "NAME": "twice",
            "DIRS": [],
            "APP_DIRS": False,
            "OPTIONS": {
                "libraries": {
                    "i18n": "logistics.templatetags.portal_i18n",
                    "portal_layout": "logistics.templatetags.portal_text",
                }
            },
        }
    )
    found = twice.check()
    assert [warning.id for warning in found] == ["templates.W003"]
    assert isinstance(found[0], CheckWarning)
    assert "'portal_layout' is used for multiple template tag modules" in found[0].msg
