"""Every page form that can come back with errors opens with the GOV.UK error summary
({% form_error_summary %}, #12 item 6): each error linked to its field, the focus moved there.
Forms answered by a redirect and a message (action buttons, htmx cards) are listed with why."""

import re
from pathlib import Path

import pytest
from django import forms
from django.template import Context, Template

from logistics.templatetags.portal_forms import summary_errors

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

# POST forms that never come back with their errors on the page, and why.
ANSWERED_ELSEWHERE = {
    "lostfound/found_detail.html": "action forms: a redirect with a message (ObjectActionView)",
    "parcels/detail.html": "the move form: a redirect with a message",
    "parcels/scan.html": "the scan answers in its htmx result card (_scan_result.html)",
    "repairs/includes/_actions.html": "the one-tap and reason forms: a redirect with a message "
    "(comment and complete, which carry photos, come back with their summary)",
    "reviews/complaints/includes/_actions.html": "action forms: a redirect with a message",
}


def form_templates() -> list[str]:
    names = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        shows_fields = "_field.html" in text or re.search(r"\{\{ ?\w*form\.\w+", text)
        if 'method="post"' in text and shows_fields:
            names.append(str(path.relative_to(TEMPLATES)))
    return names


def test_it_finds_the_page_forms():
    assert {"repairs/request_form.html", "lostfound/found_form.html"} <= set(form_templates())


@pytest.mark.parametrize("name", form_templates())
def test_every_page_form_opens_with_the_error_summary(name):
    text = (TEMPLATES / name).read_text()
    assert "form_error_summary" in text or name in ANSWERED_ELSEWHERE, (
        f"{name}: add {{% form_error_summary form %}} above the form, or say in "
        "ANSWERED_ELSEWHERE why its errors never come back on the page"
    )


class RowForm(forms.Form):
    price = forms.DecimalField(label="Price")


def test_it_sums_up_a_formset_row_by_row_with_links():
    RowFormSet = forms.formset_factory(RowForm, extra=0)
    data = {
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-0-price": "3",
        "items-1-price": "x",
    }
    formset = RowFormSet(data, prefix="items")
    errors = summary_errors(formset)
    assert [(e["target"], e["label"]) for e in errors] == [("id_items-1-price", "Price")]
    html = Template("{% load portal_forms %}{% form_error_summary formset %}").render(
        Context({"formset": formset})
    )
    assert 'href="#id_items-1-price"' in html and "data-error-summary" in html
    assert summary_errors(RowFormSet(prefix="items")) == []  # unbound: nothing to sum up
