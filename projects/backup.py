"""Backup and restore of the tracker's database, and a canonical dump to compare two databases.

SQLite: an online backup through the SQLite backup API (a consistent snapshot taken while the app
keeps running), restored through the same API in the other direction. PostgreSQL: pg_dump in the
custom format, restored with pg_restore in a single transaction. See docs/backup.md.

Each backup is written with a manifest (`<backup>.manifest.json`): the SHA-256 and size of every file
of the backup (the database file, and the files of any extra part registered with
`register_backup_part`, e.g. uploaded media). A restore checks the file first (right kind, intact,
made by this application, not by a newer version of it), then every checksum of the manifest: one
changed byte refuses the restore with nothing changed. It keeps a safety backup of the database it
is about to overwrite, deleted again when the restore fails with the database unchanged. After
each backup, old backups are pruned (TRACKER_BACKUP_KEEP, TRACKER_BACKUP_KEEP_DAYS)."""

import datetime
import getpass
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader

SQLITE_HEADER = b"SQLite format 3\x00"
PG_CUSTOM_HEADER = b"PGDMP"
# Tables every backup of the tracker holds; a file without them is not a tracker backup.
REQUIRED_TABLES = ("django_migrations", "projects_project", "projects_monthlyreport")
SQLITE_TIMEOUT = 20


class BackupError(Exception):
    """A backup or restore that cannot be done; the database has not been touched."""


MANIFEST_FORMAT = "tracker-backup-manifest/1"
MANIFEST_SUFFIX = ".manifest.json"
BACKUP_PREFIXES = ("tracker-", "pre-restore-")
BACKUP_SUFFIXES = (".sqlite3", ".dump")

logger = logging.getLogger("tracker.backup")


# --- Extra parts (e.g. uploaded media) ------------------------------------------------------------

class BackupPart:
    """Files that belong to a backup besides the database. `save(backup_path)` writes them next to
    the database file and returns their paths (they go into the manifest, checked before any restore);
    `restore(paths)` puts them back after the database was restored; `role` names them in the manifest."""

    def __init__(self, role, save, restore):
        self.role, self.save, self.restore = role, save, restore


EXTRA_PARTS = []


def register_backup_part(role, save, restore):
    """Add a part to every backup from now on (e.g. helper `photos`: the media files)."""
    EXTRA_PARTS[:] = [part for part in EXTRA_PARTS if part.role != role] + [BackupPart(role, save, restore)]


# --- Manifest ------------------------------------------------------------------------------------

def manifest_path(backup_path):
    backup_path = Path(backup_path)
    return backup_path.with_name(backup_path.name + MANIFEST_SUFFIX)


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(backup_path, kind, extra=()):
    """Write `<backup>.manifest.json`: the database file and each (role, path) of `extra`, with their
    SHA-256 and size; names are relative to the backup's folder."""
    backup_path = Path(backup_path)
    files = [("database", backup_path), *extra]
    manifest = {
        "format": MANIFEST_FORMAT,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "database": kind,
        "files": [{"name": os.path.relpath(path, backup_path.parent), "role": role,
                   "sha256": file_sha256(path), "bytes": Path(path).stat().st_size} for role, path in files],
    }
    target = manifest_path(backup_path)
    tmp = target.with_name(target.name + ".part")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _finish_file(tmp, target)
    return target


def read_manifest(backup_path):
    path = manifest_path(backup_path)
    if not path.is_file():
        raise BackupError(f"{backup_path} has no manifest ({path.name}): its checksums cannot be verified; "
                          "nothing was restored. (A backup made before manifests existed: restore it with "
                          "--without-manifest.)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        assert manifest["format"] == MANIFEST_FORMAT and isinstance(manifest["files"], list)
    except (ValueError, KeyError, AssertionError, TypeError):
        raise BackupError(f"{path} is not a backup manifest of the tracker; nothing was restored.") from None
    return manifest


def verify_manifest(backup_path):
    """Check every file of the manifest (size and SHA-256); returns [(role, path)] of the extra parts."""
    backup_path = Path(backup_path)
    manifest = read_manifest(backup_path)
    names = [entry.get("name") for entry in manifest["files"] if entry.get("role") == "database"]
    if names != [backup_path.name]:
        raise BackupError(f"The manifest of {backup_path} describes another database file ({names}); "
                          "nothing was restored.")
    extra = []
    for entry in manifest["files"]:
        path = (backup_path.parent / entry["name"]).resolve()
        if backup_path.parent.resolve() not in path.parents:
            raise BackupError(f"The manifest names a file outside the backup's folder: {entry['name']}; "
                              "nothing was restored.")
        if not path.is_file():
            raise BackupError(f"{entry['name']} of the backup is missing; nothing was restored.")
        size, digest = path.stat().st_size, file_sha256(path)
        if size != entry["bytes"] or digest != entry["sha256"]:
            raise BackupError(f"{entry['name']} changed since the backup was made (SHA-256 {digest}, the manifest "
                              f"says {entry['sha256']}); nothing was restored.")
        if entry["role"] != "database":
            extra.append((entry["role"], path))
    return extra


# --- Retention -----------------------------------------------------------------------------------

def is_backup_file(path):
    return path.is_file() and path.name.startswith(BACKUP_PREFIXES) and path.name.endswith(BACKUP_SUFFIXES)


def delete_backup(path):
    """Delete a backup, its manifest and the extra files the manifest lists."""
    path = Path(path)
    try:
        manifest = read_manifest(path)
        for entry in manifest["files"]:
            extra = (path.parent / entry["name"]).resolve()
            if extra != path.resolve() and path.parent.resolve() in extra.parents:
                extra.unlink(missing_ok=True)
    except BackupError:
        pass
    manifest_path(path).unlink(missing_ok=True)
    path.unlink(missing_ok=True)


def prune_backups(directory=None, keep=None, keep_days=None, now=None):
    """Delete the backups (tracker-* and pre-restore-*) in `directory` older than keep_days, always
    keeping the `keep` newest of each kind. Returns the deleted paths."""
    directory = Path(directory or default_backup_dir())
    keep = settings.TRACKER_BACKUP_KEEP if keep is None else keep
    keep_days = settings.TRACKER_BACKUP_KEEP_DAYS if keep_days is None else keep_days
    now = now or datetime.datetime.now().timestamp()
    deleted = []
    if not directory.is_dir():
        return deleted
    for prefix in BACKUP_PREFIXES:
        backups = sorted((p for p in directory.iterdir() if is_backup_file(p) and p.name.startswith(prefix)),
                         key=lambda p: p.stat().st_mtime, reverse=True)
        for path in backups[keep:]:
            if now - path.stat().st_mtime > keep_days * 86400:
                delete_backup(path)
                deleted.append(path)
    return deleted


def database_settings(alias="default"):
    return settings.DATABASES[alias]


def engine_kind(alias="default"):
    engine = database_settings(alias)["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return "sqlite"
    if engine in ("django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis"):
        return "postgresql"
    raise BackupError(f"Backups are supported on SQLite and PostgreSQL, not on {engine}.")


def default_backup_dir():
    return Path(getattr(settings, "TRACKER_BACKUP_DIR", None) or Path(settings.BASE_DIR) / "backups")



def ensure_private_dir(directory):
    """Create the directory for backups (they hold password hashes: owner only) and keep it out of git.
    A folder this user may not make or write is a BackupError that says how to make it."""
    directory = Path(directory)
    created = not directory.exists()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        why = None if os.access(directory, os.W_OK | os.X_OK) else "it is not writable"
    except OSError as exc:
        why = f"it cannot be created ({exc.strerror or exc})"
    if why:
        try:
            user = getpass.getuser()
        except Exception:  # no name for this uid
            user = str(os.getuid())
        raise BackupError(f"The backup folder {directory} cannot be used by the user {user}: {why}. Make it once "
                          f"for that user (as root: install -d -o {user} -m 700 {directory}) or set "
                          "TRACKER_BACKUP_DIR to a folder it may write.")
    if created:
        directory.chmod(0o700)
        if directory.resolve() == default_backup_dir().resolve():
            (directory / ".gitignore").write_text("*\n")
    return directory


def timestamped_path(directory, kind, prefix="tracker"):
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    suffix = ".sqlite3" if kind == "sqlite" else ".dump"
    return Path(directory) / f"{prefix}-{stamp}{suffix}"


def _finish_file(tmp, target):
    """Make a fully written temporary file the target, atomically and durably."""
    os.chmod(tmp, 0o600)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)


# --- SQLite -------------------------------------------------------------------------------------

def sqlite_path(alias="default"):
    name = str(database_settings(alias)["NAME"])
    if name == ":memory:" or name.startswith("file:") and "mode=memory" in name:
        raise BackupError("The configured SQLite database is in memory; there is no file to back up or restore.")
    return Path(name)


def sqlite_backup(db_path, target):
    """Copy a live SQLite database into `target` with the backup API (one step: a consistent snapshot)."""
    db_path, target = Path(db_path), Path(target)
    if not db_path.is_file():
        raise BackupError(f"The database file {db_path} does not exist.")
    tmp = target.with_name(target.name + ".part")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(db_path, timeout=SQLITE_TIMEOUT)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            # A backup is one self-contained file, not a WAL database with side files.
            dst.execute("PRAGMA journal_mode=DELETE")
            result = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    if result != "ok":
        tmp.unlink(missing_ok=True)
        raise BackupError(f"The backup copy failed its integrity check: {result}")
    _finish_file(tmp, target)
    return target


def _open_sqlite_readonly(path):
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=SQLITE_TIMEOUT)


def check_sqlite_backup(path):
    """Check that `path` is an intact SQLite backup of the tracker; return its applied migrations."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file; nothing was restored.")
    with open(path, "rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        hint = " (it is a PostgreSQL pg_dump archive)" if header.startswith(PG_CUSTOM_HEADER) else ""
        raise BackupError(f"{path} is not an SQLite database file{hint}; nothing was restored.")
    try:
        conn = _open_sqlite_readonly(path)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise BackupError(f"{path} is damaged (integrity check: {result}); nothing was restored.")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [t for t in REQUIRED_TABLES if t not in tables]
            if missing:
                raise BackupError(f"{path} is not a backup of the tracker (no table {', '.join(missing)}); "
                                  "nothing was restored.")
            migrations = {(app, name) for app, name in conn.execute("SELECT app, name FROM django_migrations")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read as an SQLite database ({exc}); nothing was restored.") from None
    return migrations


def sqlite_restore(backup_path, db_path):
    """Replace the content of `db_path` with the backup, atomically (one backup step in one transaction)."""
    connections.close_all()
    src = _open_sqlite_readonly(backup_path)
    try:
        dst = sqlite3.connect(db_path, timeout=SQLITE_TIMEOUT)
        try:
            src.backup(dst)
            result = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    connections.close_all()
    if result != "ok":
        raise BackupError(f"The restored database failed its integrity check: {result}")


# --- PostgreSQL ---------------------------------------------------------------------------------

def pg_tool(name):
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not on PATH. Install the PostgreSQL client tools "
                          f"(Debian: apt-get install postgresql-client) in the server's major version.")
    return path


def pg_connection(alias="default"):
    """Command-line arguments and environment for the PostgreSQL tools, from Django's settings.
    The password goes through PGPASSWORD, never on the command line; the tools never prompt."""
    db = database_settings(alias)
    args = ["--no-password"]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"),
                             ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY"), ("passfile", "PGPASSFILE")):
        if options.get(option):
            env[variable] = str(options[option])
    return args, env, str(db["NAME"])


def _run(command, env):
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed (exit {result.returncode}): "
                          f"{result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def pg_backup(target, alias="default"):
    target = Path(target)
    pg_dump = pg_tool("pg_dump")
    args, env, name = pg_connection(alias)
    tmp = target.with_name(target.name + ".part")
    tmp.unlink(missing_ok=True)
    try:
        _run([pg_dump, "--format=custom", "--file", str(tmp), *args, "--dbname", name], env)
        pg_archive_listing(tmp)  # the archive reads back
    except BackupError:
        tmp.unlink(missing_ok=True)
        raise
    _finish_file(tmp, target)
    return target


def pg_archive_listing(path):
    """The table of contents of a custom-format archive (pg_restore --list); fails on anything else."""
    try:
        return _run([pg_tool("pg_restore"), "--list", str(path)], dict(os.environ))
    except BackupError as exc:
        raise BackupError(f"{path} cannot be read by pg_restore ({exc})") from None


def check_pg_backup(path):
    """Check that `path` is a pg_dump custom-format archive of the tracker; return its applied migrations."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file; nothing was restored.")
    with open(path, "rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if not header.startswith(PG_CUSTOM_HEADER):
        hint = " (it is an SQLite database)" if header == SQLITE_HEADER else ""
        raise BackupError(f"{path} is not a pg_dump custom-format archive{hint}; nothing was restored.")
    try:
        listing = pg_archive_listing(path)
    except BackupError as exc:
        raise BackupError(f"{exc}; nothing was restored.") from None
    tables = set()
    for line in listing.splitlines():
        parts = line.split()
        if not line.startswith(";") and "TABLE" in parts and "DATA" not in parts:
            position = parts.index("TABLE")
            if len(parts) > position + 2:
                tables.add(parts[position + 2])
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise BackupError(f"{path} is not a backup of the tracker (no table {', '.join(missing)}); "
                          "nothing was restored.")
    data = _run([pg_tool("pg_restore"), "--data-only", "--table", "django_migrations", "--file", "-", str(path)],
                dict(os.environ))
    migrations = set()
    in_copy = False
    for line in data.splitlines():
        if line.startswith("COPY ") and "django_migrations" in line:
            in_copy = True
        elif in_copy and line == "\\.":
            in_copy = False
        elif in_copy:
            columns = line.split("\t")
            migrations.add((columns[1], columns[2]))
    return migrations


def pg_restore(backup_path, alias="default"):
    pg_restore_bin = pg_tool("pg_restore")
    args, env, name = pg_connection(alias)
    connections.close_all()
    # One transaction: a restore that fails half-way leaves the database as it was.
    _run([pg_restore_bin, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
          *args, "--dbname", name, str(backup_path)], env)


# --- Entry points -------------------------------------------------------------------------------

def _backup_database(target, kind, alias):
    if kind == "sqlite":
        return sqlite_backup(sqlite_path(alias), target)
    return pg_backup(target, alias)


def _save_with_manifest(target, kind, alias):
    """The database file, the extra parts, then the manifest (last: a backup without one is unfinished)."""
    path = _backup_database(target, kind, alias)
    extra = []
    try:
        for part in EXTRA_PARTS:
            extra += [(part.role, Path(p)) for p in part.save(path)]
        write_manifest(path, kind, extra)
    except Exception:
        for _role, extra_path in extra:
            Path(extra_path).unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        raise
    return path


def backup(output=None, alias="default", prune=True):
    """Back up the configured database to `output` (a timestamped file under TRACKER_BACKUP_DIR by
    default, or in the directory `output`), with its manifest; then prune that directory's old backups."""
    from projects.audit import audit_event

    kind = engine_kind(alias)
    directory = None
    if output is None:
        directory = ensure_private_dir(default_backup_dir())
        target = timestamped_path(directory, kind)
    else:
        target = Path(output)
        if target.is_dir():
            directory = target
            target = timestamped_path(target, kind)
        else:
            ensure_private_dir(target.parent)
    path = _save_with_manifest(target, kind, alias)
    pruned = prune_backups(directory) if prune and directory is not None else []
    audit_event("backup.created", on_commit=False, path=str(path), database=kind, bytes=path.stat().st_size,
                pruned=[p.name for p in pruned])
    return path


def known_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return set(loader.disk_migrations)


def check_backup(path, alias="default", verify=True):
    """Check the backup before anything is touched: its kind and structure, its manifest's checksums
    (unless verify=False). Returns the migrations this code has that the backup has not (run
    `migrate` after restoring it); refuses a backup from a newer version."""
    kind = engine_kind(alias)
    migrations = check_sqlite_backup(path) if kind == "sqlite" else check_pg_backup(path)
    known = known_migrations()
    installed = {config.label for config in apps.get_app_configs()}
    newer = sorted(m for m in migrations - known if m[0] in installed)
    if newer:
        raise BackupError(f"{path} was made by a newer version of the tracker (migrations unknown here: "
                          f"{', '.join('.'.join(m) for m in newer)}); update the code first; nothing was restored.")
    if verify:
        verify_manifest(path)
    return sorted(m for m in known - migrations if m[0] in installed)


def restore(path, alias="default", safety_dir=None, safety_backup=True, verify=True):
    """Restore the backup at `path` into the configured database. Returns (safety backup path or
    None, migrations missing from the backup). A restore that fails with the database unchanged
    deletes its safety backup again (no pile of pre-restore dumps from failed attempts)."""
    from projects.audit import audit_event

    path = Path(path)
    kind = engine_kind(alias)
    try:
        missing = check_backup(path, alias, verify=verify)
        extra = verify_manifest(path) if verify else []
    except BackupError as exc:
        audit_event("backup.restore_refused", on_commit=False, path=str(path), reason=str(exc))
        raise
    safety = None
    if safety_backup:
        directory = ensure_private_dir(safety_dir or default_backup_dir())
        if kind == "sqlite":
            current = sqlite_path(alias)
            if current.is_file() and current.stat().st_size > 0:
                safety = _save_with_manifest(timestamped_path(directory, kind, prefix="pre-restore"), kind, alias)
        else:
            safety = _save_with_manifest(timestamped_path(directory, kind, prefix="pre-restore"), kind, alias)
    try:
        if kind == "sqlite":
            target = sqlite_path(alias)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                sqlite_restore(path, target)
            except sqlite3.Error as exc:  # the backup step is one transaction: nothing was written
                raise BackupError(f"The restore failed ({exc}); the database is unchanged.") from None
        else:
            pg_restore(path, alias)  # --single-transaction: a failure rolls back
    except BackupError as exc:
        if safety is not None and "integrity check" not in str(exc):
            delete_backup(safety)
            safety = None
        audit_event("backup.restore_failed", on_commit=False, path=str(path), reason=str(exc),
                    safety_backup=str(safety) if safety else None)
        raise
    for part in EXTRA_PARTS:
        part.restore([p for role, p in extra if role == part.role])
    audit_event("backup.restored", on_commit=False, path=str(path), database=kind,
                safety_backup=str(safety) if safety else None, missing_migrations=len(missing))
    return safety, missing


# --- Canonical dump -----------------------------------------------------------------------------

def canonical_value(value):
    """A value as a JSON primitive that is equal for equal stored values."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc)
        return value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value.total_seconds())
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return repr(value)


def dumped_models():
    """Every model whose rows live in their own table: M2M tables included, proxies and unmanaged left out."""
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


def canonical_dump(using="default"):
    """{"app_label.Model": [row, ...]} for every model; a row is the tuple of all its column values,
    rows sorted. Two databases hold the same records exactly when their dumps are equal."""
    dump = {}
    for model in dumped_models():
        columns = [field.attname for field in model._meta.concrete_fields]
        rows = [tuple(canonical_value(v) for v in row)
                for row in model._base_manager.using(using).order_by().values_list(*columns)]
        rows.sort(key=lambda row: json.dumps(row, ensure_ascii=False))
        dump[model._meta.label] = rows
    return dump


def load_canonical_dump(text):
    """The dump written by `manage.py dump_canonical`, with rows as tuples again."""
    return {label: [tuple(row) for row in rows] for label, rows in json.loads(text).items()}
