"""A request's photos, streamed only to those who may see the request."""

import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from repairs.models import RepairPhoto
from repairs.views.common import get_visible_request


@login_required
@require_GET
def photo(request, request_pk: int, photo_pk: int):
    repair = get_visible_request(request.user, request_pk)
    picture = get_object_or_404(RepairPhoto, request=repair, pk=photo_pk)
    try:
        handle = picture.image.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    content_type = mimetypes.guess_type(picture.image.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    # Private: shared caches and proxies must never keep another person's photo.
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
