"""Concurrent writers lose nothing: 8 threads × 100 monthly reports, each in its own transaction,
plus one action per report appended to ONE shared problem whose version counter every thread
increments (read, lock, write: a lost update would show as a version below 801).

SQLite (the embedded default, WAL + BEGIN IMMEDIATE + 20 s busy timeout, see tracker/settings.py):
the in-memory test database cannot be shared between threads, so the scenario runs in a subprocess
against a migrated file database. PostgreSQL: the same scenario runs in a subprocess against a fresh
database when a server is available, and in this process on the test database
(django_db(transaction=True)) when the suite itself runs on PostgreSQL."""

import datetime
import json
import threading
import traceback
from decimal import Decimal

import pytest

from projects.tests import scratchdb

THREADS = 8
WRITES = 100
PROJECTS = 10
MARKER = "=====SCENARIO====="


def report_key(thread, i, threads=THREADS):
    """The distinct (project index, year, month) of a thread's i-th report; threads interleave on the
    same projects so that they contend for the same rows and index pages."""
    k = thread + threads * i
    slot = k // PROJECTS
    return k % PROJECTS, 2010 + slot // 12, slot % 12 + 1


def run_scenario(threads=THREADS, writes=WRITES):
    """Run the writers against the configured database and return what was attempted and stored."""
    from django.db import connection, transaction

    from projects.choices import ProblemCategory, Stage
    from projects.models import MonthlyReport, Problem, ProblemAction, Project, Unit

    unit = Unit.objects.create(name="并发测试单位")
    projects = [Project.objects.create(name=f"并发项目{n:02d}", stage=Stage.CONTINUING, lead_unit=unit).pk
                for n in range(PROJECTS)]
    shared = Problem.objects.create(project_id=projects[0], category=ProblemCategory.LAND_CLEARANCE,
                                    title="共享问题", responsible_unit=unit, raised_on=datetime.date(2013, 7, 1),
                                    deadline=datetime.date(2013, 12, 31))
    journal_mode = None
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    connection.close()

    barrier = threading.Barrier(threads)
    errors = []
    attempted = [0] * threads

    def writer(t):
        try:
            barrier.wait()
            for i in range(writes):
                project, year, month = report_key(t, i, threads)
                attempted[t] += 1
                with transaction.atomic():
                    MonthlyReport.objects.update_or_create(
                        project_id=projects[project], year=year, month=month,
                        defaults={"completed_ytd": Decimal(f"{t}{i:03d}.25"), "reporter_name": f"thread-{t}",
                                  "progress_note": f"write {i}"},
                    )
                attempted[t] += 1
                with transaction.atomic():
                    problem = Problem.objects.select_for_update().get(pk=shared.pk)
                    ProblemAction.objects.create(problem=problem, date=datetime.date(2013, 7, 2),
                                                 text=f"thread-{t} write-{i}")
                    problem.version += 1
                    problem.save(update_fields=["version"])
        except Exception:
            errors.append(f"thread {t}: {traceback.format_exc()}")
        finally:
            connection.close()

    workers = [threading.Thread(target=writer, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    reports = MonthlyReport.objects.filter(project_id__in=projects)
    stored = {(r.project_id, r.year, r.month): (r.completed_ytd, r.reporter_name) for r in reports}
    expected = {}
    for t in range(threads):
        for i in range(writes):
            project, year, month = report_key(t, i, threads)
            expected[(projects[project], year, month)] = (Decimal(f"{t}{i:03d}.25"), f"thread-{t}")
    actions = list(ProblemAction.objects.filter(problem=shared).values_list("text", flat=True))
    result = {
        "vendor": connection.vendor,
        "journal_mode": journal_mode,
        "threads": threads,
        "writes_per_thread": writes,
        "attempted": sum(attempted),
        "reports_attempted": threads * writes,
        "reports_stored": reports.count(),
        "reports_as_written": stored == expected,
        "actions_stored": len(actions),
        "actions_distinct": len(set(actions)),
        "shared_version": Problem.objects.get(pk=shared.pk).version,
        "errors": errors,
    }
    connection.close()
    return result


def check(result):
    n = result["threads"] * result["writes_per_thread"]
    summary = (f"{result['vendor']}: {result['threads']} threads, {result['attempted']} writes attempted; "
               f"stored {result['reports_stored']} reports and {result['actions_stored']} actions; "
               f"shared problem version {result['shared_version']}")
    print(summary)
    assert result["errors"] == [], summary + "\n" + "\n".join(result["errors"])
    assert result["attempted"] == 2 * n, summary
    assert result["reports_stored"] == n, summary
    assert result["reports_as_written"], summary + " (a report is missing, doubled or holds another write)"
    assert result["actions_stored"] == result["actions_distinct"] == n, summary
    assert result["shared_version"] == 1 + n, summary + " (lost update on the shared problem)"


templates = pytest.fixture(scope="module")(scratchdb.templates_fixture)

SCENARIO = (f"import json\nfrom projects.tests.test_concurrency import run_scenario\n"
            f"print({MARKER!r} + json.dumps(run_scenario()))\n")


@pytest.mark.parametrize("backend", scratchdb.backends())
def test_concurrent_writers_lose_nothing_on_a_scratch_database(backend, templates, tmp_path):
    with templates.migrated(backend, "concurrency") as url:
        out = scratchdb.shell(SCENARIO, url=url).stdout
    result = json.loads(out.split(MARKER, 1)[1])
    assert result["vendor"] == backend
    if backend == "sqlite":
        assert result["journal_mode"] == "wal", result["journal_mode"]
    check(result)


def test_report_keys_are_distinct():
    keys = {report_key(t, i) for t in range(THREADS) for i in range(WRITES)}
    assert len(keys) == THREADS * WRITES
    assert all(2010 <= year <= 2100 and 1 <= month <= 12 for _, year, month in keys)


if scratchdb.SUITE_ON_POSTGRES:
    @pytest.mark.django_db(transaction=True)
    def test_concurrent_writers_lose_nothing_on_the_postgresql_test_database():
        result = run_scenario()
        assert result["vendor"] == "postgresql"
        check(result)
