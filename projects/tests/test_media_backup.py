"""Photos and documents are backed up beside the database and come back at a restore; a damaged or
foreign media archive is refused before anything is written."""

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.media_backup import MediaBackupError, check_media_archive, media_backup, media_restore
from projects.models import MonthlyReport
from projects.services.attachments import attachment_add
from projects.tests import scratchdb
from projects.tests.test_attachments import jpeg_with_exif


@pytest.fixture
def stored(office, project, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    report = MonthlyReport.objects.create(project=project, year=2013, month=10, completed_ytd=50)
    photo = attachment_add(user=office, report=report, file=SimpleUploadedFile("a.jpg", jpeg_with_exif()))
    doc = attachment_add(user=office, report=report, file=SimpleUploadedFile("b.pdf", b"%PDF-1.7 minutes"))
    names = [photo.file.name, photo.thumbnail.name, doc.file.name]
    return {name: default_storage.open(name, "rb").read() for name in names}


def test_the_archive_holds_every_stored_file_and_a_manifest(stored, tmp_path):
    path, count = media_backup(tmp_path / "tracker.sqlite3.media.tar")
    assert count == 3
    with tarfile.open(path) as tar:
        assert sorted(tar.getnames()) == sorted([*stored, "MANIFEST.json"])
        manifest = json.loads(tar.extractfile("MANIFEST.json").read())["files"]
    assert {name: entry["size"] for name, entry in manifest.items()} == {n: len(d) for n, d in stored.items()}
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_restore_brings_back_lost_files_byte_for_byte(stored, tmp_path):
    path, _ = media_backup(tmp_path / "m.tar")
    for name in stored:
        default_storage.delete(name)
    assert media_restore(path) == 3
    for name, data in stored.items():
        with default_storage.open(name, "rb") as fh:
            assert fh.read() == data


def _rewrite(source, target, change):
    with tarfile.open(source) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(target, "w") as tar:
        for member, data in change(members):
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return target


def test_damaged_or_foreign_archives_are_refused_and_nothing_is_written(stored, tmp_path):
    good, _ = media_backup(tmp_path / "m.tar")
    flipped = _rewrite(good, tmp_path / "flipped.tar", lambda ms: [
        (m, d[:-1] + bytes([d[-1] ^ 1]) if m.name.endswith(".pdf") else d) for m, d in ms])
    evil = _rewrite(good, tmp_path / "evil.tar", lambda ms: [
        (m, json.dumps({"files": {"../../etc/x": {"size": 1, "sha256": ""}}}).encode()) if m.name == "MANIFEST.json"
        else (m, d) for m, d in ms] + [(tarfile.TarInfo("../../etc/x"), b"x")])
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(good.read_bytes()[:700])
    notes = tmp_path / "notes.tar"
    notes.write_text("这不是备份")
    for name in stored:
        default_storage.delete(name)
    for bad, reason in [(flipped, "damaged"), (evil, "manifest lists"), (truncated, ""), (notes, ""),
                        (tmp_path / "missing.tar", "does not exist")]:
        with pytest.raises(MediaBackupError) as exc:
            media_restore(bad)
        assert reason in str(exc.value)
    assert not any(default_storage.exists(name) for name in stored)


def test_a_missing_stored_file_fails_the_backup(stored, tmp_path):
    default_storage.delete(next(iter(stored)))
    with pytest.raises(MediaBackupError):
        media_backup(tmp_path / "m.tar")
    assert not Path(tmp_path / "m.tar").exists() and not Path(tmp_path / "m.tar.part").exists()


def test_backup_and_restore_commands_carry_the_media(tmp_path):
    """manage.py backup writes <file>.media.tar; manage.py restore puts the files back (SQLite)."""
    populate = "from projects.tests.dbdump import populate_every_model; populate_every_model()"
    names = "from projects.media_backup import stored_names; print('NAMES', stored_names())"
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    with scratchdb.scratch_database("sqlite", tmp_path / "a", "source") as source, \
            scratchdb.scratch_database("sqlite", tmp_path / "b", "target") as target:
        scratchdb.manage("migrate", "-v0", url=source)
        scratchdb.shell(populate, url=source)
        name = eval(scratchdb.shell(names, url=source).stdout.split("NAMES", 1)[1])[0]
        file = Path(scratchdb.MEDIA_ROOT) / name
        data = file.read_bytes()
        result = scratchdb.manage("backup", "--output", str(tmp_path / "t.sqlite3"), url=source)
        assert result.stdout.strip() == str(tmp_path / "t.sqlite3")
        assert f"{tmp_path / 't.sqlite3.media.tar'} (1 files)" in result.stderr
        file.unlink()
        out = scratchdb.manage("restore", str(tmp_path / "t.sqlite3"), "--yes", "--no-safety-backup",
                               url=target).stdout
        assert "Restored 1 media files" in out
        assert file.read_bytes() == data
