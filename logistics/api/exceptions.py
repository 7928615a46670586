"""One error body for every API error: {"code", "detail", "fields", "request_id"}."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from logistics.middleware import current_request_id
from logistics.workflow import DomainError


class Conflict(exceptions.APIException):
    """The object is still in use (other records point at it), so it cannot be deleted."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This object is still in use by other records and cannot be deleted.")
    default_code = "protected"


class DomainAnswer(exceptions.APIException):
    """A service's DomainError, answered with its own status, code, message and field errors."""

    def __init__(self, error: DomainError):
        self.status_code = error.http_status
        self.fields = error.fields
        super().__init__(detail=str(error.message), code=error.code)


def _translate(exc: Exception) -> Exception:
    """Django's, the database's and the services' exceptions as the API exceptions that answer
    them."""
    if isinstance(exc, DomainError):
        return DomainAnswer(exc)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args[:1])
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, ProtectedError | RestrictedError):
        return Conflict()
    return exc


def flatten_fields(detail, prefix: str = "") -> dict[str, list[str]]:
    """Field errors as {"field": [...]} with nested fields joined by dots ("items.0.name")."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(flatten_fields(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list) and any(isinstance(d, dict | list) for d in detail):
        flat = {}
        for index, value in enumerate(detail):
            if value:
                flat.update(flatten_fields(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(m) for m in messages]}


def _code(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    if isinstance(exc, exceptions.Throttled):
        return "throttled"
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def _validation_body(detail) -> tuple[str, dict]:
    if not isinstance(detail, dict):
        messages = detail if isinstance(detail, list) else [detail]
        return " ".join(str(m) for m in messages), {}
    fields = flatten_fields(detail)
    non_field = fields.pop("non_field_errors", None)
    if non_field:
        return " ".join(non_field), fields
    return gettext("The input is not valid; see the field errors."), fields


def exception_handler(exc, context):
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail, fields = _validation_body(exc.detail)
    else:
        detail, fields = str(exc.detail), getattr(exc, "fields", {})
    response.data = {
        "code": _code(exc),
        "detail": detail,
        "fields": fields,
        "request_id": current_request_id(),
    }
    return response


def error_response(code: str, detail: str, http_status: int, fields=None) -> Response:
    return Response(
        {
            "code": code,
            "detail": detail,
            "fields": fields or {},
            "request_id": current_request_id(),
        },
        status=http_status,
    )
