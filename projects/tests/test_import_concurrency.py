"""The report import against concurrent writers: a PATCH acknowledged with 200 is never silently
overwritten by an import, and a report's version never moves backwards.

- On every database, Hypothesis drives random sequences of PATCHes (with and without If-Match),
  dry runs and imports (with and without the dry run's preview_token) through the API and checks
  each answer against a model: an import with a token refuses (409, nothing written) exactly when
  a report of the file was saved after that dry run; a report holds the last acknowledged write;
  its history's versions run 1, 2, 3 … without a gap or a step back.
- On PostgreSQL, threads PATCH the reports while the import runs: after the import has read the
  reports (a PATCH then is a conflict) and after it has locked them (a PATCH then waits and is
  applied on top). SQLite takes the write lock when a transaction begins (BEGIN IMMEDIATE), so
  there no writer can come between the import's read and its write."""

import io
import itertools
import threading
import uuid
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from projects.choices import Role, Stage
from projects.excel import reports as report_excel
from projects.models import AnnualPlan, MonthlyReport, Project, Unit
from projects.tests import scratchdb
from projects.tests.conftest import make_user
from projects.tests.test_excel_reports import filled

REPORTS = 3
SETTINGS = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


class Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass


def make_world(office=None):
    """A unit with a reporter and REPORTS projects, each with an accepted September (50000) and a
    draft October report (60000)."""
    tag = uuid.uuid4().hex[:8]
    unit = Unit.objects.create(name=f"单位{tag}")
    reporter = make_user(f"reporter-{tag}", Role.REPORTER, unit=unit)
    office = office or make_user(f"office-{tag}", Role.OFFICE)
    reports = []
    for n in range(REPORTS):
        project = Project.objects.create(name=f"项目{tag}-{n}", stage=Stage.CONTINUING, lead_unit=unit)
        AnnualPlan.objects.create(project=project, year=2013, planned_investment=Decimal("90000"))
        MonthlyReport.objects.create(project=project, year=2013, month=9, completed_ytd=Decimal("50000"),
                                     status="accepted")
        reports.append(MonthlyReport.objects.create(project=project, year=2013, month=10,
                                                    completed_ytd=Decimal("60000")))
    return reporter, office, reports


def workbook(reporter, values):
    """The October template of the reporter's unit, the rows (by project name) filled with `values`."""
    return filled(report_excel.reports_template(user=reporter, year=2013, month=10), values)


def post_import(client, data, **fields):
    file = io.BytesIO(data)
    file.name = "october.xlsx"
    return client.post("/api/reports/import/", {"file": file, "month": "2013-10", **fields}, format="multipart")


def patch(client, report_pk, ytd, if_match=False):
    headers = {}
    if if_match:
        headers["HTTP_IF_MATCH"] = client.get(f"/api/reports/{report_pk}/")["ETag"]
    return client.patch(f"/api/reports/{report_pk}/", {"completed_ytd": f"{ytd}.00"}, format="json", **headers)


def history_versions(report_pk):
    return list(MonthlyReport.history.filter(id=report_pk).order_by("history_id").values_list("version", flat=True))


def assert_versions_only_grow(report_pks):
    for pk in report_pks:
        versions = history_versions(pk)
        assert versions == list(range(1, len(versions) + 1)), (pk, versions)
        assert MonthlyReport.objects.get(pk=pk).version == versions[-1]


# --- sequences of writes, on every database -----------------------------------------------------

operation = st.one_of(
    st.tuples(st.just("patch"), st.integers(0, REPORTS - 1), st.booleans()),
    st.tuples(st.just("dry_run")),
    st.tuples(st.just("import"), st.booleans()),
)


@pytest.mark.django_db
@SETTINGS
@given(operations=st.lists(operation, min_size=1, max_size=8))
def test_acknowledged_writes_are_never_overwritten_by_an_import_from_an_older_preview(operations):
    with rolled_back():
        reporter, office, reports = make_world()
        pks = [r.pk for r in reports]
        by_name = {r.pk: r.project.name for r in reports}
        patcher, importer = APIClient(), APIClient()
        patcher.force_authenticate(office)
        importer.force_authenticate(reporter)
        stored = {pk: Decimal("60000.00") for pk in pks}  # the model: the last acknowledged write
        versions = {pk: 1 for pk in pks}
        token, changed_since_token = None, set()
        values = itertools.count(61000, 100)
        data = None
        for op in operations:
            if op[0] == "patch":
                pk, ytd = pks[op[1]], next(values)
                response = patch(patcher, pk, ytd, if_match=op[2])
                assert response.status_code == 200, response.data
                stored[pk] = Decimal(f"{ytd}.00")
                versions[pk] += 1
                assert response.data["version"] == versions[pk]
                changed_since_token.add(pk)
            elif op[0] == "dry_run":
                ytd = next(values)
                # The template is sorted by project name: one value a row.
                data = workbook(reporter, [ytd] * REPORTS)
                response = post_import(importer, data, dry_run="true")
                assert response.status_code == 200, response.data
                assert {row["report"]: row["version"] for row in response.data["rows"]} == versions
                token, changed_since_token = response.data["preview_token"], set()
                file_value = Decimal(f"{ytd}.00")
            else:
                with_token = op[1] and token is not None
                if data is None:
                    continue
                response = post_import(importer, data, **({"preview_token": token} if with_token else {}))
                if with_token and changed_since_token:
                    assert response.status_code == 409, response.data
                    named = {e["record"] for e in response.data["errors"]}
                    assert named == changed_since_token
                    assert all(by_name[e["record"]] in e["message"] for e in response.data["errors"])
                else:
                    assert response.status_code == 200, response.data
                    for pk in pks:
                        if stored[pk] != file_value:
                            stored[pk] = file_value
                            versions[pk] += 1
                            changed_since_token.add(pk)
            current = dict(MonthlyReport.objects.filter(pk__in=pks).values_list("pk", "completed_ytd"))
            assert current == stored
            assert dict(MonthlyReport.objects.filter(pk__in=pks).values_list("pk", "version")) == versions
            assert_versions_only_grow(pks)


# --- threads, on PostgreSQL ---------------------------------------------------------------------

PHASES = ("before_dry_run", "after_dry_run", "after_read", "after_lock")


class Pauses:
    """Holds the import (in its own thread) after it has read the reports and after it has locked
    them, so that other threads can write at exactly those points."""

    def __init__(self, monkeypatch):
        self.read, self.read_go = threading.Event(), threading.Event()
        self.locked, self.locked_go = threading.Event(), threading.Event()
        preview, lock = report_excel.reports_preview, report_excel.lock_month_reports

        def paused_preview(**kwargs):
            result = preview(**kwargs)
            if threading.current_thread().name == "import":
                self.read.set()
                self.read_go.wait(10)
            return result

        def paused_lock(*args):
            result = lock(*args)
            if threading.current_thread().name == "import":
                self.locked.set()
                self.locked_go.wait(10)
            return result

        monkeypatch.setattr(report_excel, "reports_preview", paused_preview)
        monkeypatch.setattr(report_excel, "lock_month_reports", paused_lock)


def in_thread(target, name, results, key):
    def run():
        try:
            results[key] = target()
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


writer = st.tuples(st.sampled_from(PHASES), st.booleans())  # (when, with If-Match)


if scratchdb.SUITE_ON_POSTGRES:
    @pytest.mark.django_db(transaction=True)
    @settings(max_examples=8, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(writers=st.lists(st.none() | writer, min_size=REPORTS, max_size=REPORTS))
    def test_concurrent_patches_during_an_import_are_conflicts_or_applied_on_top(writers, monkeypatch):
        pauses = Pauses(monkeypatch)
        reporter, office, reports = make_world()
        pks = [r.pk for r in reports]

        def patcher():
            client = APIClient()
            client.force_authenticate(office)
            return client

        importer = APIClient()
        importer.force_authenticate(reporter)
        plan = {pks[n]: w for n, w in enumerate(writers) if w is not None}
        answers = {}
        ytd = {pk: 61000 + 100 * n for n, pk in enumerate(pks)}

        def write(pk):
            return lambda: patch(patcher(), pk, ytd[pk], if_match=plan[pk][1])

        for pk, (phase, _if_match) in plan.items():
            if phase == "before_dry_run":
                answers[pk] = write(pk)()
        data = workbook(reporter, [65000] * REPORTS)
        dry = post_import(importer, data, dry_run="true")
        assert dry.status_code == 200, dry.data
        for pk, (phase, _if_match) in plan.items():
            if phase == "after_dry_run":
                answers[pk] = write(pk)()
        connection.close()

        results, threads = {}, []
        threads.append(in_thread(lambda: post_import(importer, data, preview_token=dry.data["preview_token"]),
                                 "import", results, "import"))
        assert pauses.read.wait(10)
        for pk, (phase, _if_match) in plan.items():
            if phase == "after_read":
                answers[pk] = write(pk)()  # nothing is locked yet: it commits now
        pauses.read_go.set()
        late = [pk for pk, (phase, _m) in plan.items() if phase == "after_lock"]
        if pauses.locked.wait(10):
            threads += [in_thread(write(pk), f"patch-{pk}", results, pk) for pk in late]
            # Give the late writers time to reach the row lock: the test does not depend on it.
            threading.Event().wait(0.2)
        pauses.locked_go.set()
        for thread in threads:
            thread.join(30)
        answers.update({pk: results[pk] for pk in late})
        imported = results["import"]

        unseen = {pk for pk, (phase, _m) in plan.items()
                  if phase in ("after_dry_run", "after_read") and answers[pk].status_code == 200}
        if unseen:
            assert imported.status_code == 409, imported.data
            assert {e["record"] for e in imported.data["errors"]} == unseen
        else:
            assert imported.status_code == 200, imported.data
        for pk in pks:
            final = MonthlyReport.objects.get(pk=pk)
            answer = answers.get(pk)
            history = list(MonthlyReport.history.filter(id=pk).order_by("history_id")
                           .values_list("version", "history_user_id", "completed_ytd"))
            if answer is not None and answer.status_code == 200:
                # The acknowledged write is in the history at the version it answered; unless the
                # dry run showed it, no import row follows it.
                version = answer.data["version"]
                assert (version, office.pk, Decimal(f"{ytd[pk]}.00")) in history
                if plan[pk][0] != "before_dry_run":
                    assert all(user != reporter.pk for v, user, _y in history if v > version), history
            else:
                assert answer is None or answer.status_code in (409, 412), answer.data
            expected = Decimal("65000.00") if imported.status_code == 200 else Decimal("60000.00")
            if answer is not None and answer.status_code == 200 and (
                    imported.status_code == 409 or plan[pk][0] == "after_lock"):
                expected = Decimal(f"{ytd[pk]}.00")
            assert final.completed_ytd == expected, (pk, plan.get(pk), history)
        assert_versions_only_grow(pks)
