"""Serializers shared by every app's API: the one error body, a person in brief."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from logistics.models import User


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
