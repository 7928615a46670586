"""Form helpers for every page: the GOV.UK-style error summary and the submission token."""

import uuid

from django import forms, template
from django.utils.html import format_html

register = template.Library()

MULTIPLE_CHOICE_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


def _target(field) -> str:
    """The id the summary links to: the field's input, or the first of a group of options."""
    widget = field.field.widget
    if isinstance(widget, MULTIPLE_CHOICE_WIDGETS):
        return f"{field.auto_id}_0"
    return field.id_for_label or field.auto_id


def _unlinked(message) -> dict:
    return {"target": "", "name": "", "label": "", "message": message}


def summary_errors(*forms_) -> list[dict]:
    """(link target, label, message) for every error of `forms_` (forms or formsets), in the
    fields' order; errors of the form as a whole and of hidden fields have no link."""
    errors = []
    for form in forms_:
        if isinstance(form, forms.BaseFormSet):
            if form.is_bound:
                errors += [_unlinked(message) for message in form.non_form_errors()]
                errors += summary_errors(*form.forms)
            continue
        if form is None or not form.errors:
            continue
        errors += [_unlinked(message) for message in form.non_field_errors()]
        for field in form:
            for message in field.errors:
                linked = not field.is_hidden
                errors.append(
                    {
                        "target": _target(field) if linked else "",
                        "name": field.html_name,
                        "label": field.label if linked else "",
                        "message": message,
                    }
                )
    return errors


@register.inclusion_tag("includes/_error_summary.html")
def form_error_summary(*forms_):
    """The error summary at the top of a form: each error with a link to its field; forms.js
    moves the focus to it when the page loads."""
    return {"errors": summary_errors(*forms_)}


@register.simple_tag(takes_context=True)
def submission_token(context) -> str:
    """A hidden input naming this submission, so that a second POST of the same form is known
    (logistics.idempotency); a form shown again after an error keeps its token."""
    request = context.get("request")
    token = request.POST.get("submission_token", "") if request is not None else ""
    try:
        token = str(uuid.UUID(token))
    except ValueError:
        token = str(uuid.uuid4())
    return format_html('<input type="hidden" name="submission_token" value="{}">', token)
