"""Input of the complaint pages. Required text is left to the services, which first check who
may act (so a stranger's empty form is refused, not answered with field errors)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from logistics.forms import PortalForm
from logistics.models import Department
from reviews.models import Complaint, Subject

SERVICE_UNITS = Department.objects.exclude(kind=Department.Kind.ACADEMIC).order_by("code")
SATISFACTION = [(n, str(n)) for n in range(1, 6)]


def _service_label(app: str) -> str:
    kinds = dict(Department.Kind.choices)
    return str(kinds.get(app, app))


class ComplaintForm(PortalForm):
    kind = forms.ChoiceField(
        label=_("This is a"),
        choices=Complaint.Kind.choices,
        initial=Complaint.Kind.COMPLAINT,
        widget=forms.RadioSelect,
    )
    department = forms.ModelChoiceField(
        label=_("Service unit"),
        queryset=SERVICE_UNITS,
        required=False,
        empty_label=_("Not sure: the logistics office passes it on"),
        help_text=_(
            "Who should handle it. Leave it empty if you are not sure: it then goes to the unit "
            "of the linked service, or to the logistics office, which passes it on."
        ),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Subject.objects.filter(kind=Subject.Kind.CATEGORY, is_active=True),
        required=False,
        empty_label=_("None of these / not sure"),
    )
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    body = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    public_ok = forms.BooleanField(
        label=_("It may be shown without my name on the public board once resolved"),
        required=False,
    )
    event = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    subject = forms.CharField(required=False, widget=forms.HiddenInput, max_length=80)

    def __init__(self, *args, service: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_categories(service)

    def _limit_categories(self, service: str) -> None:
        """Only the categories of the linked service; without one, grouped by service (the
        categories of every app share one table, told apart by their ref's "app:" prefix)."""
        field = self.fields["category"]
        queryset = field.queryset.order_by("ref")
        if service:
            queryset = queryset.filter(ref__startswith=f"{service}:")
        field.queryset = queryset
        groups: dict[str, list] = {}
        for category in queryset:
            groups.setdefault(category.ref.partition(":")[0], []).append(
                (category.pk, str(category))
            )
        if len(groups) <= 1:
            field.choices = [("", field.empty_label), *next(iter(groups.values()), [])]
            return
        field.choices = [("", field.empty_label)] + [
            (_service_label(app), options) for app, options in groups.items()
        ]


class NoteForm(PortalForm):
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReplyForm(PortalForm):
    body = forms.CharField(
        label=_("Reply"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    public = forms.BooleanField(
        label=_("Public: may appear on the board if the author agreed"), required=False
    )


class ResolveForm(PortalForm):
    note = forms.CharField(
        label=pgettext_lazy("how a complaint was resolved", "What was done"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    public = forms.BooleanField(
        label=_("Public: may appear on the board if the author agreed"), required=False
    )


class ConfirmForm(PortalForm):
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you with the handling?"),
        choices=SATISFACTION,
        required=False,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(PortalForm):
    reason = forms.CharField(
        label=_("What is still wrong?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WithdrawForm(PortalForm):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=2000)


class ReassignForm(PortalForm):
    department = forms.ModelChoiceField(label=_("Pass to"), queryset=SERVICE_UNITS, required=False)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=2000)
