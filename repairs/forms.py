"""Input of the repairs pages: filing a request (with the category's questions) and each action."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics.forms import IsoDateTimeInput, PhotosField, PortalForm, limit_photos
from logistics.models import Building, Room, User
from logistics.models.users import phone_validator
from logistics.roles import Role
from repairs.choices import technician_choices
from repairs.models import Category, CategoryQuestion, RepairRequest
from repairs.workflow import OPEN_STATUSES

QUESTION_PREFIX = "q_"

# Visit windows a requester ticks; stored as their labels in the requester's language.
VISIT_WINDOWS = (
    ("weekday-morning", gettext_lazy("Weekday mornings")),
    ("weekday-afternoon", gettext_lazy("Weekday afternoons")),
    ("weekday-evening", gettext_lazy("Weekday evenings")),
    ("weekend", gettext_lazy("Weekends")),
)


def max_photos() -> int:
    return settings.REPAIRS_MAX_PHOTOS


def leaf_categories():
    """Categories a request can be filed under: active ones without active subcategories."""
    return (
        Category.objects.filter(is_active=True)
        .annotate(active_children=Count("children", filter=Q(children__is_active=True)))
        .filter(active_children=0)
        .select_related("parent")
        .order_by("parent__sort_order", "parent__code", "sort_order", "code")
    )


def category_groups(categories) -> list[tuple]:
    """[(top-level category or None, [leaves…])] in order, for the two-level picker."""
    groups: dict = {}
    for category in categories:
        groups.setdefault(category.parent, []).append(category)
    return list(groups.items())


def assigned_count(*conditions: Q, **filters) -> Coalesce:
    """How many requests with these filters each user (OuterRef "pk") is assigned: a
    correlated subquery on the (assignee, status) index, so closed history is never scanned."""
    counts = (
        RepairRequest.objects.filter(*conditions, assignee=OuterRef("pk"), **filters)
        .order_by()
        .values("assignee")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts), 0)


def technicians():
    """Active technicians with their number of open jobs (one query)."""
    return (
        User.objects.filter(groups__name=Role.TECHNICIAN, is_active=True)
        .annotate(open_jobs=assigned_count(status__in=OPEN_STATUSES))
        .order_by("display_name", "username")
    )


def technician_label(user) -> str:
    """A technician as the dropdowns show them: with their open jobs where counted."""
    if getattr(user, "open_jobs", None) is None:
        return user.get_display_name()
    label = _("%(name)s (%(count)d open)")
    return label % {"name": user.get_display_name(), "count": user.open_jobs}


class TechnicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return technician_label(obj)


# --- Filing -----------------------------------------------------------------------------------


def question_field(question: CategoryQuestion) -> forms.Field:
    """A form field for one of the category's extra questions, by its kind."""
    kind = CategoryQuestion.Kind
    common = {"label": question.localized_label, "required": question.required}
    choices = [(c.get("key", ""), c.get("name", c.get("key", ""))) for c in question.choices or []]
    if question.kind == kind.NUMBER:
        return forms.DecimalField(max_digits=12, decimal_places=4, **common)
    if question.kind == kind.DATETIME:
        return forms.DateTimeField(widget=IsoDateTimeInput, **common)
    if question.kind == kind.TEXT:
        return forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if question.kind == kind.SINGLE:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if question.kind == kind.MULTI:
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    return forms.CharField(max_length=200, **common)


def answer_value(value):
    """An answer as JSON: numbers stay numbers, date-times become ISO text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class RepairRequestForm(PortalForm):
    """Report a fault: what, where, how urgent, when to come, photos, the category's questions."""

    category = forms.ModelChoiceField(
        label=gettext_lazy("What is broken?"),
        queryset=Category.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": gettext_lazy("Choose what is broken.")},
    )
    building = forms.ModelChoiceField(
        label=gettext_lazy("Building"),
        queryset=Building.objects.select_related("campus"),
        required=False,
        empty_label=gettext_lazy("Choose a building"),
    )
    room_number = forms.CharField(
        label=gettext_lazy("Room"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    place_text = forms.CharField(
        label=gettext_lazy("Or describe the place"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("For corridors, stairs, washrooms and outdoor places."),
    )
    description = forms.CharField(
        label=gettext_lazy("What is wrong?"),
        min_length=5,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("Tell us briefly what is wrong.")},
    )
    photos = PhotosField(
        max_files=max_photos,
        label=gettext_lazy("Photos"),
        help_text=gettext_lazy("Up to 6 photos (JPEG, PNG or WebP, at most 10 MB each)."),
    )
    urgency = forms.ChoiceField(
        label=gettext_lazy("How urgent is it?"),
        choices=RepairRequest.Urgency.choices,
        initial=RepairRequest.Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    visit_windows = forms.MultipleChoiceField(
        label=gettext_lazy("When may we come?"),
        choices=VISIT_WINDOWS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    visit_note = forms.CharField(
        label=gettext_lazy("Other times"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("For example: Tuesday after 16:00."),
    )
    consent_to_enter = forms.BooleanField(
        label=gettext_lazy("You may enter while I am away"), required=False
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Contact phone"),
        max_length=32,
        required=False,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = leaf_categories()
        self.room = None
        # No `capture`: a student may pick an earlier photo from the gallery as well as take one.
        limit_photos(self)
        self.questions = list(self._questions())
        for question in self.questions:
            self.fields[QUESTION_PREFIX + question.code] = question_field(question)

    def selected_category_id(self) -> int | None:
        raw = self.data.get("category") if self.is_bound else self.initial.get("category")
        raw = getattr(raw, "pk", raw)
        try:
            return int(raw)
        except (TypeError, ValueError):
            return None

    def _questions(self):
        category_id = self.selected_category_id()
        if category_id is None:
            return CategoryQuestion.objects.none()
        return CategoryQuestion.objects.filter(category_id=category_id, category__is_active=True)

    def question_fields(self) -> list:
        return [self[QUESTION_PREFIX + q.code] for q in self.questions]

    def clean(self):
        data = super().clean()
        building, number = data.get("building"), data.get("room_number", "").strip()
        if number and not building:
            self.add_error(
                "building", _("Choose the building of room %(room)s.") % {"room": number}
            )
        elif number:
            self.room = Room.objects.filter(building=building, number__iexact=number).first()
            if self.room is None:
                self.add_error(
                    "room_number",
                    _(
                        "There is no room %(room)s in %(building)s. Check the number, "
                        "or describe the place below."
                    )
                    % {"room": number, "building": building},
                )
        if (
            not building
            and not data.get("place_text", "").strip()
            and "building" not in self.errors
        ):
            self.add_error(
                "place_text",
                _("Tell us where: choose a building and room, or describe the place."),
            )
        return data

    def preferred_windows(self) -> str:
        labels = dict(VISIT_WINDOWS)
        parts = [str(labels[key]) for key in self.cleaned_data.get("visit_windows", [])]
        if note := self.cleaned_data.get("visit_note", "").strip():
            parts.append(note)
        return "; ".join(parts)[:200]

    def answers(self) -> dict:
        answers = {}
        for question in self.questions:
            value = self.cleaned_data.get(QUESTION_PREFIX + question.code)
            if value not in (None, "", []):
                answers[question.code] = answer_value(value)
        return answers

    def service_kwargs(self) -> dict:
        """The keyword arguments of services.repair_request_create (without the requester)."""
        data = self.cleaned_data
        return {
            "category": data["category"],
            "description": data["description"].strip(),
            "building": data.get("building"),
            "room": self.room,
            "place_text": data.get("place_text", "").strip(),
            "urgency": data["urgency"],
            "preferred_windows": self.preferred_windows(),
            "consent_to_enter": data.get("consent_to_enter", False),
            "contact_phone": data.get("contact_phone", "").strip(),
            "answers": self.answers(),
            "photos": data.get("photos", []),
        }


# --- Actions ----------------------------------------------------------------------------------


def _reason(label):
    # Not required here: the service checks first who may act (403), then asks for the reason.
    return forms.CharField(
        label=label,
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _note(label=None):
    return forms.CharField(
        label=label or gettext_lazy("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NoteForm(PortalForm):
    """accept, start, resume: an optional note."""

    note = _note()


class ReasonForm(PortalForm):
    """reject, hold, hand back, reopen: the service requires the reason (the browser asks too)."""

    reason = _reason(gettext_lazy("Reason"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget.attrs["required"] = True


class CancelForm(PortalForm):
    reason = _reason(gettext_lazy("Reason (optional)"))


class CommentForm(PortalForm):
    """A note, photos or both (the service refuses neither)."""

    note = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = PhotosField(label=gettext_lazy("Photos"), max_files=max_photos)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_photos(self)


RATING_CHOICES = [(n, str(n)) for n in range(5, 0, -1)]


def _score(label) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=RATING_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )


class RatingForm(PortalForm):
    """confirm (rating optional) and rate (rating required)."""

    rating = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you?"),
        choices=RATING_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The reviews system's dimensions of a repair (repairs.reviews), each optional.
    speed = _score(gettext_lazy("Response speed"))
    quality = _score(gettext_lazy("Repair quality"))
    attitude = _score(gettext_lazy("Service attitude"))
    anonymous = forms.BooleanField(
        label=gettext_lazy("Anonymous to staff"),
        help_text=gettext_lazy(
            "Staff do not see your name; administrators can for abuse handling."
        ),
        required=False,
    )


class RateForm(RatingForm):
    """rate: the service requires the rating."""


class CompleteForm(PortalForm):
    note = _note(gettext_lazy("What was done"))
    labour_minutes = forms.IntegerField(
        label=gettext_lazy("Labour (minutes)"),
        min_value=0,
        max_value=10000,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    materials = forms.CharField(
        label=gettext_lazy("Materials used"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = PhotosField(label=gettext_lazy("Photo of the finished work"), max_files=max_photos)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # On a phone the camera opens directly: the photo is taken on the spot.
        self.fields["photos"].widget.attrs["capture"] = "environment"
        limit_photos(self)


class AssignForm(PortalForm):
    # Not required here: the service checks who may assign (403) before the technician.
    technician = TechnicianChoiceField(
        label=gettext_lazy("Technician"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("Choose a technician"),
        widget=forms.Select(attrs={"required": True}),
    )
    note = _note()

    def __init__(self, *args, technician_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["technician"]
        if not self.is_bound and technician_queryset is None:
            # A new form shows the queue's cached dropdown (the same technicians and labels),
            # which a request's kept page is versioned by (request_page.page_version), and is
            # never validated: it is not given the query either (building it, with its
            # subquery of open jobs, was a fifth of a drawn request page). A bound one reads
            # the technicians afresh, and validation always does (the queryset).
            field.choices = [("", field.empty_label), *technician_choices()]
            return
        field.queryset = technician_queryset if technician_queryset is not None else technicians()


class IdListField(forms.Field):
    """Request ids from ticked checkboxes (name repeated), at most MAX_BULK of them."""

    widget = forms.MultipleHiddenInput
    MAX_BULK = 500

    def to_python(self, value) -> list[int]:
        values = [v for v in (value or []) if str(v).strip()]
        if len(values) > self.MAX_BULK:
            raise forms.ValidationError(
                _("Assign at most %(count)d requests at once.") % {"count": self.MAX_BULK}
            )
        try:
            ids = [int(v) for v in values]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("The ticked requests were not understood.")) from None
        if any(not 0 < i < 2**31 for i in ids):
            raise forms.ValidationError(_("The ticked requests were not understood."))
        return list(dict.fromkeys(ids))


class BulkAssignForm(AssignForm):
    requests = IdListField(
        error_messages={"required": gettext_lazy("Tick the requests to assign first.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["note"]
        technician = self.fields["technician"]
        technician.required = True
        technician.error_messages["required"] = _("Choose a technician.")
