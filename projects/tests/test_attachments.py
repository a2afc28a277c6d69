"""Site photos and documents: what an upload must be, what is stored, who may attach and who may read.

office    attaches to every report and problem
reporter  attaches to its unit's projects (and to problems its unit is responsible for)
outsider  a reporter of another unit: refused
leader, auditor  read, never attach
"""

import datetime
import io
import struct
import zlib
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from projects.choices import AttachmentKind, ProblemCategory
from projects.exceptions import DomainError, NotAllowed
from projects.models import Attachment, MonthlyReport, Problem
from projects.services.attachments import attachment_add, attachment_delete
from projects.tests.conftest import make_user


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def jpeg_with_exif(size=(400, 300), orientation=None):
    """A JPEG as a phone writes it: camera make, GPS position, optionally an orientation tag."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "secret-firmware"  # Software
    exif.get_ifd(0x8825)[2] = (35.0, 14.0, 0.0)  # GPSLatitude: Jiaozuo
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def phone_exif():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(0x8825)[2] = (35.0, 14.0, 0.0)  # GPSLatitude
    return exif


def mpo_bytes(size=(400, 300)):
    """A JPEG as many phones and cameras write it: a second image (a depth map, a preview) embedded
    after the first, which Pillow reads as format "MPO"."""
    first = Image.new("RGB", size, (200, 30, 30))
    second = Image.new("RGB", (size[0] // 2, size[1] // 2), (30, 30, 200))
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second], exif=phone_exif())
    return out.getvalue()


XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="35,14.0N"/>'
       b'</rdf:RDF></x:xmpmeta>')
COMMENT = b"Zhang San's phone, site of Wulongkou"


def jpeg_with_exif_xmp_and_comment(size=(400, 300)):
    """A JPEG carrying EXIF GPS, an XMP packet and a COM comment segment."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=phone_exif(), xmp=XMP, comment=COMMENT)
    return out.getvalue()


def png_bytes(size=(50, 40), mode="RGBA"):
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def png_header_only(width, height):
    """A PNG whose header claims width x height and whose data is a few bytes: a decompression bomb's shape."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def upload(name, data):
    return SimpleUploadedFile(name, data)


@pytest.fixture
def report(project):
    return MonthlyReport.objects.create(project=project, year=2013, month=10, completed_ytd=Decimal("62000"),
                                        status="submitted")


@pytest.fixture
def problem(project, other_unit):
    return Problem.objects.create(project=project, category=ProblemCategory.LAND_CLEARANCE, title="征地拆迁滞后",
                                  responsible_unit=other_unit, raised_on=datetime.date(2013, 10, 8),
                                  deadline=datetime.date(2013, 10, 31))


def stored_image(field):
    with default_storage.open(field.name, "rb") as fh:
        return Image.open(io.BytesIO(fh.read()))


# What an upload must be ---------------------------------------------------------------------------


def test_a_photo_is_stored_reencoded_without_exif_and_upright(office, report, media_root):
    photo = attachment_add(user=office, report=report, file=upload("IMG_0001.JPG", jpeg_with_exif(orientation=6)),
                           caption="主体封顶")
    assert photo.kind == AttachmentKind.PHOTO
    assert (photo.original_name, photo.content_type, photo.caption) == ("IMG_0001.JPG", "image/jpeg", "主体封顶")
    stored = stored_image(photo.file)
    assert stored.format == "JPEG"
    assert dict(stored.getexif()) == {}  # make, software, GPS: gone
    assert (photo.width, photo.height) == (300, 400) == stored.size  # orientation 6: turned upright
    assert photo.project == report.project
    thumb = stored_image(photo.thumbnail)
    assert thumb.format == "JPEG" and max(thumb.size) <= 320
    # The stored name is ours, not the user's; the file lies under MEDIA_ROOT.
    assert photo.file.name.startswith("attachments/") and "IMG_0001" not in photo.file.name
    assert (media_root / photo.file.name).is_file()
    assert photo.size == (media_root / photo.file.name).stat().st_size


def stored_bytes(field):
    with default_storage.open(field.name, "rb") as fh:
        return fh.read()


def jpeg_segments(data):
    """The markers of a JPEG's header segments, up to the image data: 0xE0 JFIF, 0xE1 EXIF or XMP,
    0xE2 ICC or MPF, 0xFE comment, 0xDB quantisation tables..."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while data[at + 1] != 0xDA:  # start of scan
        markers.append(data[at + 1])
        at += 2 + struct.unpack(">H", data[at + 2:at + 4])[0]
    return markers


def test_a_phone_jpeg_with_an_embedded_second_image_is_stored_as_its_first_image(office, report):
    data = mpo_bytes()
    assert Image.open(io.BytesIO(data)).format == "MPO"  # what Pillow calls it
    photo = attachment_add(user=office, report=report, file=upload("IMG_0002.JPG", data), caption="桩基施工")
    assert (photo.kind, photo.content_type, photo.width, photo.height) == (AttachmentKind.PHOTO, "image/jpeg",
                                                                           400, 300)
    assert photo.file.name.endswith(".jpg")
    stored = stored_image(photo.file)
    assert (stored.format, stored.size) == ("JPEG", (400, 300))
    assert stored.getpixel((10, 10))[2] < 100  # the red first image, not the blue second one
    assert dict(stored.getexif()) == {}
    content = stored_bytes(photo.file)
    assert b"MPF" not in content and b"PhoneMaker" not in content  # no second image, no EXIF
    assert not {0xE1, 0xE2} & set(jpeg_segments(content))
    assert stored_image(photo.thumbnail).format == "JPEG"


def test_a_photo_keeps_no_comment_xmp_or_exif(office, report):
    data = jpeg_with_exif_xmp_and_comment()
    assert COMMENT in data and XMP in data and b"PhoneMaker" in data
    assert {0xE1, 0xFE} <= set(jpeg_segments(data))
    photo = attachment_add(user=office, report=report, file=upload("IMG_0003.JPG", data))
    for field in (photo.file, photo.thumbnail):
        content = stored_bytes(field)
        assert COMMENT not in content
        assert not {0xE1, 0xFE} & set(jpeg_segments(content))  # no EXIF or XMP segment, no comment
        assert b"Exif" not in content and b"PhoneMaker" not in content
        assert b"xmpmeta" not in content and b"GPSLatitude" not in content
        assert "comment" not in stored_image(field).info


def test_a_png_with_transparency_keeps_png_and_gets_a_jpeg_thumbnail(office, report):
    photo = attachment_add(user=office, report=report, file=upload("plan.png", png_bytes()))
    assert (photo.content_type, photo.width, photo.height) == ("image/png", 50, 40)
    assert stored_image(photo.thumbnail).format == "JPEG"


@pytest.mark.parametrize("name, data, code", [
    ("site.jpg", b"this is not an image at all", "not_image"),
    ("site.jpg", jpeg_with_exif()[:300], "not_image"),  # truncated
    ("site.png", b"GIF89a" + b"\0" * 100, "not_image"),
    ("site.gif", Image.new("P", (5, 5)).tobytes(), "not_image"),
    ("setup.exe", b"MZ\x90\x00", "file_type"),
    ("notes", b"plain words", "file_type"),
    ("minutes.pdf", b"PK\x03\x04 a zip, not a pdf", "file_type"),
    ("ledger.xlsx", b"%PDF-1.4 a pdf called xlsx", "file_type"),
    ("empty.pdf", b"", "empty"),
])
def test_it_refuses_what_is_not_what_it_claims(office, report, name, data, code):
    with pytest.raises(DomainError) as exc:
        attachment_add(user=office, report=report, file=upload(name, data))
    assert exc.value.code == code and exc.value.field == "file"
    assert Attachment.objects.count() == 0


def test_it_refuses_a_decompression_bomb_from_its_header(office, report):
    with pytest.raises(DomainError) as exc:
        attachment_add(user=office, report=report, file=upload("bomb.png", png_header_only(100_000, 100_000)))
    assert exc.value.code == "too_many_pixels"  # Pillow's own guard, before a byte is decoded
    assert Attachment.objects.count() == 0


def test_it_refuses_an_image_over_the_pixel_limit_naming_both_counts(office, report):
    with pytest.raises(DomainError) as exc:
        attachment_add(user=office, report=report, file=upload("huge.png", png_header_only(10_000, 5_000)))
    assert exc.value.code == "too_many_pixels"
    assert "50,000,000" in exc.value.messages[0] and "40,000,000" in exc.value.messages[0]


def test_the_pixel_limit_is_a_setting(office, report, settings):
    settings.TRACKER_MAX_IMAGE_PIXELS = 100 * 100
    with pytest.raises(DomainError) as exc:
        attachment_add(user=office, report=report, file=upload("big.jpg", jpeg_with_exif((200, 200))))
    assert exc.value.code == "too_many_pixels"
    assert attachment_add(user=office, report=report, file=upload("ok.jpg", jpeg_with_exif((100, 100))))


def test_it_refuses_a_file_over_the_upload_limit_naming_the_limit(office, report, settings):
    settings.TRACKER_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(DomainError) as exc:
        attachment_add(user=office, report=report, file=upload("minutes.pdf", b"%PDF-" + b"x" * 1000))
    assert exc.value.code == "too_large"
    assert "1000" in exc.value.messages[0] or "1.0" in exc.value.messages[0]


def test_a_document_is_kept_as_sent(office, problem):
    data = b"%PDF-1.7\n" + b"meeting minutes" * 10
    doc = attachment_add(user=office, problem=problem, file=upload("会议纪要.pdf", data))
    assert (doc.kind, doc.content_type, doc.size, doc.width) == (AttachmentKind.DOCUMENT, "application/pdf",
                                                                len(data), None)
    assert not doc.thumbnail
    with default_storage.open(doc.file.name, "rb") as fh:
        assert fh.read() == data
    assert doc.project == problem.project and doc.report is None


def test_an_attachment_needs_exactly_one_owner(office, report, problem):
    for owners in ({}, {"report": report, "problem": problem}):
        with pytest.raises(DomainError):
            attachment_add(user=office, file=upload("a.pdf", b"%PDF-1"), **owners)


# Who may attach -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona, on_report, on_problem", [
    ("office", True, True),
    ("reporter", True, True),   # its unit leads the project
    ("outsider", False, True),  # another unit: only on the problem its unit is responsible for
    ("leader_user", False, False),
    ("auditor", False, False),
])
def test_who_may_attach(request, report, problem, persona, on_report, on_problem):
    user = request.getfixturevalue(persona)
    for owner, allowed in (({"report": report}, on_report), ({"problem": problem}, on_problem)):
        if allowed:
            assert attachment_add(user=user, file=upload("a.pdf", b"%PDF-1"), **owner).uploaded_by == user
        else:
            with pytest.raises(NotAllowed):
                attachment_add(user=user, file=upload("a.pdf", b"%PDF-1"), **owner)


def test_deleting_an_attachment_removes_its_files(office, report, media_root, django_capture_on_commit_callbacks):
    photo = attachment_add(user=office, report=report, file=upload("a.jpg", jpeg_with_exif()))
    paths = [media_root / photo.file.name, media_root / photo.thumbnail.name]
    assert all(p.is_file() for p in paths)
    with django_capture_on_commit_callbacks(execute=True):
        attachment_delete(attachment=photo, user=office)
    assert not any(p.exists() for p in paths)
    assert Attachment.objects.count() == 0


# Who may read: the media view ---------------------------------------------------------------------


@pytest.fixture
def photo(office, report):
    return attachment_add(user=office, report=report, file=upload("a.jpg", jpeg_with_exif()))


def test_anonymous_readers_are_sent_to_the_login(client, photo):
    response = client.get(reverse("attachment_file", args=[photo.pk]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_account_without_a_role_is_refused(client, photo, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", is_staff=True))
    assert client.get(reverse("attachment_file", args=[photo.pk])).status_code == 403
    assert client.get(reverse("attachment_thumbnail", args=[photo.pk])).status_code == 403


@pytest.mark.parametrize("persona", ["office", "reporter", "outsider", "leader_user", "auditor"])
def test_every_role_reads_photos_with_safe_headers(request, client, photo, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("attachment_file", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")
    body = b"".join(response.streaming_content)
    with default_storage.open(photo.file.name, "rb") as fh:
        assert body == fh.read()
    thumb = client.get(reverse("attachment_thumbnail", args=[photo.pk]))
    assert thumb.status_code == 200 and Image.open(io.BytesIO(b"".join(thumb.streaming_content))).format == "JPEG"


def test_a_document_is_always_a_download(client, office, problem):
    doc = attachment_add(user=office, problem=problem, file=upload("会议纪要.pdf", b"%PDF-1.7"))
    client.force_login(office)
    response = client.get(reverse("attachment_file", args=[doc.pk]))
    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81.pdf"
    assert client.get(reverse("attachment_thumbnail", args=[doc.pk])).status_code == 404


def test_media_are_not_served_from_a_public_url(client, photo, settings):
    client.logout()
    assert client.get("/media/" + photo.file.name).status_code == 404
    assert client.get(settings.MEDIA_URL + photo.file.name).status_code == 404
