"""Form pieces every app's pages share."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.template.loader import render_to_string
from django.utils.functional import Promise, lazy
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.widgets import DateRangeWidget
from PIL import Image, UnidentifiedImageError

from logistics import kept
from logistics.uploads import MAX_UPLOAD_BYTES

IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: the JPEG variant some phone cameras write
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"


class PortalForm(forms.Form):
    """Labels without a trailing colon, like the rest of the portal. `owner` (the signed-in
    user) lets its photo fields keep the chosen photos when the form comes back with errors."""

    def __init__(self, *args, owner=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        keep_photos_for(self, owner)


class PortalModelForm(forms.ModelForm):
    """PortalForm's rules for a model form: labels without a colon, photos kept for `owner`."""

    def __init__(self, *args, owner=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        keep_photos_for(self, owner)


def unbound_state(forms_by_name: dict) -> tuple | None:
    """What new (unbound) forms draw, as a value for a cache key of their HTML: per form its
    class, ids and prefix, per field its kind, label, help text, requiredness, initial value,
    widget and attributes (a photo limit, a phone's camera) and choices. None when a form is
    bound (it shows what was sent and its errors) or a field's choices are still a query
    (reading them here would cost what the cache saves): draw those each time."""
    state = []
    for name, form in forms_by_name.items():
        if form.is_bound:
            return None
        fields = []
        for field_name, field in form.fields.items():
            choices = None
            if isinstance(field, forms.ModelChoiceField):
                choices = field.__dict__.get("_choices")  # set as a list, else a query
                if choices is None:
                    return None
            elif isinstance(field, forms.ChoiceField):
                choices = field.choices
            widget = field.widget
            fields.append(
                (
                    field_name,
                    type(field).__qualname__,
                    field.label,
                    field.help_text,
                    field.required,
                    field.disabled,
                    form.get_initial_for_field(field, field_name),
                    type(widget).__qualname__,
                    sorted(widget.attrs.items()),
                    choices,
                )
            )
        state.append((name, type(form).__qualname__, form.auto_id, form.prefix, fields))
    return _plain(state)


def _plain(value):
    """`value` with lazy texts as the texts they are now (their repr names an address)."""
    if isinstance(value, list | tuple):
        # a text is the commonest leaf (a choice's value and label): no call for it
        return tuple(item if type(item) is str else _plain(item) for item in value)
    if isinstance(value, Promise):
        return str(value)
    return value


def keep_photos_for(form, owner) -> None:
    """Lets the form's photo fields keep their photos for `owner` when it comes back with errors
    (PortalForm and PortalModelForm do it; ObjectActionView for any action form)."""
    for field in form.fields.values():
        if isinstance(field, PhotosField):
            field.owner = owner


# Browsers take and send the values of date and time inputs in ISO form only (2026-11-28,
# 2026-11-28T09:30, 09:30), whatever the page's language; a localized value ("2026/11/28" in
# Chinese) leaves the input empty. So these widgets never localize.
ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = "%Y-%m-%dT%H:%M"
ISO_TIME = "%H:%M"


class IsoDateInput(forms.DateInput):
    """<input type="date"> with an ISO value in every language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_DATE)


class IsoDateTimeInput(forms.DateTimeInput):
    """<input type="datetime-local"> with an ISO value (to the minute) in every language."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_DATETIME)


class IsoTimeInput(forms.TimeInput):
    """<input type="time"> with an ISO value (hours and minutes) in every language."""

    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_TIME)


class IsoMonthInput(forms.DateInput):
    """<input type="month"> with an ISO value (2026-11) in every language."""

    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


class IsoDateRangeWidget(DateRangeWidget):
    """django-filter's from–to date pair (`<name>_after`, `<name>_before`) as two ISO date
    inputs, each with its own accessible name (the field's label points at the first only)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.widgets = [
            IsoDateInput(attrs={"aria-label": gettext_lazy("From")}),
            IsoDateInput(attrs={"aria-label": gettext_lazy("To")}),
        ]


KEPT_SUFFIX = "_kept"  # the photo field's name + this: the tokens of its kept photos
MAX_TOKENS = 20  # more than any form takes: a crafted request cannot make us read hundreds


@dataclass(frozen=True)
class PhotoChoice:
    """What a photo field receives: newly chosen files and the tokens of photos kept from
    before (logistics.kept)."""

    files: list
    tokens: list


class MultipleImageInput(forms.FileInput):
    """A file input that takes several images at once (a phone's gallery picker)."""

    allow_multiple_selected = True


class PhotosInput(MultipleImageInput):
    """PhotosField's input, shown with the photos kept from before (each with a thumbnail and a
    remove button)."""

    def value_from_datadict(self, data, files, name) -> PhotoChoice:
        chosen = super().value_from_datadict(data, files, name)
        chosen = chosen if isinstance(chosen, list | tuple) else [chosen]
        getlist = getattr(data, "getlist", None)
        tokens = getlist(name + KEPT_SUFFIX) if getlist else data.get(name + KEPT_SUFFIX, [])
        tokens = [tokens] if isinstance(tokens, str) else tokens
        return PhotoChoice(
            files=[f for f in chosen if f], tokens=[t for t in tokens if t][:MAX_TOKENS]
        )

    def value_omitted_from_data(self, data, files, name) -> bool:
        return super().value_omitted_from_data(data, files, name) and (
            name + KEPT_SUFFIX not in data
        )

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        if not value:
            return html
        context = {"kept": value, "name": name + KEPT_SUFFIX}
        return mark_safe(render_to_string("includes/_kept_photos.html", context) + html)  # noqa: S308


class PhotosField(forms.FileField):
    """Photos chosen at once, each checked here by content and size so the form answers before
    the service re-encodes them (logistics.uploads). `max_files` (a number, or a callable that
    reads a setting) caps how many; without it the service counts them.

    When the form comes back with errors, the photos that passed the checks are kept for the
    form's `owner` (logistics.kept) and shown again; the corrected form sends their tokens and
    `clean` returns them with the newly chosen ones, as uploads."""

    widget = PhotosInput

    def __init__(self, *args, max_files: int | Callable[[], int] | None = None, **kwargs):
        self.max_files = max_files
        self.owner = None  # set by PortalForm
        self._passed = None  # the uploads that passed the checks, once checked
        self._kept = None  # what the form shows again, once rendered
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        # static/js/forms.js checks size and type before anything is uploaded.
        self.widget.attrs.update(
            {
                "accept": IMAGE_ACCEPT,
                "multiple": True,
                "data-max-bytes": MAX_UPLOAD_BYTES,
                "data-too-big": too_big_text(),
                "data-bad-type": bad_type_text(),
            }
        )

    @property
    def limit(self) -> int | None:
        return self.max_files() if callable(self.max_files) else self.max_files

    def _check(self, data: PhotoChoice) -> list:
        """Takes the kept photos and checks the new ones; returns the errors, and keeps the
        uploads that passed in `_passed`."""
        passed, errors = [], []
        for token in data.tokens:
            try:
                passed.append(kept.take(owner=self.owner, token=token))
            except forms.ValidationError as error:
                errors.extend(m for m in error.messages if m not in errors)
        for upload in data.files:
            try:
                check_image(upload)
            except forms.ValidationError as error:
                errors.extend(error.messages)
            else:
                passed.append(upload)
        self._passed = passed
        return errors

    def clean(self, data, initial=None) -> list:
        if not isinstance(data, PhotoChoice):
            files = list(data) if isinstance(data, list | tuple) else [data] if data else []
            data = PhotoChoice(files=[f for f in files if f], tokens=[])
        errors = self._check(data)
        if errors:
            raise forms.ValidationError(errors)
        files = self._passed
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if self.limit is not None and len(files) > self.limit:
            raise forms.ValidationError(too_many_photos(self.limit), code="too_many")
        return files

    def bound_data(self, data, initial) -> list:
        """The photos the form shows again (it came back): those that passed the checks, kept
        for the owner. Nothing is kept without an owner, or for a form not shown again."""
        if self._kept is None:
            self._kept = self._keep(data) if isinstance(data, PhotoChoice) else []
        return self._kept

    def _keep(self, data: PhotoChoice) -> list:
        if not (self.owner and self.owner.is_authenticated):
            return []
        if self._passed is None:  # shown without being cleaned
            self._check(data)
        photos = (kept.keep(owner=self.owner, upload=upload) for upload in self._passed)
        return [photo for photo in photos if photo]


def _too_big_text() -> str:
    # The browser fills in the file's name and size.
    return _(
        "“%(name)s” is %(size)s MB; a photo may be at most %(mb)d MB. Nothing was uploaded: "
        "choose a smaller photo."
    ) % {"name": "%(name)s", "size": "%(size)s", "mb": MAX_UPLOAD_BYTES // 2**20}


def _bad_type_text() -> str:
    return _("“%(name)s” is not a JPEG, PNG or WebP photo. Nothing was uploaded.") % {
        "name": "%(name)s"
    }


def _file_too_big_text() -> str:
    return _(
        "“%(name)s” is %(size)s MB; a file may be at most %(mb)d MB. Nothing was uploaded: "
        "choose a smaller file."
    ) % {"name": "%(name)s", "size": "%(size)s", "mb": MAX_UPLOAD_BYTES // 2**20}


def _document_bad_type_text() -> str:
    return _("“%(name)s” is not a PDF, JPEG, PNG or WebP file. Nothing was uploaded.") % {
        "name": "%(name)s"
    }


too_big_text = lazy(_too_big_text, str)
bad_type_text = lazy(_bad_type_text, str)
file_too_big_text = lazy(_file_too_big_text, str)
document_bad_type_text = lazy(_document_bad_type_text, str)
DOCUMENT_ACCEPT = "application/pdf," + IMAGE_ACCEPT


def check_documents_in_browser(widget) -> None:
    """PDFs and photos checked for size and type by static/js/forms.js before any upload (the
    server checks them again by content)."""
    widget.attrs.update(
        {
            "accept": DOCUMENT_ACCEPT,
            "data-max-bytes": MAX_UPLOAD_BYTES,
            "data-too-big": file_too_big_text(),
            "data-bad-type": document_bad_type_text(),
        }
    )


def too_many_photos(limit: int) -> str:
    return _("Choose at most %(count)d photos.") % {"count": limit}


def limit_photos(form) -> None:
    """Tells the browser the photo limit, so a phone says at once when too many are chosen."""
    for field in form.fields.values():
        if isinstance(field, PhotosField) and field.limit is not None:
            field.widget.attrs["data-max-files"] = field.limit
            field.widget.attrs["data-too-many"] = too_many_photos(field.limit)
            field.widget.attrs["multiple"] = field.limit > 1


def check_image(upload) -> None:
    """Refuses files that are too large or are not JPEG, PNG or WebP images by content."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(
            _("“%(name)s” is larger than %(mb)d MB.")
            % {"name": upload.name, "mb": MAX_UPLOAD_BYTES // 2**20},
            code="too_large",
        )
    try:
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        image_format = None
    finally:
        upload.seek(0)
    if image_format not in IMAGE_FORMATS:
        raise forms.ValidationError(
            _("“%(name)s” is not a JPEG, PNG or WebP photo.") % {"name": upload.name},
            code="not_an_image",
        )


class CommandCentreFilterForm(PortalForm):
    """The command centre's places (GET): a campus, a building or a department, from those the
    person may see (logistics.command_centre.Access). A building or department narrows the
    campus it is on; a building and a department are two scopes, not one."""

    campus = forms.TypedChoiceField(
        label=gettext_lazy("Campus"), required=False, coerce=int, empty_value=None
    )
    building = forms.TypedChoiceField(
        label=gettext_lazy("Building"), required=False, coerce=int, empty_value=None
    )
    department = forms.TypedChoiceField(
        label=gettext_lazy("Department"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, access, **kwargs):
        super().__init__(*args, **kwargs)
        self.access = access
        everyone = (("", _("All")),) if access.everything else (("", _("All my units")),)
        for name, places in (
            ("campus", access.campuses),
            ("building", access.buildings),
            ("department", access.departments),
        ):
            self.fields[name].choices = everyone + tuple((p.pk, str(p)) for p in places)
        if not access.campuses:
            del self.fields["campus"]  # a unit head's units are narrower than any campus

    def out_of_reach(self) -> bool:
        """A place id the person may not see (or that does not exist): answered as not found,
        whether or not the place is there."""
        for name in ("campus", "building", "department"):
            raw = (self.data.get(name) or "").strip()
            field = self.fields.get(name)
            allowed = {str(value) for value, _label in field.choices} if field else set()
            if raw.isdigit() and raw not in allowed:
                return True
        return False

    def clean(self):
        data = super().clean()
        campus, building, department = (data.get(k) for k in ("campus", "building", "department"))
        if building and department:
            raise forms.ValidationError(
                _("Choose a building or a department, not both: each has its own figures.")
            )
        for name, place_id, places in (
            ("building", building, self.access.buildings),
            ("department", department, self.access.departments),
        ):
            place = next((p for p in places if p.pk == place_id), None)
            if campus and place and place.campus_id != campus:
                self.add_error(name, _("This is not on the campus chosen."))
        return data

    def chosen(self):
        """The scope chosen (logistics.indicators.Scope), None for none; call after is_valid()."""
        from logistics.indicators import Scope, ScopeKind

        data = self.cleaned_data
        for name, kind in (
            ("building", ScopeKind.BUILDING),
            ("department", ScopeKind.DEPARTMENT),
            ("campus", ScopeKind.CAMPUS),
        ):
            if data.get(name):
                return Scope(kind, data[name])
        return None
