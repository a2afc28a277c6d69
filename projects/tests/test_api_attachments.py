"""Photos and documents through the API: multipart upload, download, role table, errors, query counts.

office    uploads and deletes anywhere
reporter  uploads to its unit's projects only (403 elsewhere)
leader, auditor  list and download; uploading is 403
anonymous 401
"""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from projects.models import Attachment, MonthlyReport
from projects.services.attachments import attachment_add
from projects.tests.api_utils import api, fast_passwords, results, users, world  # noqa: F401
from projects.tests.test_attachments import jpeg_with_exif, media_root, mpo_bytes  # noqa: F401

URL = "/api/attachments/"


@pytest.fixture
def reports(world):
    own = MonthlyReport.objects.create(project=world.project, year=2013, month=10, completed_ytd=Decimal("62000"))
    other = MonthlyReport.objects.create(project=world.other_project, year=2013, month=10,
                                         completed_ytd=Decimal("1000"))
    return own, other


def post(api, report, name="site.jpg", data=None, **extra):
    data = jpeg_with_exif() if data is None else data
    return api.post(URL, {"report": report.pk, "file": SimpleUploadedFile(name, data), "caption": "基坑开挖",
                          **extra}, format="multipart")


@pytest.mark.parametrize("role, own_status, other_status", [
    ("office", 201, 201),
    ("reporter", 201, 403),
    ("leader", 403, 403),
    ("auditor", 403, 403),
])
def test_who_may_upload(api, world, reports, role, own_status, other_status):
    api.force_authenticate(world.users[role])
    own, other = reports
    assert post(api, own).status_code == own_status
    response = post(api, other)
    assert response.status_code == other_status
    if other_status == 403:
        assert response.json()["code"] == ("wrong_unit" if role == "reporter" else "permission_denied")
    assert Attachment.objects.count() == (own_status == 201) + (other_status == 201)


def test_an_upload_answers_with_the_stored_photo_and_its_links(api, world, reports):
    api.force_authenticate(world.users["reporter"])
    response = post(api, reports[0])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["project"], body["report"], body["problem"]) == (world.project.pk, reports[0].pk, None)
    assert (body["kind"], body["kind_display"], body["caption"]) == ("photo", "照片", "基坑开挖")
    assert (body["original_name"], body["content_type"], body["width"], body["height"]) == (
        "site.jpg", "image/jpeg", 400, 300)
    assert body["uploaded_by"] == world.users["reporter"].pk
    assert body["download_url"].endswith(f"/api/attachments/{body['id']}/download/")
    assert body["thumbnail_url"].endswith(f"/api/attachments/{body['id']}/thumbnail/")
    assert "file" not in body

    api.force_authenticate(world.users["auditor"])
    download = api.get(body["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    assert download["Content-Disposition"].startswith("attachment;")
    image = Image.open(io.BytesIO(b"".join(download.streaming_content)))
    assert dict(image.getexif()) == {} and image.size == (400, 300)
    thumbnail = api.get(body["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"


def test_a_phone_jpeg_pillow_calls_mpo_is_accepted_as_a_jpeg(api, world, reports):
    api.force_authenticate(world.users["reporter"])
    response = post(api, reports[0], name="IMG_20131012.jpg", data=mpo_bytes())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["content_type"], body["width"], body["height"]) == ("image/jpeg", 400, 300)
    download = api.get(body["download_url"])
    image = Image.open(io.BytesIO(b"".join(download.streaming_content)))
    assert (image.format, image.size, dict(image.getexif())) == ("JPEG", (400, 300), {})


@pytest.mark.parametrize("name, data, field, code", [
    ("site.jpg", b"not an image", "file", "not_image"),
    ("tool.exe", b"MZ", "file", "file_type"),
])
def test_bad_files_are_400_naming_the_field(api, world, reports, name, data, field, code):
    api.force_authenticate(world.users["office"])
    response = post(api, reports[0], name=name, data=data)
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == field and body["errors"][0]["code"] == code
    assert Attachment.objects.count() == 0


def test_an_upload_needs_a_file_and_one_owner(api, world, reports):
    api.force_authenticate(world.users["office"])
    response = api.post(URL, {"report": reports[0].pk}, format="multipart")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "file"
    response = api.post(URL, {"file": SimpleUploadedFile("a.pdf", b"%PDF-1")}, format="multipart")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "report"
    response = api.post(URL, {"report": reports[0].pk, "problem": world.problem.pk,
                              "file": SimpleUploadedFile("a.pdf", b"%PDF-1")}, format="multipart")
    assert response.status_code == 400


def test_a_file_over_the_limit_is_400(api, world, reports, settings):
    settings.TRACKER_MAX_UPLOAD_BYTES = 500
    api.force_authenticate(world.users["office"])
    response = post(api, reports[0], name="big.pdf", data=b"%PDF-" + b"x" * 600)
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "too_large"


def test_anonymous_is_401(api, world, reports):
    photo = attachment_add(user=world.users["office"], report=reports[0],
                           file=SimpleUploadedFile("a.jpg", jpeg_with_exif()))
    assert api.get(URL).status_code == 401
    assert api.get(f"{URL}{photo.pk}/download/").status_code == 401
    assert post(api, reports[0]).status_code == 401


@pytest.mark.parametrize("role, own_status, other_status", [
    ("office", 204, 204), ("reporter", 204, 403), ("leader", 403, 403), ("auditor", 403, 403)])
def test_who_may_delete(api, world, reports, role, own_status, other_status):
    own, other = (attachment_add(user=world.users["office"], report=r, file=SimpleUploadedFile("a.pdf", b"%PDF-1"))
                  for r in reports)
    api.force_authenticate(world.users[role])
    assert api.delete(f"{URL}{own.pk}/").status_code == own_status
    assert api.delete(f"{URL}{other.pk}/").status_code == other_status


def test_lists_filter_by_report_month_and_kind_in_a_fixed_number_of_queries(
        api, world, reports, django_assert_max_num_queries):
    office = world.users["office"]
    for i in range(6):
        attachment_add(user=office, report=reports[i % 2], file=SimpleUploadedFile(f"{i}.jpg", jpeg_with_exif((40, 30))))
    attachment_add(user=office, problem=world.problem, file=SimpleUploadedFile("m.pdf", b"%PDF-1"))
    api.force_authenticate(world.users["leader"])
    with django_assert_max_num_queries(4):
        everything = results(api.get(URL))
    assert len(everything) == 7
    assert len(results(api.get(URL, {"report": reports[0].pk}))) == 3
    assert len(results(api.get(URL, {"project": world.project.pk}))) == 4
    assert len(results(api.get(URL, {"year": 2013, "month": 10, "kind": "photo"}))) == 6
    assert [a["original_name"] for a in results(api.get(URL, {"kind": "document"}))] == ["m.pdf"]
    assert reverse("api:attachment-list") == URL
