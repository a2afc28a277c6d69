"""Backup manifests (SHA-256 of every file, checked before a restore), no leftover safety dumps from
failed restores, pruning of old backups, and the hook for extra files (media)."""

import json
import os
import sqlite3
import time

import pytest

from projects import backup
from projects.tests import scratchdb

templates = pytest.fixture(scope="module")(scratchdb.templates_fixture)


@pytest.fixture(params=scratchdb.backends())
def backend(request):
    return request.param


def change_a_text_value(path):
    """Change three bytes inside a stored text value (SQLite: a unit's name in the file; a pg_dump
    archive is compressed: the last byte of its data)."""
    data = bytearray(path.read_bytes())
    needle = "改革委员会".encode()  # the unit's English-less Chinese long name (not indexed)
    position = data.find(needle)
    if position >= 0:
        data[position:position + 3] = "变".encode()
    else:
        data[-1] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_changed_byte_refuses_the_restore_and_changes_nothing(backend, templates, tmp_path):
    suffix = ".sqlite3" if backend == "sqlite" else ".dump"
    with templates.migrated(backend, "manifest") as live:
        scratchdb.shell("from projects.models import Unit; Unit.objects.create(name='解放区发改委', name_en='解放区发展和改革委员会')", url=live)
        path = tmp_path / f"tracker{suffix}"
        scratchdb.manage("backup", "--output", str(path), url=live)
        manifest = json.loads((tmp_path / f"tracker{suffix}.manifest.json").read_text())
        assert manifest["format"] == "tracker-backup-manifest/1" and manifest["database"] == backend
        entry, media = manifest["files"]
        assert (media["role"], media["name"]) == ("media", f"tracker{suffix}.media.tar")
        assert media["sha256"] == backup.file_sha256(tmp_path / media["name"])
        assert (entry["name"], entry["role"], entry["bytes"]) == (path.name, "database", path.stat().st_size)
        assert entry["sha256"] == backup.file_sha256(path) and len(entry["sha256"]) == 64

        before = scratchdb.run_and_dump("from projects.models import Unit; Unit.objects.create(name='之后')", url=live)
        change_a_text_value(path)
        result = scratchdb.manage("restore", str(path), "--yes", "--safety-dir", str(tmp_path / "safety"),
                                  url=live, check=False)
        assert result.returncode == 1
        assert "changed since the backup was made" in result.stderr and "nothing was restored" in result.stderr
        assert scratchdb.dump(live) == before
        assert not (tmp_path / "safety").exists()
        # The refusal is an audit event (a JSON line of tracker.audit on stderr, and in audit.log).
        [refused] = [event for event in audit_lines(result.stderr) if event["event"] == "backup.restore_refused"]
        assert refused["path"] == str(path) and "changed since the backup was made" in refused["reason"]
        assert refused["logger"] == "tracker.audit"


def audit_lines(stderr):
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{") and '"event"' in line]


def test_a_changed_media_archive_refuses_the_restore_as_an_audit_event(templates, tmp_path):
    with templates.migrated("sqlite", "mediatamper") as live:
        path = tmp_path / "tracker.sqlite3"
        scratchdb.manage("backup", "--output", str(path), url=live)
        media = tmp_path / "tracker.sqlite3.media.tar"
        media.write_bytes(media.read_bytes() + b"\0" * 512)
        result = scratchdb.manage("restore", str(path), "--yes", "--no-safety-backup", url=live, check=False)
        assert result.returncode == 1, result.stdout + result.stderr
        [refused] = [event for event in audit_lines(result.stderr) if event["event"] == "backup.restore_refused"]
        assert (refused["path"], refused["media"]) == (str(path), str(media))
        assert not [event for event in audit_lines(result.stderr) if event["event"] == "backup.restored"]


def test_a_backup_without_manifest_is_refused_unless_asked(templates, tmp_path):
    with templates.migrated("sqlite", "nomanifest") as live:
        path = tmp_path / "old.sqlite3"
        scratchdb.manage("backup", "--output", str(path), url=live)
        (tmp_path / "old.sqlite3.manifest.json").unlink()
        result = scratchdb.manage("restore", str(path), "--yes", url=live, check=False)
        assert result.returncode == 1 and "has no manifest" in result.stderr
        result = scratchdb.manage("restore", str(path), "--yes", "--without-manifest", "--no-safety-backup", url=live)
        assert "Restored" in result.stdout


@pytest.fixture
def scratch_alias(templates, tmp_path, settings, monkeypatch):
    """An in-process database alias 'scratch' on a migrated SQLite file, and backups under tmp_path."""
    from django.conf import settings as django_settings

    url = templates.sqlite(tmp_path / "live.sqlite3")
    monkeypatch.setitem(django_settings.DATABASES, "scratch", {
        **django_settings.DATABASES["default"], "ENGINE": "django.db.backends.sqlite3",
        "NAME": url.removeprefix("sqlite:///"), "OPTIONS": {}, "TEST": {}})
    settings.TRACKER_BACKUP_DIR = tmp_path / "backups"
    return tmp_path


def test_a_failed_restore_leaves_no_pre_restore_dump(scratch_alias, monkeypatch):
    good = backup.backup(alias="scratch")

    def fails(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(backup, "sqlite_restore", fails)
    for _ in range(3):
        with pytest.raises(backup.BackupError, match="the database is unchanged"):
            backup.restore(good, alias="scratch")
    names = sorted(p.name for p in (scratch_alias / "backups").iterdir() if p.name != ".gitignore")
    assert names == [good.name, good.name + ".manifest.json"]


def test_a_restore_that_damaged_the_database_keeps_the_safety_dump(scratch_alias, monkeypatch):
    good = backup.backup(alias="scratch")

    def damages(*args, **kwargs):
        raise backup.BackupError("The restored database failed its integrity check: page 3")

    monkeypatch.setattr(backup, "sqlite_restore", damages)
    with pytest.raises(backup.BackupError):
        backup.restore(good, alias="scratch")
    assert len(list((scratch_alias / "backups").glob("pre-restore-*.sqlite3"))) == 1


def test_old_backups_are_pruned_keeping_the_newest(tmp_path, settings):
    settings.TRACKER_BACKUP_KEEP, settings.TRACKER_BACKUP_KEEP_DAYS = 2, 30
    now = time.time()
    ages = {"tracker-a.sqlite3": 1, "tracker-b.sqlite3": 40, "tracker-c.sqlite3": 50, "tracker-d.dump": 60,
            "pre-restore-e.sqlite3": 90, "notes.sqlite3": 400, "tracker-f.txt": 400}
    for name, days in ages.items():
        path = tmp_path / name
        path.write_bytes(b"x")
        (tmp_path / (name + ".manifest.json")).write_text("{}")
        os.utime(path, (now - days * 86400, now - days * 86400))
    deleted = backup.prune_backups(tmp_path)
    # The two newest tracker-* stay whatever their age; older than 30 days go with their manifests;
    # the newest pre-restore dump stays; files not named like backups are never touched.
    assert sorted(p.name for p in deleted) == ["tracker-c.sqlite3", "tracker-d.dump"]
    remaining = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".manifest.json"))
    assert remaining == ["notes.sqlite3", "pre-restore-e.sqlite3", "tracker-a.sqlite3", "tracker-b.sqlite3",
                         "tracker-f.txt"]
    assert not (tmp_path / "tracker-c.sqlite3.manifest.json").exists()


def test_extra_parts_are_in_the_manifest_checked_and_restored(scratch_alias, monkeypatch):
    restored = []

    def save(backup_path):
        media = backup_path.with_name(backup_path.name + ".media.tar")
        media.write_bytes(b"photo bytes")
        return [media]

    monkeypatch.setattr(backup, "EXTRA_PARTS", [])
    backup.register_backup_part("media", save, lambda paths: restored.extend(paths))
    path = backup.backup(alias="scratch")
    manifest = json.loads(backup.manifest_path(path).read_text())
    assert [(f["role"], f["name"]) for f in manifest["files"]] == [("database", path.name),
                                                                    ("media", path.name + ".media.tar")]
    media = path.with_name(path.name + ".media.tar")
    media.write_bytes(b"photo bytez")
    with pytest.raises(backup.BackupError, match="media.tar changed since the backup"):
        backup.restore(path, alias="scratch", safety_backup=False)
    assert restored == []
    media.write_bytes(b"photo bytes")
    backup.restore(path, alias="scratch", safety_backup=False)
    assert restored == [media.resolve()]
