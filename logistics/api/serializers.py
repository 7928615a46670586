"""Serializers shared by every app's API: the one error body, a person in brief, text fields
that take text only."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from logistics.models import User


class StrictCharField(serializers.CharField):
    """Text only: DRF's CharField turns a JSON number into text, which the schema (a string)
    does not allow, so a client's mistake would pass unnoticed."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictManyRelatedField(serializers.ManyRelatedField):
    """A list only: DRF's takes any iterable, so a JSON object `{}` passed as no items."""

    def to_internal_value(self, data):
        if not isinstance(data, list | tuple):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    @classmethod
    def many_init(cls, *args, **kwargs):
        # As RelatedField.many_init, with the strict list field.
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update({k: v for k, v in kwargs.items() if k in MANY_RELATION_KWARGS})
        return StrictManyRelatedField(**list_kwargs)


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose text fields take text only and whose to-many fields lists only."""

    serializer_related_field = StrictPrimaryKeyRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }


class ErrorSerializer(serializers.Serializer):
    """The body of every API error (4xx), whatever went wrong."""

    code = serializers.CharField(
        help_text=_(
            "Machine-readable reason: invalid, not_authenticated, authentication_failed, "
            "permission_denied, not_found, method_not_allowed, protected, throttled …"
        )
    )
    detail = serializers.CharField(help_text=_("A sentence for people, in the request's language."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_(
            "Input errors by field name (nested fields joined with dots); empty unless code is "
            "invalid."
        ),
    )
    request_id = serializers.CharField(
        help_text=_("The id of this request in the portal's logs (also in X-Request-ID).")
    )

    class Meta:
        ref_name = "Error"


class UserBriefSerializer(serializers.ModelSerializer):
    """A person as other records show them: id, campus ID and display name."""

    display_name = serializers.CharField(source="get_display_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name"]
        read_only_fields = fields
        ref_name = "UserBrief"
