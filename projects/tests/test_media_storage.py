"""Where photos and documents are stored: local MEDIA_ROOT by default, an S3-compatible bucket when
TRACKER_MEDIA_STORAGE=s3 (read from the environment at start-up, so each case starts a fresh process)."""

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
