"""Backup and restore of the uploaded photos and documents, beside the database backup.

`manage.py backup` writes, next to the database file, `<file>.media.tar`: every stored file of
every Attachment (the file and its thumbnail), read through Django's storage API (so from local
MEDIA_ROOT or from the S3 bucket alike), and `MANIFEST.json` listing each name with its size and
SHA-256. `manage.py restore` checks that archive first (every member listed, sizes and hashes
right, names inside attachments/) and then writes the files back through the storage API.

Kept apart from projects/backup.py (the database, helper prod's module) so each can change alone."""

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path, PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

MANIFEST = "MANIFEST.json"
PREFIX = "attachments/"


class MediaBackupError(Exception):
    """A media archive that cannot be written or restored; storage has not been touched."""


def media_archive_path(database_backup):
    """Where the media of a database backup go: `<backup file>.media.tar`."""
    return Path(f"{database_backup}.media.tar")


def stored_names():
    """Names of every file the database refers to, in a stable order."""
    from projects.models import Attachment

    names = set()
    for file, thumbnail in Attachment.objects.values_list("file", "thumbnail"):
        names.update(n for n in (file, thumbnail) if n)
    return sorted(names)


def media_backup(target):
    """Write the media archive `target`; returns (path, number of files). Missing files are an error:
    a backup that silently lacks photos would be found out only at the restore."""
    target = Path(target)
    tmp = target.with_name(target.name + ".part")
    manifest = {}
    try:
        with tarfile.open(tmp, "w") as tar:
            for name in stored_names():
                try:
                    with default_storage.open(name, "rb") as fh:
                        data = fh.read()
                except (FileNotFoundError, OSError) as exc:
                    raise MediaBackupError(f"Stored file {name} cannot be read: {exc}") from None
                manifest[name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            body = json.dumps({"files": manifest}, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target, len(manifest)


def _safe_name(name):
    path = PurePosixPath(name)
    return name.startswith(PREFIX) and not path.is_absolute() and ".." not in path.parts


def check_media_archive(path):
    """The archive's files {name: bytes} after every check; raises MediaBackupError."""
    path = Path(path)
    if not path.is_file():
        raise MediaBackupError(f"{path} does not exist.")
    try:
        with tarfile.open(path, "r:") as tar:
            members = {m.name: m for m in tar.getmembers()}
            if MANIFEST not in members:
                raise MediaBackupError(f"{path} is not a media backup of the tracker (no {MANIFEST}).")
            manifest = json.loads(tar.extractfile(members.pop(MANIFEST)).read())["files"]
            if set(manifest) != set(members):
                raise MediaBackupError(f"{path} does not hold exactly the files its manifest lists.")
            files = {}
            for name, member in members.items():
                if not member.isfile() or not _safe_name(name):
                    raise MediaBackupError(f"{path} holds an unexpected entry: {name}")
                data = tar.extractfile(member).read()
                expected = manifest[name]
                if len(data) != expected["size"] or hashlib.sha256(data).hexdigest() != expected["sha256"]:
                    raise MediaBackupError(f"{name} in {path} is damaged (its SHA-256 differs from the manifest).")
                files[name] = data
    except (tarfile.TarError, ValueError, KeyError, EOFError) as exc:
        raise MediaBackupError(f"{path} is not a readable media backup: {exc}") from None
    return files


def media_restore(path):
    """Write every file of the checked archive back to storage under its own name; returns the count."""
    files = check_media_archive(path)
    for name, data in files.items():
        if default_storage.exists(name):
            default_storage.delete(name)
        saved = default_storage.save(name, ContentFile(data))
        if saved != name:
            raise MediaBackupError(f"The storage saved {name} as {saved}.")
    return len(files)
