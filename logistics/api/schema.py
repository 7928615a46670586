"""OpenAPI (drf-spectacular): the bearer-token security scheme and the documented errors."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import append_meta, build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from logistics.api.serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": _("Bad input: `fields` holds the messages by field (or a bad filter/query value)."),
    "401": _(
        "Not signed in, or the token is unknown, expired or revoked (`WWW-Authenticate: Bearer`)."
    ),
    "403": _("Signed in, but the role or the token's scopes do not allow this."),
    "404": _("No such object, or not visible to you; or a page number past the end."),
    "409": _("The object is still in use by other records and cannot be deleted."),
    "415": _("The body is in a content type this operation does not read."),
    "429": _("Too many writes; retry after the seconds in the `Retry-After` header."),
}
# A wall-clock time ("06:30:00", "06:30"): OpenAPI's `format: time` is RFC 3339's full-time,
# which needs an offset that a canteen's opening hours do not have.
LOCAL_TIME = {
    "type": "string",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
    "example": "06:30:00",
}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Bearer <token>` with a token from the admin or `issue_api_token`."""

    target_class = "logistics.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        definition = build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106
        )
        definition["description"] = str(
            _(
                "An API token (clp_…) of a portal user, limited to scopes such as "
                "places:read or repairs:write. See docs/api.md."
            )
        )
        return definition


class PortalSessionScheme(SessionScheme):
    """The pages' session cookie, as drf-spectacular describes DRF's session authentication
    (the portal's is a subclass, which drf-spectacular does not match by itself)."""

    target_class = "logistics.api.authentication.SessionAuthentication"


class PortalAutoSchema(AutoSchema):
    """Adds the error responses each operation can give, all with the one error body; describes
    times of day as local times."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if isinstance(field, serializers.TimeField) and not bypass_extensions:
            meta = self._get_serializer_field_meta(field, direction)
            return append_meta(dict(LOCAL_TIME), meta)
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            responses.setdefault(
                code,
                self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, ERROR_DESCRIPTIONS[code]), code
                ),
            )
        return responses

    def _error_codes(self) -> list[str]:
        codes = []
        has_parameters = "{" in self.path
        is_list = self._is_list_view()
        if self.method in WRITE_METHODS or is_list:
            codes.append("400")
        if not self._is_public():
            codes += ["401", "403"]
        if has_parameters or is_list:
            codes.append("404")
        if self.method == "DELETE":
            codes.append("409")
        if self.method in BODY_METHODS:
            codes.append("415")
        if self.method in WRITE_METHODS:
            codes.append("429")
        return codes

    def _is_public(self) -> bool:
        permissions = self.view.get_permissions()
        return all(isinstance(p, AllowAny) for p in permissions)
