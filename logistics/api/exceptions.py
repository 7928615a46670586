"""One error body for every API error: {"code", "detail", "fields", "request_id"}."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from logistics.middleware import current_request_id


def _code(exc: exceptions.APIException, detail) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    return getattr(exc, "default_code", "error")


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body = {"code": _code(exc, exc.detail), "detail": "", "fields": {}}
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            non_field = detail.pop("non_field_errors", None)
            body["fields"] = detail
            body["detail"] = str(non_field[0]) if non_field else str(_invalid_message())
        else:
            body["detail"] = (
                " ".join(str(d) for d in detail) if isinstance(detail, list) else str(detail)
            )
    else:
        body["detail"] = str(exc.detail)
    body["request_id"] = current_request_id()
    response.data = body
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        body["code"] = "throttled"
    return response


def _invalid_message():
    from django.utils.translation import gettext

    return gettext("The input is not valid; see the field errors.")


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
