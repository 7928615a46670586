"""Photos kept for a form that came back with errors, so nobody chooses them twice.

When a form with a PhotosField (logistics.forms) is shown again after an error, each photo that
passed the upload checks is stored here as a PendingUpload (re-encoded like any upload, owned by
the user, for KEEP_FOR) and the form carries a signed token for it instead of the file:

    photo = keep(owner=user, upload=upload)        # a KeptPhoto (token, name), or None
    upload = take(owner=user, token=photo.token)   # the photo again, once; ValidationError else

A token names its owner and only that owner may take or see it; each is good once (the form
that comes back again keeps its photos anew). Expired photos are refused and swept by beat.
"""

import logging
import mimetypes
import uuid
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image

from logistics.models import PendingUpload
from logistics.uploads import FORMATS, clean_image

logger = logging.getLogger(__name__)

KEEP_FOR = timedelta(hours=24)
SALT = "logistics.kept-photo"
SWEEP_BATCH = 500

REFUSED = _("A photo chosen earlier could not be kept: choose it again.")
EXPIRED = _("A photo chosen earlier is no longer kept (after 24 hours): choose it again.")


@dataclass(frozen=True)
class KeptPhoto:
    """A kept photo as the form shows it: its token (sent back with the form) and its name."""

    token: str
    name: str

    @property
    def url(self) -> str:
        return reverse("kept-photo", kwargs={"token": self.token})


def keep(*, owner, upload) -> KeptPhoto | None:
    """Stores a chosen photo for `owner`; None when it is not an acceptable image (the form
    says why)."""
    name = (getattr(upload, "name", "") or "")[:200]
    if getattr(upload, "kept_clean", False):  # taken from a token: already re-encoded
        upload.seek(0)
        data = upload.read()
        stored_name, content = _stored_name(data), ContentFile(data)
    else:
        try:
            image = clean_image(upload)
        except ValidationError:
            return None
        stored_name, content = image.name, image.file
    pending = PendingUpload(owner=owner, original_name=name, expires_at=timezone.now() + KEEP_FOR)
    pending.image.save(stored_name, content, save=False)
    pending.save()
    return KeptPhoto(token=signing.dumps([pending.pk, owner.pk], salt=SALT), name=name)


def _stored_name(data: bytes) -> str:
    """A random name with the extension of the (already re-encoded) image's format."""
    with Image.open(BytesIO(data)) as image:
        extension = FORMATS.get(image.format or "", "jpg")
    return f"{uuid.uuid4().hex}.{extension}"


def find(*, owner, token: str) -> PendingUpload:
    """The owner's kept photo of `token`; ValidationError when the token is not theirs, was
    tampered with, was used or has expired."""
    try:
        pk, owner_pk = signing.loads(token, salt=SALT, max_age=KEEP_FOR)
    except signing.SignatureExpired:
        raise ValidationError(EXPIRED, code="expired") from None
    except (signing.BadSignature, TypeError, ValueError):
        logger.warning("kept photo: a token with a bad signature was refused")
        raise ValidationError(REFUSED, code="refused") from None
    if owner is None or not owner.is_authenticated or owner_pk != owner.pk:
        logger.warning(
            "kept photo: another person's token was refused (user %s)", owner and owner.pk
        )
        raise ValidationError(REFUSED, code="refused")
    pending = PendingUpload.objects.filter(pk=pk, owner=owner).first()
    if pending is None:
        raise ValidationError(REFUSED, code="refused")
    if pending.expires_at <= timezone.now():
        _delete([pending])
        raise ValidationError(EXPIRED, code="expired")
    return pending


def take(*, owner, token: str) -> SimpleUploadedFile:
    """The kept photo of `token` as an upload for the form, removed from the kept ones (once:
    a second take of the same token is refused)."""
    pending = find(owner=owner, token=token)
    with pending.image.open("rb") as handle:
        data = handle.read()
    deleted, _rows = PendingUpload.objects.filter(pk=pending.pk).delete()
    if not deleted:  # taken by a request running at the same time
        raise ValidationError(REFUSED, code="refused")
    pending.image.storage.delete(pending.image.name)
    content_type = mimetypes.guess_type(pending.image.name)[0] or "image/jpeg"
    upload = SimpleUploadedFile(pending.original_name or pending.image.name, data, content_type)
    upload.kept_clean = True
    return upload


def image_of(*, owner, token: str):
    """The stored image of the owner's kept photo (for its thumbnail); 404 otherwise."""
    try:
        return find(owner=owner, token=token).image
    except ValidationError:
        raise Http404 from None


def _delete(rows) -> int:
    for row in rows:
        row.image.storage.delete(row.image.name)
    return PendingUpload.objects.filter(pk__in=[row.pk for row in rows]).delete()[0]


def sweep() -> int:
    """Deletes expired kept photos (rows and files); returns how many."""
    total = 0
    while True:
        rows = list(
            PendingUpload.objects.filter(expires_at__lte=timezone.now()).only("pk", "image")[
                :SWEEP_BATCH
            ]
        )
        if not rows:
            return total
        total += _delete(rows)
