"""Backup and restore: every record of every table comes back; a wrong file is refused and changes nothing.

The commands run in subprocesses against scratch databases (SQLite files in tmp_path, or fresh
PostgreSQL databases), as an operator would run them. The SQLite case always runs; the PostgreSQL
case runs when the suite runs on PostgreSQL, or when pg_dump is installed and 127.0.0.1:5432 answers."""

import json
import os
import shutil
import sqlite3
import subprocess
import threading
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from projects.backup import sqlite_backup
from projects.tests import scratchdb
from projects.tests.dbdump import empty_models, full_dump, populate_every_model, row_count

POPULATE = "from projects.tests.dbdump import populate_every_model; populate_every_model()"


# --- The comparison helper itself -------------------------------------------------------------

def test_populate_touches_every_table_and_full_dump_sees_every_change(db):
    populate_every_model()
    before = full_dump()
    assert empty_models(before) == [], "populate_every_model() leaves tables empty"
    assert full_dump() == before

    from projects.models import MonthlyReport, Project

    report = MonthlyReport.objects.get()
    MonthlyReport.objects.filter(pk=report.pk).update(completed_ytd=report.completed_ytd + Decimal("0.01"))
    assert full_dump() != before, "a one-fen change went unnoticed"
    MonthlyReport.objects.filter(pk=report.pk).update(completed_ytd=report.completed_ytd)
    assert full_dump() == before

    Project.objects.get(name="星凯国际城市综合体").cooperating_units.clear()
    changed = full_dump()
    assert changed != before, "a removed many-to-many link went unnoticed"
    assert len(changed["projects.Project_cooperating_units"]) == 0


# --- Round trip ---------------------------------------------------------------------------------

templates = pytest.fixture(scope="module")(scratchdb.templates_fixture)


def backup_to(path, url):
    out = scratchdb.manage("backup", "--output", str(path), url=url).stdout.strip()
    assert Path(out) == path and path.is_file(), out
    return path


@pytest.fixture(params=scratchdb.backends())
def backend(request):
    if request.param == "postgresql":
        server, client = scratchdb.pg_server_version(), scratchdb.pg_client_version()
        print(f"PostgreSQL server {server}; client tools: {client}")
        assert server.split(".")[0] in client, f"pg_dump ({client}) does not match the server ({server})"
    return request.param


def test_backup_restores_every_record_into_an_empty_database(backend, templates, tmp_path):
    """Back up a database with rows in every table; restore it into an empty database (SQLite: no file
    at all, as on a new machine; PostgreSQL: a new database without tables); every record is equal."""
    suffix = ".sqlite3" if backend == "sqlite" else ".dump"
    with templates.migrated(backend, "source") as source, \
            scratchdb.scratch_database(backend, tmp_path / "new-machine", "target") as target:
        original = scratchdb.run_and_dump(POPULATE, url=source)
        assert empty_models(original) == []

        path = backup_to(tmp_path / f"tracker{suffix}", source)
        result = scratchdb.manage("restore", str(path), "--yes", "--safety-dir", str(tmp_path / "safety"),
                                  url=target)
        assert "Restored" in result.stdout
        restored = scratchdb.dump(target)
        records = row_count(restored)
        print(f"{backend}: {records} records in {len(restored)} tables compared after restore")
        assert restored == original, f"{backend}: the restored database differs from the original"


def test_default_backup_location_is_a_timestamped_file_under_backups(tmp_path, settings, monkeypatch):
    """`manage.py backup` without --output writes backups/tracker-<timestamp>.sqlite3 (in process, on
    a file database)."""
    from django.conf import settings as django_settings

    from projects import backup

    db_file = tmp_path / "db.sqlite3"
    conn = sqlite3.connect(db_file)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    settings.BASE_DIR = tmp_path
    settings.TRACKER_BACKUP_DIR = tmp_path / "backups"
    monkeypatch.setitem(django_settings.DATABASES, "scratch", {"ENGINE": "django.db.backends.sqlite3",
                                                               "NAME": str(db_file)})
    first = backup.backup(alias="scratch")
    second = backup.backup(alias="scratch")
    assert first.parent == tmp_path / "backups" and second.parent == first.parent
    assert first.name.startswith("tracker-") and first.suffix == ".sqlite3" and first != second
    assert (tmp_path / "backups" / ".gitignore").read_text() == "*\n"
    assert oct(first.stat().st_mode & 0o777) == "0o600"
    copy = sqlite3.connect(first)
    assert copy.execute("SELECT x FROM t").fetchall() == [(1,)]
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    copy.close()


def test_a_backup_folder_the_user_cannot_make_is_refused_with_how_to_make_it(tmp_path, settings, monkeypatch):
    """A backup folder that cannot be made (here: a file in the way; in production: /var/backups
    owned by root) or written is a clear CommandError naming the folder and the install step."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    (tmp_path / "file").write_text("not a folder")
    settings.TRACKER_BACKUP_DIR = tmp_path / "file" / "backups"
    with pytest.raises(CommandError) as refused:
        call_command("backup")
    message = str(refused.value)
    assert f"The backup folder {tmp_path / 'file' / 'backups'} cannot be used" in message
    assert "install -d -o" in message and "-m 700" in message and "TRACKER_BACKUP_DIR" in message

    settings.TRACKER_BACKUP_DIR = tmp_path / "backups"
    (tmp_path / "backups").mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if Path(path) == tmp_path / "backups"
                        else real_access(path, mode))
    with pytest.raises(CommandError, match="it is not writable"):
        call_command("backup")


def test_sqlite_online_backup_is_consistent_while_the_app_writes(templates, tmp_path):
    """Backups taken while another process writes: each is intact and holds whole transactions only
    (every report has the action that was written in the same transaction)."""
    db_file = tmp_path / "live.sqlite3"
    url = templates.sqlite(db_file)
    writer_code = POPULATE + """
import datetime
from decimal import Decimal
from django.db import transaction
from projects.models import MonthlyReport, Problem, ProblemAction, Project
problem = Problem.objects.get()
for i in range(400):
    with transaction.atomic():
        project = Project.objects.create(name=f"writer-{i}")
        MonthlyReport.objects.create(project=project, year=2014, month=1, completed_ytd=Decimal(i))
        ProblemAction.objects.create(problem=problem, date=datetime.date(2014, 1, 1), text=f"writer-{i}")
"""
    writer = threading.Thread(target=scratchdb.shell, args=(writer_code,), kwargs={"url": url})
    writer.start()
    backups = []
    try:
        # The backup API directly (the command's own code path), so that many snapshots fall in the writes.
        while writer.is_alive() or not backups:
            backups.append(sqlite_backup(db_file, tmp_path / f"online-{len(backups)}.sqlite3"))
    finally:
        writer.join()
    counts = []
    for path in backups:
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        projects = conn.execute("SELECT count(*) FROM projects_project WHERE name LIKE 'writer-%'").fetchone()[0]
        reports = conn.execute("SELECT count(*) FROM projects_monthlyreport WHERE year = 2014").fetchone()[0]
        actions = conn.execute("SELECT count(*) FROM projects_problemaction WHERE text LIKE 'writer-%'"
                               ).fetchone()[0]
        conn.close()
        assert projects == reports == actions, f"{path.name}: {projects}/{reports}/{actions} (torn transaction)"
        counts.append(reports)
    print(f"{len(backups)} online backups taken during 400 write transactions held "
          f"{sorted(set(counts))} of them")
    final = backup_to(tmp_path / "final.sqlite3", url)
    conn = sqlite3.connect(final)
    assert conn.execute("SELECT count(*) FROM projects_monthlyreport WHERE year = 2014").fetchone()[0] == 400
    conn.close()


# --- Refusals -----------------------------------------------------------------------------------

REFUSALS = """
import json
from django.core.management import call_command
from django.core.management.base import CommandError
from projects.backup import canonical_dump
before = canonical_dump()
results = {}
for case, args in json.loads(CASES).items():
    try:
        call_command("restore", *args)
        message = None
    except CommandError as exc:
        message = str(exc)
    results[case] = {"message": message, "unchanged": canonical_dump() == before}
print("=====RESULTS=====" + json.dumps(results))
"""


def test_restore_refuses_without_yes_and_refuses_wrong_files_leaving_the_database_unchanged(
        backend, templates, tmp_path):
    suffix = ".sqlite3" if backend == "sqlite" else ".dump"
    with templates.migrated(backend, "live") as live:
        scratchdb.shell(POPULATE, url=live)
        good = backup_to(tmp_path / f"good{suffix}", live)
        # Change the live database after the backup, so that a restore would show.
        before = scratchdb.run_and_dump("from projects.models import Unit; Unit.objects.create(name='新单位')",
                                        url=live)

        # On the command line: refused without --yes, exit status 1, database unchanged.
        result = scratchdb.manage("restore", str(good), url=live, check=False)
        assert result.returncode == 1 and "--yes" in result.stderr and "nothing was restored" in result.stderr
        assert scratchdb.dump(live) == before

        text = tmp_path / "notes.txt"
        text.write_text("这不是备份\n")
        truncated = tmp_path / f"truncated{suffix}"
        truncated.write_bytes(good.read_bytes()[:4096])
        empty = tmp_path / f"empty{suffix}"
        empty.write_bytes(b"")
        cases = {
            "a text file": ([str(text), "--yes"], "not"),
            "a truncated backup": ([str(truncated), "--yes"], ""),
            "an empty file": ([str(empty), "--yes"], "not"),
            "a missing file": ([str(tmp_path / "missing.dump"), "--yes"], "not a file"),
            "a directory": ([str(tmp_path), "--yes"], "not a file"),
        }
        if backend == "sqlite":
            foreign = tmp_path / "foreign.sqlite3"
            conn = sqlite3.connect(foreign)
            conn.execute("CREATE TABLE notes (x)")
            conn.commit()
            conn.close()
            cases["an SQLite database of another application"] = ([str(foreign), "--yes"],
                                                                   "not a backup of the tracker")
            newer = tmp_path / "newer.sqlite3"
            shutil.copy(good, newer)
            conn = sqlite3.connect(newer)
            conn.execute("INSERT INTO django_migrations (app, name, applied) "
                         "VALUES ('projects', '9999_from_the_future', '2030-01-01')")
            conn.commit()
            conn.close()
            cases["a backup from a newer version"] = ([str(newer), "--yes"], "newer version")
            fake_pg = tmp_path / "archive.dump"
            fake_pg.write_bytes(b"PGDMP\x01\x0e\x00\x04\x08\x01\x01" + b"\x00" * 64)
            cases["a pg_dump archive"] = ([str(fake_pg), "--yes"], "PostgreSQL")
        else:
            sqlite_file = tmp_path / "from-sqlite.sqlite3"
            templates.sqlite(sqlite_file)
            cases["an SQLite backup"] = ([str(sqlite_file), "--yes"], "SQLite")
            foreign = tmp_path / "foreign.dump"
            with scratchdb.fresh_postgres_database("foreign") as foreign_url:
                import psycopg

                with psycopg.connect(foreign_url, autocommit=True) as conn:
                    conn.execute("CREATE TABLE notes (x text)")
                parts = urlsplit(foreign_url)
                subprocess.run(["pg_dump", "--format=custom", "--file", str(foreign), "--no-password",
                                "--host", parts.hostname, "--port", str(parts.port or 5432),
                                "--username", parts.username, "--dbname", parts.path.lstrip("/")],
                               check=True, env={**os.environ, "PGPASSWORD": parts.password or ""})
            cases["a pg_dump archive of another database"] = ([str(foreign), "--yes"],
                                                              "not a backup of the tracker")
        for case in cases.values():
            case[0].extend(["--safety-dir", str(tmp_path / "safety")])
        code = f"CASES = {json.dumps({k: v[0] for k, v in cases.items()})!r}\n" + REFUSALS
        out = scratchdb.shell(code, url=live).stdout
        results = json.loads(out.split("=====RESULTS=====", 1)[1])
        for case, (args, message) in cases.items():
            outcome = results[case]
            assert outcome["message"] is not None, f"{backend}: {case} was restored"
            assert message in outcome["message"] and "nothing was restored" in outcome["message"], (
                case, outcome["message"])
            assert outcome["unchanged"], f"{backend}: {case} changed the database"
        assert scratchdb.dump(live) == before
        assert not (tmp_path / "safety").exists(), "a refused restore should not even take a safety backup"

        # The good file is still accepted: the refusals above were about the files. It replaces the
        # changed database (PostgreSQL: --clean over existing tables), and the old state is kept.
        scratchdb.manage("restore", str(good), "--yes", "--safety-dir", str(tmp_path / "safety"), url=live)
        after = scratchdb.dump(live)
        assert after != before and "新单位" not in json.dumps(after["projects.Unit"], ensure_ascii=False)
        safety = sorted(p.name for p in (tmp_path / "safety").iterdir())
        assert len(safety) == 2 and safety[0].startswith("pre-restore-") and safety[1] == safety[0] + ".manifest.json"


def test_backup_fails_clearly_without_pg_dump_on_path(monkeypatch):
    from django.conf import settings as django_settings

    from projects import backup

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setitem(django_settings.DATABASES, "pg", {"ENGINE": "django.db.backends.postgresql",
                                                          "NAME": "wt_reliab_none", "HOST": "127.0.0.1"})
    with pytest.raises(backup.BackupError, match="pg_dump is not on PATH"):
        backup.backup(alias="pg")
