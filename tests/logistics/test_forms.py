"""The form pieces every app shares: the photos field, the state of new forms."""

import pytest
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy

from logistics.forms import PhotosField, PortalForm, limit_photos, unbound_state
from tests.repairs.factories import image_upload


class Form(PortalForm):
    photos = PhotosField(max_files=lambda: 2)
    any_number = PhotosField()


def bound(**files) -> Form:
    return Form(data={}, files=MultiValueDict(files))


def test_it_takes_several_photos_and_none():
    form = bound(photos=[image_upload("a.jpg"), image_upload("b.png", fmt="PNG")])
    assert form.is_valid(), form.errors
    assert [f.name for f in form.cleaned_data["photos"]] == ["a.jpg", "b.png"]
    assert form.cleaned_data["any_number"] == []


def test_it_refuses_too_many_and_files_that_are_not_images():
    form = bound(
        photos=[image_upload("a.jpg"), image_upload("b.jpg"), image_upload("c.jpg")],
        any_number=[SimpleUploadedFile("notes.jpg", b"not an image", "image/jpeg")],
    )
    assert not form.is_valid()
    assert form.errors["photos"] == ["Choose at most 2 photos."]
    assert form.errors["any_number"] == ["“notes.jpg” is not a JPEG, PNG or WebP photo."]


def test_it_tells_the_browser_the_limit():
    form = Form()
    limit_photos(form)
    attrs = form.fields["photos"].widget.attrs
    assert attrs["data-max-files"] == 2 and attrs["multiple"] and "image/jpeg" in attrs["accept"]
    assert "data-max-files" not in form.fields["any_number"].widget.attrs
    assert isinstance(form.fields["photos"], forms.FileField)


class Report(PortalForm):
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    title = forms.CharField(label="Title")
    event = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("Something is off as a whole.")


def test_it_sums_up_every_error_with_a_link_to_its_field():
    from django.template import Context, Template

    form = Report(data={"event": "x"})
    html = Template("{% load portal_forms %}{% form_error_summary form %}").render(
        Context({"form": form})
    )

    assert 'role="alert"' in html and "data-error-summary" in html
    assert 'href="#id_kind_0"' in html  # the first of a group of options
    assert 'href="#id_title"' in html and "Title: This field is required." in html
    assert "Something is off as a whole." in html
    assert "Enter a whole number." in html  # a hidden field's error, without a link
    assert 'href="#id_event"' not in html


def test_it_writes_no_summary_for_a_good_or_unbound_form():
    from django.template import Context, Template

    template = Template("{% load portal_forms %}{% form_error_summary form %}")
    assert template.render(Context({"form": PortalForm()})).strip() == ""


def test_it_tells_the_browser_the_size_and_type_limits_of_photos():
    html = str(Form()["photos"])
    assert 'data-max-bytes="10485760"' in html
    assert "data-too-big=" in html and "%(size)s MB" in html
    assert "data-bad-type=" in html


# --- unbound_state: a cache key for new forms' HTML --------------------------------------------


class Choosing(PortalForm):
    size = forms.ChoiceField(label=gettext_lazy("Size"), choices=[("s", gettext_lazy("Small"))])
    note = forms.CharField(label=gettext_lazy("Note"), required=False)
    photos = PhotosField(max_files=lambda: settings.REPAIRS_MAX_PHOTOS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_photos(self)


def test_two_new_forms_have_the_same_state_and_a_language_changes_it():
    with translation.override("en"):
        english = unbound_state({"choose": Choosing()})
        assert english == unbound_state({"choose": Choosing()})  # lazy texts as texts
    with translation.override("zh-hans"):
        assert unbound_state({"choose": Choosing()}) != english


def test_it_changes_with_what_a_form_draws(settings):
    """Everything a new form draws is in its state: a photo limit from the settings, a field
    made required, other choices, another prefix."""
    settings.REPAIRS_MAX_PHOTOS = 3
    before = unbound_state({"choose": Choosing()})
    settings.REPAIRS_MAX_PHOTOS = 1
    assert unbound_state({"choose": Choosing()}) != before
    settings.REPAIRS_MAX_PHOTOS = 3
    required = Choosing()
    required.fields["note"].required = True
    assert unbound_state({"choose": required}) != before
    other = Choosing()
    other.fields["size"].choices = [("m", "Medium")]
    assert unbound_state({"choose": other}) != before
    assert unbound_state({"choose": Choosing(prefix="x")}) != before
    assert unbound_state({"choose": Choosing()}) == before


@pytest.mark.django_db
def test_it_has_no_state_for_a_bound_form_or_choices_still_a_query():
    """Those are drawn each time: a bound form shows what was sent and its errors, and a
    query's choices would be read to make the key."""
    from logistics.models import User

    assert unbound_state({"choose": Choosing(data={"size": "s"})}) is None

    class Person(PortalForm):
        who = forms.ModelChoiceField(queryset=User.objects.all())

    assert unbound_state({"who": Person()}) is None
    listed = Person()
    listed.fields["who"].choices = [("", "---"), ("1", "Someone")]
    assert unbound_state({"who": listed}) is not None
