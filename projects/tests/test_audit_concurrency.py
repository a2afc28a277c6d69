"""Real races with real threads, each on its own database connection: two submissions of the same
draft report, and two PATCHes carrying the same If-Match. Exactly one wins; the other is told so
(409 / 412) and nothing of it is stored.

Runs on PostgreSQL (row locks: the loser waits for the winner's commit, then sees the new state).
On SQLite it runs when the test database is a file (SQLITE_TEST_FILE=1): the in-memory test
database shares one cache between threads, whose table locks fail at once instead of waiting."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from projects.choices import ReportStatus, Role
from projects.models import MonthlyReport, Project, Unit
from projects.tests.conftest import make_user

ROUNDS = 5


def _meaningful():
    if connection.vendor != "sqlite":
        return True
    return not connection.is_in_memory_db()


pytestmark = pytest.mark.django_db(transaction=True)


def race(requests):
    """Runs the callables at the same moment, one thread each; returns their results in order."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def run(i):
        try:
            barrier.wait()
            results[i] = requests[i]()
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def setting():
    if not _meaningful():
        pytest.skip("the in-memory SQLite test database cannot hold concurrent writers")
    unit = Unit.objects.create(name="并发单位")
    project = Project.objects.create(name="并发项目", lead_unit=unit)
    users = [make_user(f"reporter{i}", Role.REPORTER, unit=unit) for i in range(2)]
    return project, users


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_two_concurrent_submissions_of_one_draft_report_exactly_one_wins(setting):
    project, users = setting
    for month in range(1, ROUNDS + 1):
        report = MonthlyReport.objects.create(project=project, year=2013, month=month,
                                              completed_ytd=Decimal(100 * month))
        url = reverse("api:report-submit", args=[report.pk])
        clients = [client_for(user) for user in users]
        responses = race([lambda c=c: c.post(url, {}, format="json") for c in clients])
        statuses = sorted(getattr(r, "status_code", repr(r)) for r in responses)
        assert statuses == [200, 409], (month, responses)
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.json()["code"] == "not_draft"
        report.refresh_from_db()
        winner = users[[r.status_code for r in responses].index(200)]
        assert report.status == ReportStatus.SUBMITTED and report.submitted_by == winner
        assert report.version == 2
        submitted = [h for h in report.history.all() if h.status == ReportStatus.SUBMITTED]
        assert len(submitted) == 1


def test_two_concurrent_patches_with_the_same_if_match_exactly_one_wins(setting):
    project, users = setting
    office = make_user("office", Role.OFFICE)
    for round_ in range(ROUNDS):
        etag = f'"{Project.objects.get(pk=project.pk).version}"'
        url = reverse("api:project-detail", args=[project.pk])
        names = [f"round {round_} writer {i}" for i in range(2)]
        clients = [client_for(office), client_for(office)]
        responses = race([lambda c=c, n=n: c.patch(url, {"name_en": n}, format="json", HTTP_IF_MATCH=etag)
                          for c, n in zip(clients, names)])
        statuses = [getattr(r, "status_code", repr(r)) for r in responses]
        assert sorted(statuses) == [200, 412], (round_, responses)
        winner = names[statuses.index(200)]
        loser = responses[statuses.index(412)].json()
        assert loser["code"] == "precondition_failed"
        assert [e["field"] for e in loser["errors"]] == ["name_en"]
        assert Project.objects.get(pk=project.pk).name_en == winner
