"""The form pieces every app shares: the photos field."""

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from logistics.forms import PhotosField, PortalForm, limit_photos
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
