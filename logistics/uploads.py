"""Uploaded images for every app: checked by content, re-encoded, EXIF stripped, renamed.

    image = clean_image(request.FILES["photo"])      # raises ValidationError with a message
    photo.image.save(image.name, image.file, save=False)

Only JPEG, PNG and WebP are accepted, whatever the file name or Content-Type claim, at most
10 MB and MAX_PIXELS pixels (decompression bombs are refused before decoding). The image is
turned upright by its EXIF orientation, converted to sRGB if it carries a colour profile, and
re-encoded from its pixels alone: no EXIF, GPS, XMP, ICC profile, JPEG comment or APP segment,
PNG text chunk, nor anything hidden after the image data survives (a polyglot's payload is
gone). It is given a random name.
"""

import mimetypes
import uuid
import warnings
from dataclasses import dataclass
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# 40 megapixels: more than any phone camera, far less than a bomb's billions.
MAX_PIXELS = 40_000_000
# Stored images are scaled down to this many pixels on the long side.
MAX_SIDE = 4096
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}

MESSAGES = {
    "too_large": _("The file is larger than 10 MB."),
    "empty": _("The file is empty."),
    "not_image": _("The file is not a JPEG, PNG or WebP image."),
    "too_many_pixels": _("The image has too many pixels."),
}


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded image ready to store: `file` is named `name` (random, with extension)."""

    file: ContentFile
    name: str
    width: int
    height: int
    format: str


def _open(upload) -> Image.Image:
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; we refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=list(FORMATS))
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(MESSAGES["too_many_pixels"], code="too_many_pixels")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(MESSAGES["too_many_pixels"], code="too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(MESSAGES["not_image"], code="not_image") from None
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """The image's colours in sRGB when it carries another ICC profile (the profile itself is
    not kept: an unknown profile could hold anything)."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(icc))
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile: keep the pixels as they are
    return converted or image


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image with the same pixels and nothing else: Pillow writes some of an image's
    `info` (a JPEG's comment, a PNG's profile) back on save, so none of it may come along."""
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _encode(image: Image.Image, fmt: str) -> tuple[bytes, tuple[int, int]]:
    image = _to_srgb(ImageOps.exif_transpose(image))
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if fmt == "JPEG":
        image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    image = _pixels_only(image)
    options = {"JPEG": {"quality": 85, "optimize": True}, "WEBP": {"quality": 85}}.get(fmt, {})
    buffer = BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue(), image.size


def clean_image(upload, *, max_bytes: int = MAX_UPLOAD_BYTES) -> CleanImage:
    """Checks an uploaded file and returns it re-encoded; raises ValidationError if it is not
    an acceptable image."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(MESSAGES["too_large"], code="too_large")
    if size == 0:
        raise ValidationError(MESSAGES["empty"], code="empty")
    image = _open(upload)
    fmt = image.format
    if fmt not in FORMATS:
        raise ValidationError(MESSAGES["not_image"], code="not_image")
    try:
        data, (width, height) = _encode(image, fmt)
    except (OSError, ValueError):
        # An image Pillow decodes but cannot re-encode (an exotic mode) is refused, not a 500.
        raise ValidationError(MESSAGES["not_image"], code="not_image") from None
    name = f"{uuid.uuid4().hex}.{FORMATS[fmt]}"
    return CleanImage(
        file=ContentFile(data, name=name), name=name, width=width, height=height, format=fmt
    )


def save_image(upload, *, folder: str) -> str:
    """Cleans an upload and stores it in the default storage under `folder`; returns the stored
    name (for apps that keep a path rather than an ImageField)."""
    image = clean_image(upload)
    return default_storage.save(f"{folder.strip('/')}/{image.name}", image.file)


def private_image_response(image) -> FileResponse:
    """Streams a stored image to a viewer the caller has already checked; 404 when the file
    is gone. Shared caches and proxies must never keep another person's photo."""
    try:
        handle = image.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    content_type = mimetypes.guess_type(image.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def clean_images(uploads, *, limit: int, field: str = "photos") -> list[CleanImage]:
    """Cleans a list of uploads (at most `limit`); every bad file is reported, keyed by `field`,
    with its name, so the user learns about all of them at once."""
    uploads = [u for u in (uploads or ()) if u]
    if len(uploads) > limit:
        raise ValidationError(
            {field: _("Attach at most %(max)d photos.") % {"max": limit}}, code="too_many"
        )
    images, errors = [], []
    for index, upload in enumerate(uploads, start=1):
        try:
            images.append(clean_image(upload))
        except ValidationError as error:
            name = getattr(upload, "name", "") or str(index)
            errors.extend(f"{name}: {message}" for message in error.messages)
    if errors:
        raise ValidationError({field: errors})
    return images


# --- PDF documents ------------------------------------------------------------------------------

PDF_MESSAGES = {
    "not_pdf": _("The file is not a PDF document."),
    "active_pdf": _("PDF documents with scripts, actions or embedded files are not accepted."),
}
# Names in a PDF that run something or carry another file: refused, whatever the viewer.
PDF_ACTIVE = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/OpenAction", b"/AA")


@dataclass(frozen=True)
class CleanDocument:
    """A checked document ready to store under a random name."""

    file: ContentFile
    name: str
    content_type: str
    size: int


def clean_pdf(upload, *, max_bytes: int = MAX_UPLOAD_BYTES) -> CleanDocument:
    """Checks an uploaded PDF by its content (header, trailer, no active content) and returns it
    under a random name; raises ValidationError otherwise. The bytes are kept as they are."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(MESSAGES["too_large"], code="too_large")
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    if not data:
        raise ValidationError(MESSAGES["empty"], code="empty")
    if len(data) > max_bytes:
        raise ValidationError(MESSAGES["too_large"], code="too_large")
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise ValidationError(PDF_MESSAGES["not_pdf"], code="not_pdf")
    if any(name in data for name in PDF_ACTIVE):
        raise ValidationError(PDF_MESSAGES["active_pdf"], code="active_pdf")
    name = f"{uuid.uuid4().hex}.pdf"
    return CleanDocument(ContentFile(data, name=name), name, "application/pdf", len(data))


def clean_document(upload) -> CleanDocument:
    """A PDF or an image (re-encoded by clean_image), told apart by content, not by name."""
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return clean_pdf(upload)
    image = clean_image(upload)
    content_type = mimetypes.types_map.get("." + image.name.rsplit(".", 1)[1], "image/jpeg")
    return CleanDocument(image.file, image.name, content_type, image.file.size)
