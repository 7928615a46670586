"""Uploaded images: checked by content, re-encoded without EXIF, size-limited, renamed."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from logistics.uploads import MAX_UPLOAD_BYTES, clean_image, save_image
from tests.repairs.factories import image_upload

ORIENTATION, MAKE, GPS_IFD = 0x0112, 0x010F, 0x8825


def exif_with(orientation=1) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "SpyCam"
    exif[GPS_IFD] = {1: "N", 2: (31.0, 14.0, 0.0)}
    return exif


def reopened(clean) -> Image.Image:
    image = Image.open(io.BytesIO(clean.file.read()))
    clean.file.seek(0)
    return image


@pytest.mark.parametrize("fmt,ext", [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_it_accepts_jpeg_png_and_webp_under_a_new_name(fmt, ext):
    clean = clean_image(image_upload("我的照片.bin", fmt=fmt, size=(40, 30)))
    assert clean.format == fmt
    assert clean.name.endswith("." + ext)
    assert "我的照片" not in clean.name and len(clean.name) == 32 + 1 + len(ext)
    assert (clean.width, clean.height) == (40, 30)
    assert reopened(clean).format == fmt


def test_it_gives_every_upload_a_different_name():
    assert clean_image(image_upload()).name != clean_image(image_upload()).name


def test_it_strips_exif_after_turning_the_image_upright():
    # Orientation 6: the camera was turned; the stored image must be portrait and carry no EXIF.
    upload = image_upload(size=(60, 20), exif=exif_with(orientation=6))
    assert Image.open(upload).getexif()[MAKE] == "SpyCam"
    clean = clean_image(upload)
    image = reopened(clean)
    assert (clean.width, clean.height) == (20, 60) == image.size
    assert not image.getexif()
    assert b"SpyCam" not in clean.file.read()


def test_it_drops_bytes_hidden_after_the_image():
    upload = image_upload()
    payload = upload.read() + b"<?php system($_GET['c']); ?>"
    clean = clean_image(SimpleUploadedFile("x.jpg", payload, content_type="image/jpeg"))
    assert b"<?php" not in clean.file.read()


@pytest.mark.parametrize(
    "content",
    [
        b"GIF89a" + b"\x00" * 40,
        b"just some text pretending to be a photo",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
    ],
    ids=["gif-header", "text", "pdf"],
)
def test_it_refuses_files_that_are_not_jpeg_png_or_webp_whatever_their_name(content):
    upload = SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg")
    with pytest.raises(ValidationError) as error:
        clean_image(upload)
    assert error.value.code == "not_image"
    assert "JPEG, PNG or WebP" in error.value.messages[0]


def test_it_refuses_a_real_gif():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="GIF")
    with pytest.raises(ValidationError) as error:
        clean_image(SimpleUploadedFile("a.gif", buffer.getvalue(), content_type="image/gif"))
    assert error.value.code == "not_image"


def test_it_refuses_a_truncated_jpeg():
    data = image_upload(size=(200, 200)).read()
    with pytest.raises(ValidationError) as error:
        clean_image(SimpleUploadedFile("cut.jpg", data[: len(data) // 3]))
    assert error.value.code == "not_image"


def test_it_refuses_files_over_10_mb_before_reading_them():
    upload = SimpleUploadedFile("big.jpg", b"\xff" * (MAX_UPLOAD_BYTES + 1))
    with pytest.raises(ValidationError) as error:
        clean_image(upload)
    assert error.value.code == "too_large"
    assert "10 MB" in error.value.messages[0]


def test_it_refuses_an_empty_file():
    with pytest.raises(ValidationError) as error:
        clean_image(SimpleUploadedFile("empty.png", b""))
    assert error.value.code == "empty"


def test_it_refuses_a_decompression_bomb():
    # 48 megapixels of one colour compress to a few kilobytes: small on disk, huge in memory.
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(ValidationError) as error:
        clean_image(SimpleUploadedFile("bomb.png", buffer.getvalue()))
    assert error.value.code == "too_many_pixels"


def test_it_shrinks_very_large_images_to_4096_pixels():
    clean = clean_image(image_upload(fmt="PNG", size=(5000, 100)))
    assert (clean.width, clean.height) == (4096, 82)


def test_it_stores_a_cleaned_image_under_the_given_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    name = save_image(image_upload("holiday.png", fmt="PNG"), folder="lostfound/items/")
    assert name.startswith("lostfound/items/") and name.endswith(".png")
    assert "holiday" not in name
    with default_storage.open(name) as stored:
        assert Image.open(stored).format == "PNG"
