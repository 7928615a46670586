"""404 for addresses under /api/ that match no endpoint: the API's error body, not an HTML page."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from logistics.middleware import current_request_id


def not_found(request, exception=None):
    """Django's handler404: JSON under /api/, the portal's 404 page everywhere else."""
    if not request.path.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    body = {
        "code": "not_found",
        "detail": _("Nothing is found at this address."),
        "fields": {},
        "request_id": current_request_id(),
    }
    return JsonResponse(body, status=404)
