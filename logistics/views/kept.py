"""The thumbnail of a photo kept for a form that came back with errors (logistics.kept)."""

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from logistics import kept
from logistics.uploads import private_image_response


@login_required
@require_GET
def kept_photo(request, token: str):
    """Only its owner sees a kept photo; anyone else, or a bad token, gets 404."""
    return private_image_response(kept.image_of(owner=request.user, token=token))
