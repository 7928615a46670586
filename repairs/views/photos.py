"""A request's photos, streamed only to those who may see the request."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from logistics.uploads import private_image_response
from repairs.models import RepairPhoto
from repairs.views.common import get_visible_request


@login_required
@require_GET
def photo(request, request_pk: int, photo_pk: int):
    repair = get_visible_request(request.user, request_pk)
    picture = get_object_or_404(RepairPhoto, request=repair, pk=photo_pk)
    return private_image_response(picture.image)
