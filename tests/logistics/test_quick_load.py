"""Rows read without Model.__init__ (logistics.models.loading.QuickLoad): every model that uses
it builds the instance Django's from_db builds, it falls back where that would differ, and an
instance read so behaves as one read Django's way (deferred columns, related objects, saving)."""

import pytest
from django.apps import apps
from django.db.models import Model
from django.db.models.signals import post_init

from logistics.models import Building, User
from logistics.models.loading import QuickLoad
from repairs.models import RepairRequest
from tests.repairs.factories import RepairRequestFactory

QUICK_MODELS = [model for model in apps.get_models() if issubclass(model, QuickLoad)]


def state(instance) -> tuple:
    fields = {k: v for k, v in instance.__dict__.items() if k != "_state"}
    return type(instance), fields, instance._state.adding, instance._state.db


def test_the_list_models_use_it():
    names = {model._meta.label for model in QUICK_MODELS}
    assert {"logistics.User", "logistics.Building", "repairs.RepairRequest"} <= names
    assert len(QUICK_MODELS) >= 30


@pytest.mark.parametrize("model", QUICK_MODELS, ids=lambda model: model._meta.label)
def test_a_row_builds_what_djangos_from_db_builds(model):
    attnames = [field.attname for field in model._meta.concrete_fields]
    whole = [object() for _ in attnames]  # a distinct value per column shows any mix-up
    some = attnames[::2]  # a row with every other column deferred
    part = whole[::2]

    assert state(model.from_db("default", attnames, whole)) == state(
        Model.from_db.__func__(model, "default", attnames, whole)
    )
    assert state(model.from_db("other", some, part)) == state(
        Model.from_db.__func__(model, "other", some, part)
    )
    quick = model.from_db("default", attnames, whole)
    assert quick._state.adding is False
    assert quick.get_deferred_fields() == set()
    assert model.from_db("default", some, part).get_deferred_fields() == set(attnames[1::2])


def test_it_falls_back_to_djangos_way_where_a_receiver_listens():
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    attnames = [field.attname for field in Building._meta.concrete_fields]
    post_init.connect(receiver, sender=Building)
    try:
        building = Building.from_db("default", attnames, [object() for _ in attnames])
    finally:
        post_init.disconnect(receiver, sender=Building)

    assert seen == [building]


@pytest.mark.django_db
def test_an_instance_read_so_behaves_as_djangos(django_assert_num_queries):
    repair = RepairRequestFactory(description="水管漏水", place_text="三楼")
    read = (
        RepairRequest.objects.select_related("requester", "building")
        .only("id", "status", "description", "requester__username", "building__name")
        .get(pk=repair.pk)
    )

    assert type(read) is RepairRequest and type(read.requester) is User
    with django_assert_num_queries(0):  # the joined rows are cached on the instance
        assert read.requester.username == repair.requester.username
        assert read.building.name == repair.building.name
    with django_assert_num_queries(1):  # a deferred column is read when asked for
        assert read.place_text == "三楼"
    assert read.get_deferred_fields() >= {"urgency", "created_at"}

    read.description = "水管漏水，已关阀"
    read.save(update_fields=["description"])
    assert RepairRequest.objects.get(pk=repair.pk).description == "水管漏水，已关阀"
    assert RepairRequest.objects.get(pk=repair.pk) == read


@pytest.mark.parametrize("model", QUICK_MODELS, ids=lambda model: model._meta.label)
def test_a_choice_s_label_is_the_one_djangos_get_display_gives(model):
    """`get_<field>_display()` from a table per field (ChoiceLabels), in every language, for
    every value and for one that is no choice."""
    from django.utils import translation

    fields = [field for field in model._meta.concrete_fields if field.choices]
    for field in fields:
        values = [value for value, _label in field.flatchoices] + ["no-such-choice", None]
        for language in ("zh-hans", "en"):
            with translation.override(language):
                for value in values:
                    instance = model.__new__(model)
                    instance.__dict__[field.attname] = value
                    mine = instance._get_FIELD_display(field)
                    assert mine == Model._get_FIELD_display(instance, field), (field, value)
                    assert type(mine) is type(Model._get_FIELD_display(instance, field))


def test_a_label_is_translated_when_it_is_shown():
    from django.utils import translation

    repair = RepairRequest(status=RepairRequest.Status.SUBMITTED)
    with translation.override("en"):
        assert repair.get_status_display() == "Submitted"
    with translation.override("zh-hans"):
        assert repair.get_status_display() != "Submitted"
