"""Uploaded images: checked by content, re-encoded without EXIF, size-limited, renamed."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, PngImagePlugin

from logistics.uploads import MAX_UPLOAD_BYTES, clean_image, save_image
from repairs.models import RepairPhoto
from tests.logistics.factories import RoomFactory
from tests.repairs.factories import CategoryFactory, image_upload

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


# --- Polyglots: a payload in the metadata never reaches the stored file -------------------------

PAYLOAD = b"<?php system($_GET['c']); ?><script>alert(1)</script>"


def polyglot_jpeg() -> bytes:
    """A real JPEG whose comment (COM), an APP segment (XMP) and ICC profile carry the payload."""
    buffer = io.BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGB", (48, 32), (30, 120, 200)).save(
        buffer,
        format="JPEG",
        comment=PAYLOAD,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + PAYLOAD + b"</x:xmpmeta>",
        icc_profile=icc,
        exif=exif_with(),
    )
    data = buffer.getvalue()
    # An extra APP segment (APP13, as Photoshop writes) right after SOI, holding the payload.
    app13 = b"\xff\xed" + (len(PAYLOAD) + 2).to_bytes(2, "big") + PAYLOAD
    return data[:2] + app13 + data[2:]


def polyglot_png() -> bytes:
    """A real PNG whose tEXt, zTXt and iTXt chunks and ICC profile carry the payload."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", PAYLOAD.decode())
    info.add_text("Compressed", PAYLOAD.decode(), zip=True)
    info.add_itxt("XML:com.adobe.xmp", PAYLOAD.decode())
    buffer = io.BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGBA", (48, 32), (30, 120, 200, 255)).save(
        buffer, format="PNG", pnginfo=info, icc_profile=icc
    )
    return buffer.getvalue()


def test_the_polyglots_really_carry_the_payload():
    assert PAYLOAD in polyglot_jpeg()
    png = Image.open(io.BytesIO(polyglot_png()))
    assert png.text["Comment"] == PAYLOAD.decode()
    assert Image.open(io.BytesIO(polyglot_jpeg())).info["comment"] == PAYLOAD


@pytest.mark.parametrize(
    "name,content,fmt",
    [("x.jpg", polyglot_jpeg, "JPEG"), ("x.png", polyglot_png, "PNG")],
    ids=["jpeg", "png"],
)
def test_it_keeps_pixels_only_of_a_polyglot(name, content, fmt):
    clean = clean_image(SimpleUploadedFile(name, content()))
    data = clean.file.read()
    for needle in (b"<?php", b"<script", b"system(", b"xmpmeta", b"SpyCam"):
        assert needle not in data
    image = Image.open(io.BytesIO(data))
    assert image.format == fmt and image.size == (48, 32)
    assert not set(image.info) & {"comment", "icc_profile", "xmp", "exif", "Comment"}
    assert image.convert("RGB").getpixel((10, 10)) == pytest.approx((30, 120, 200), abs=4)
    if fmt == "JPEG":
        markers = {data[i + 1] for i in range(len(data) - 1) if data[i] == 0xFF}
        assert 0xFE not in markers  # COM
        assert not markers & set(range(0xE1, 0xF0))  # APP1 … APP15 (APP0 is JFIF)


def test_it_converts_another_colour_profile_to_srgb_and_drops_it():
    lab_ish = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 60, 40)).save(buffer, format="JPEG", icc_profile=lab_ish)
    clean = clean_image(SimpleUploadedFile("x.jpg", buffer.getvalue()))
    assert "icc_profile" not in reopened(clean).info


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,content", [("x.jpg", polyglot_jpeg), ("x.png", polyglot_png)], ids=["jpeg", "png"]
)
def test_a_repair_filed_with_a_polyglot_stores_no_payload(
    client, student, settings, tmp_path, name, content
):
    settings.MEDIA_ROOT = tmp_path
    room = RoomFactory(number="302")
    category = CategoryFactory(code="tap", name="水龙头", name_en="Tap")
    client.force_login(student)
    photo = SimpleUploadedFile(name, content(), content_type="image/jpeg")
    data = {"category": category.pk, "room": room.pk, "description": "门锁坏了", "photos": [photo]}
    response = client.post("/api/v1/repairs/requests/", data)
    assert response.status_code == 201, response.json()
    stored = RepairPhoto.objects.get()
    with stored.image.open("rb") as handle:
        data = handle.read()
    assert data[:2] in (b"\xff\xd8", b"\x89P")
    assert b"<?php" not in data and b"<script" not in data
    served = client.get(response.json()["photos"][0]["url"])
    body = b"".join(served.streaming_content)
    assert body == data
