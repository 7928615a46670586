"""`logistics.filters.PortalFilterSet`: the FilterSet every searchable list uses, made cheaper
than django-filter's (a shallow copy of each filter, the form class built once per class)
without changing what it filters, validates or shows."""

from importlib import import_module

import django_filters
import pytest
from django import forms
from django.conf import settings
from django.http import QueryDict

from logistics.filters import PortalFilterSet
from lostfound.filters import FoundItemFilterSet
from repairs.filters import RepairRequestFilterSet
from repairs.models import RepairRequest
from tests.repairs.factories import RepairRequestFactory

pytestmark = pytest.mark.django_db

ADDRESSES = [
    "",
    "is_open=true",
    "q=漏水&status=submitted&status=accepted&ordering=-due",
    "created_after=2026-01-01&created_before=2026-12-31&unassigned=true",  # overdue: the clock
    "category=3&building=7&campus=MAIN&department=2&urgency=high&assignee=5",
    "q=R000123",
]


def _as_django_filter_makes_it(cls, data):
    """The same FilterSet made the way django-filter makes it: deep copies, a form per instance."""
    filterset = cls.__new__(cls)
    django_filters.FilterSet.__init__(filterset, data, queryset=RepairRequest.objects.all())
    filterset.get_form_class = lambda: django_filters.FilterSet.get_form_class(filterset)
    return filterset


@pytest.mark.parametrize("address", ADDRESSES)
def test_it_filters_as_django_filters_own_copies_do(address):
    data = QueryDict(address)
    ours = RepairRequestFilterSet(data, queryset=RepairRequest.objects.all())
    theirs = _as_django_filter_makes_it(RepairRequestFilterSet, data)
    assert ours.is_valid() == theirs.is_valid()
    assert ours.form.cleaned_data == theirs.form.cleaned_data
    assert str(ours.qs.query) == str(theirs.qs.query)
    assert [str(field) for field in ours.form] == [str(field) for field in theirs.form]


def test_it_answers_bad_input_with_the_forms_errors():
    data = QueryDict("category=abc&created_after=yesterday&status=nonsense")
    ours = RepairRequestFilterSet(data, queryset=RepairRequest.objects.all())
    assert not ours.is_valid()
    assert set(ours.errors) == {"category", "created", "status"}
    assert ours.errors == _as_django_filter_makes_it(RepairRequestFilterSet, data).errors


def test_each_instance_searches_through_itself():
    # `q` is a method filter: a shallow copy must call the method of its own FilterSet
    leak = RepairRequestFactory(description="水管漏水")
    RepairRequestFactory(description="灯不亮")
    first = RepairRequestFilterSet(QueryDict("q=漏水"), queryset=RepairRequest.objects.all())
    second = RepairRequestFilterSet(QueryDict("q=灯"), queryset=RepairRequest.objects.none())
    assert first.filters["q"].parent is first and second.filters["q"].parent is second
    assert list(first.qs) == [leak]
    assert list(second.qs) == []
    base = RepairRequestFilterSet.base_filters["q"]
    assert not hasattr(base, "parent")  # the class's own filters stay unbound


def test_it_builds_the_form_class_once_per_filterset_class():
    one = RepairRequestFilterSet(QueryDict(""), queryset=RepairRequest.objects.all())
    two = RepairRequestFilterSet(QueryDict("q=x"), queryset=RepairRequest.objects.all())
    assert type(one.form) is type(two.form)
    assert type(one.form) is not type(FoundItemFilterSet(QueryDict("")).form)


def test_its_forms_share_their_fields_and_keep_their_own_input_and_errors():
    one = RepairRequestFilterSet(QueryDict("urgency=high"), queryset=RepairRequest.objects.all())
    two = RepairRequestFilterSet(QueryDict("urgency=odd"), queryset=RepairRequest.objects.all())
    assert one.form.fields["urgency"] is two.form.fields["urgency"]  # not copied per instance
    assert one.form.fields is not two.form.fields
    assert one.is_valid() and one.form.cleaned_data["urgency"] == ["high"]
    assert not two.is_valid() and set(two.errors) == {"urgency"}
    assert one.is_valid() and not one.errors  # the other's errors are its own


def test_a_filter_field_with_a_queryset_reads_its_choices_anew_for_each_form():
    from lostfound.models import Category

    def offered(filterset) -> list[str]:
        return [str(value) for value, _label in filterset.form.fields["category"].choices]

    one = FoundItemFilterSet(QueryDict(""))
    before = offered(one)
    umbrella = Category.objects.create(
        code="test-umbrella", name="测试雨伞", name_en="Test umbrella"
    )
    two = FoundItemFilterSet(QueryDict(""))
    assert one.form.fields["category"] is not two.form.fields["category"]
    assert one.form.fields["campus"] is not two.form.fields["campus"]
    assert str(umbrella.pk) in offered(two) and str(umbrella.pk) not in before
    assert FoundItemFilterSet(QueryDict(f"category={umbrella.pk}")).is_valid()


def test_a_form_of_its_own_gets_its_fields_copied_as_django_copies_them():
    class OwnForm(forms.Form):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["q"].widget.attrs["placeholder"] = str(id(self))  # changes its own

    class WithOwnForm(RepairRequestFilterSet):
        class Meta(RepairRequestFilterSet.Meta):
            form = OwnForm

    one = WithOwnForm(QueryDict(""), queryset=RepairRequest.objects.all())
    two = WithOwnForm(QueryDict(""), queryset=RepairRequest.objects.all())
    assert one.form.fields["q"] is not two.form.fields["q"]
    assert one.form.fields["q"].widget.attrs != two.form.fields["q"].widget.attrs


def test_a_filter_whose_queryset_is_worked_out_per_request_gets_a_form_per_instance(student):
    class PerRequest(RepairRequestFilterSet):
        requester = django_filters.ModelChoiceFilter(
            queryset=lambda request: type(request.user).objects.filter(pk=request.user.pk)
        )

        class Meta(RepairRequestFilterSet.Meta):
            fields = [*RepairRequestFilterSet.Meta.fields, "requester"]

    request = type("Request", (), {"user": student})()
    one = PerRequest(QueryDict(""), queryset=RepairRequest.objects.all(), request=request)
    two = PerRequest(QueryDict(""), queryset=RepairRequest.objects.all(), request=request)
    assert type(one.form) is not type(two.form)
    assert list(one.form.fields["requester"].queryset) == [student]


PROJECT = {"logistics", "repairs", "dining", "dorms", "lostfound", "parcels", "reviews"}


def _project_subclasses(cls) -> list[type]:
    """The project's subclasses of `cls`, every app's FilterSets imported with the URLconf."""
    import_module(settings.ROOT_URLCONF)
    found, todo = [], [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in PROJECT:
                found.append(sub)
    return sorted(found, key=lambda sub: f"{sub.__module__}.{sub.__qualname__}")


def test_every_filterset_of_the_project_is_a_portal_one():
    subclasses = _project_subclasses(django_filters.FilterSet)
    assert [cls for cls in subclasses if not issubclass(cls, PortalFilterSet)] == []


@pytest.mark.parametrize(
    "cls",
    [cls for cls in _project_subclasses(PortalFilterSet) if "Meta" in cls.__dict__],
    ids=lambda cls: cls.__qualname__,
)
def test_each_filterset_shows_and_filters_as_django_filter_makes_it(cls):
    queryset = cls._meta.model._default_manager.all()
    ours = cls(QueryDict(""), queryset=queryset)
    theirs = cls.__new__(cls)
    django_filters.FilterSet.__init__(theirs, QueryDict(""), queryset=queryset)
    theirs.get_form_class = lambda: django_filters.FilterSet.get_form_class(theirs)
    assert ours.is_valid() and theirs.is_valid()
    assert [str(field) for field in ours.form] == [str(field) for field in theirs.form]
    assert str(ours.qs.query) == str(theirs.qs.query)


def test_a_function_in_place_of_the_queryset_is_called_only_for_qs():
    repair = RepairRequestFactory(description="漏水")
    RepairRequestFactory(description="灯")
    calls = []

    def visible():
        calls.append(1)
        return RepairRequest.objects.filter(pk=repair.pk)

    filterset = RepairRequestFilterSet(QueryDict("q=漏水&ordering=-due"), queryset=visible)
    assert filterset.is_valid() and filterset.form.cleaned_data["q"] == "漏水"
    assert filterset.shape() is None  # a search's SQL holds more than its value
    assert calls == []
    assert list(filterset.qs) == [repair] and list(filterset.qs) == [repair]
    assert calls == [1]


@pytest.mark.parametrize(
    "address, shaped",
    [
        ("", True),
        ("is_open=true&status=submitted&ordering=-due", True),
        ("q=R000123", False),
        ("overdue=false", False),
        ("created_after=2026-01-01", False),
        ("building=x", False),  # not valid
    ],
)
def test_the_repairs_filters_shape_is_their_values_or_none(address, shaped):
    filterset = RepairRequestFilterSet(QueryDict(address))
    shape = filterset.shape()
    assert (shape is not None) is shaped
    if shaped:
        assert shape == RepairRequestFilterSet(QueryDict(address)).shape()
        assert shape != RepairRequestFilterSet(QueryDict(address + "&urgency=high")).shape()
