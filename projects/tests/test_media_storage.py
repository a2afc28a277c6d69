"""Where photos and documents are stored: local MEDIA_ROOT by default, an S3-compatible bucket when
TRACKER_MEDIA_STORAGE=s3 (read from the environment at start-up, so each case starts a fresh process);
and a round trip through a bucket (moto's S3): upload and download through the API, backup, restore."""

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = """
import django, json
django.setup()
from django.core.files.storage import storages
s = storages["default"]
print(json.dumps({"class": type(s).__name__, "bucket": getattr(s, "bucket_name", None),
                  "endpoint": getattr(s, "endpoint_url", None), "location": str(s.location),
                  "acl": getattr(s, "default_acl", "n/a")}))
"""


def probe(**env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    full_env.update(DJANGO_SETTINGS_MODULE="tracker.settings", **env)
    result = subprocess.run([sys.executable, "-c", PROBE], env=full_env, cwd=settings.BASE_DIR, capture_output=True,
                            text=True, timeout=60)
    return result


def test_local_storage_is_the_default():
    result = probe()
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["class"] == "FileSystemStorage"
    assert info["location"] == str(settings.BASE_DIR / "media")


def test_the_setting_selects_s3_with_its_bucket_endpoint_and_private_objects():
    result = probe(TRACKER_MEDIA_STORAGE="s3", TRACKER_S3_BUCKET="jfq-tracker",
                   TRACKER_S3_ENDPOINT_URL="https://minio.example.invalid:9000", TRACKER_S3_PREFIX="media")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info == {"class": "S3Storage", "bucket": "jfq-tracker",
                    "endpoint": "https://minio.example.invalid:9000", "location": "media", "acl": None}


def test_s3_without_a_bucket_or_an_unknown_backend_refuses_to_start():
    result = probe(TRACKER_MEDIA_STORAGE="s3")
    assert result.returncode != 0 and "TRACKER_S3_BUCKET" in result.stderr
    result = probe(TRACKER_MEDIA_STORAGE="ftp")
    assert result.returncode != 0 and "TRACKER_MEDIA_STORAGE must be local or s3" in result.stderr


# A round trip through an S3 bucket (moto's in-process S3), with the backend and options the settings
# select for TRACKER_MEDIA_STORAGE=s3 ----------------------------------------------------------------

import io  # noqa: E402
import runpy  # noqa: E402
import tarfile  # noqa: E402

import pytest  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from PIL import Image  # noqa: E402

from projects.tests.api_utils import api, fast_passwords, users, world  # noqa: E402,F401

BUCKET = "jfq-tracker"


@pytest.fixture
def s3(monkeypatch, settings):
    """An empty private bucket, and STORAGES["default"] as tracker/settings.py builds it from the
    environment of an S3 deployment (credentials for moto only)."""
    import boto3
    from moto import mock_aws

    for name in [n for n in os.environ if n.startswith(("TRACKER_", "AWS_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("TRACKER_MEDIA_STORAGE", "s3")
    monkeypatch.setenv("TRACKER_S3_BUCKET", BUCKET)
    monkeypatch.setenv("TRACKER_S3_REGION", "us-east-1")
    monkeypatch.setenv("TRACKER_S3_ACCESS_KEY_ID", "moto-key")
    monkeypatch.setenv("TRACKER_S3_SECRET_ACCESS_KEY", "moto-secret")
    selected = runpy.run_path(str(settings.BASE_DIR / "tracker" / "settings.py"))["STORAGES"]["default"]
    assert selected["BACKEND"] == "storages.backends.s3.S3Storage"
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="moto-key",
                              aws_secret_access_key="moto-secret")
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {**settings.STORAGES, "default": selected}
        yield client


def objects(client):
    return {o["Key"]: client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()
            for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_photos_go_to_the_bucket_come_back_through_the_api_and_are_backed_up(s3, api, world, tmp_path):
    from projects.media_backup import media_backup, media_restore
    from projects.models import MonthlyReport
    from projects.tests.test_attachments import jpeg_with_exif

    report = MonthlyReport.objects.create(project=world.project, year=2013, month=10, completed_ytd=62000)
    api.force_authenticate(world.users["reporter"])
    response = api.post("/api/attachments/", {"report": report.pk, "caption": "基坑开挖",
                                              "file": SimpleUploadedFile("IMG_0001.JPG", jpeg_with_exif())},
                        format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()

    # Two private objects under the prefix: the photo and its thumbnail; nothing on disk.
    stored = objects(s3)
    assert len(stored) == 2 and all(key.startswith("tracker/attachments/") for key in stored)
    for key in stored:
        grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
        assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # the owner only: not public-read
        assert all("URI" not in g["Grantee"] for g in grants)

    # Read back through the API, as the auditor: the bucket's bytes, a JPEG without EXIF.
    api.force_authenticate(world.users["auditor"])
    download = api.get(body["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    data = b"".join(download.streaming_content)
    assert data in stored.values()
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size, dict(image.getexif())) == ("JPEG", (400, 300), {})

    # The backup reads both objects from the bucket; the restore puts them back byte for byte.
    path, count = media_backup(tmp_path / "tracker.sqlite3.media.tar")
    assert count == 2
    with tarfile.open(path) as tar:
        assert sorted(tar.getnames()) == sorted([key.removeprefix("tracker/") for key in stored] + ["MANIFEST.json"])
    for key in stored:
        s3.delete_object(Bucket=BUCKET, Key=key)
    assert objects(s3) == {} and api.get(body["download_url"]).status_code == 404
    assert media_restore(path) == 2
    assert objects(s3) == stored
    assert all(len(s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]) == 1 for key in stored)  # private again
    again = api.get(body["download_url"])
    assert again.status_code == 200 and b"".join(again.streaming_content) == data
