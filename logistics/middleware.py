"""Request ids: taken from the load balancer's X-Request-ID or made here, logged with every line."""

import contextvars
import logging
import re
import uuid

from django.core.signals import request_finished

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    """Sets the request id for this request's log lines and echoes it in X-Request-ID."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset on the way out: Django logs "Not Found" and "Internal Server Error" after the
        # middleware chain returns; request_finished clears it once the response is closed.
        _request_id.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def _clear_request_id(**kwargs) -> None:
    _request_id.set("-")


request_finished.connect(_clear_request_id, dispatch_uid="logistics.clear_request_id")


class RequestIdFilter(logging.Filter):
    """Adds request_id to every log record (a dash outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True
