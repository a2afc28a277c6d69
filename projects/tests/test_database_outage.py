"""When the database fails (down, read-only, disk full) the API answers 503 in the error shape with
Retry-After and logs the failure with the request id; admin pages answer a 503 page, not a bare
"Server Error (500)"; /api/health/ tries a write and says which check failed.

The failures are simulated with Django's execute_wrapper (every statement, or every write, raises
what the driver raises), and on PostgreSQL also with a real read-only transaction."""

import logging
from contextlib import contextmanager

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from projects.tests.api_utils import api, fast_passwords, users, world  # noqa: F401

WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE")


@contextmanager
def failing(exc, only_writes=False):
    def wrapper(execute, sql, params, many, context):
        if not only_writes or sql.lstrip().upper().startswith(WRITES):
            raise exc
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


@pytest.mark.parametrize("exc", [OperationalError("could not connect to server: Connection refused"),
                                 InterfaceError("connection already closed"),
                                 OperationalError("database or disk is full")])
def test_the_api_answers_503_with_retry_after_when_the_database_fails(api, world, exc, caplog):
    api.force_authenticate(world.users["office"])
    with failing(exc), caplog.at_level(logging.ERROR, logger="projects.api"):
        response = api.get("/api/projects/", HTTP_X_REQUEST_ID="4f1c2a")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.json()
    assert body["status"] == 503 and body["code"] == "database_unavailable" and body["errors"] == []
    assert set(body) == {"status", "code", "detail", "errors", "request_id"}
    assert any("database unavailable" in r.getMessage() and "/api/projects/" in r.getMessage()
               for r in caplog.records)


def test_a_write_on_a_read_only_database_answers_503_and_names_no_field(api, world):
    api.force_authenticate(world.users["office"])
    with failing(OperationalError("attempt to write a readonly database"), only_writes=True):
        response = api.patch(f"/api/zones/{world.zone.pk}/", {"name_en": "Commerce"}, format="json")
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "database_unavailable"


def test_the_request_id_is_in_the_body_and_the_log(api, world, caplog):
    api.force_authenticate(world.users["office"])
    with failing(OperationalError("server closed the connection unexpectedly")), \
            caplog.at_level(logging.ERROR, logger="projects.api"):
        response = api.get("/api/reports/", HTTP_X_REQUEST_ID="9a8b7c6d5e4f")
    request_id = response.json()["request_id"]
    if request_id is not None:  # the request-id middleware is installed
        assert any(request_id in r.getMessage() for r in caplog.records)


def test_an_admin_page_answers_a_503_page_not_a_bare_500(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.users["office"])
    with failing(OperationalError("could not connect to server")):
        response = client.get("/admin/projects/project/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "服务暂时不可用" in response.content.decode() or "unavailable" in response.content.decode()


def test_an_api_failure_outside_a_view_answers_json_not_html(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.users["office"])  # the session middleware reads the database first
    with failing(OperationalError("could not connect to server")):
        response = client.get("/api/zones/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "database_unavailable"


def test_health_says_ok_when_reads_and_writes_work(api, db):
    response = api.get("/api/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "database_write": "ok"}


def test_health_reports_a_read_only_database(api, db):
    with failing(OperationalError("attempt to write a readonly database"), only_writes=True):
        response = api.get("/api/health/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.json()
    assert (body["status"], body["database"], body["database_write"]) == ("error", "ok", "error")
    assert "readonly" in body["error"]


def test_health_reports_a_full_disk_and_a_lost_database(api, db):
    with failing(OperationalError("database or disk is full"), only_writes=True):
        body = api.get("/api/health/").json()
    assert body["database_write"] == "error" and "disk is full" in body["error"]
    with failing(OperationalError("could not connect to server: Connection refused")):
        response = api.get("/api/health/")
    assert response.status_code == 503
    assert response.json()["database"] == "error" and "Connection refused" in response.json()["error"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real read-only transaction needs PostgreSQL")
def test_health_reports_a_real_read_only_postgresql_transaction(api, db):
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION READ ONLY")  # the test's transaction, rolled back at its end
    response = api.get("/api/health/")
    assert response.status_code == 503
    assert response.json()["database_write"] == "error"
    assert "read-only" in response.json()["error"]


@pytest.mark.parametrize("exc", [OperationalError("LIKE or GLOB pattern too complex"),
                                 OperationalError("no such table: projects_project"),
                                 OperationalError("too many SQL variables")])
def test_an_error_of_the_query_is_not_an_outage(world, exc, caplog):
    """Only failures of the database itself (unreachable, read-only, full, locked) are 503 with
    Retry-After: a query the database refuses is a fault of the server (500), logged as such, and
    trying again in 30 seconds would not help."""
    from rest_framework.test import APIClient

    from projects.api.exceptions import is_database_outage

    assert not is_database_outage(exc)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(world.users["office"])
    with failing(exc), caplog.at_level(logging.ERROR):
        response = api.get("/api/projects/")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert response.json()["code"] == "server_error"
    assert not any("database unavailable" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("message", ["database is locked", "disk I/O error", "unable to open database file",
                                     "attempt to write a readonly database", "database or disk is full",
                                     "could not connect to server: Connection refused",
                                     "terminating connection due to administrator command",
                                     "SSL SYSCALL error: EOF detected", "the database system is starting up",
                                     "FATAL:  sorry, too many clients already"])
def test_failures_of_the_database_itself_are_outages(message):
    from projects.api.exceptions import is_database_outage

    assert is_database_outage(OperationalError(message))
    assert is_database_outage(InterfaceError(message))


@pytest.mark.parametrize("sqlstate,outage", [("08006", True), ("53100", True), ("57P01", True), ("25006", True),
                                             ("40P01", True), ("55P03", True), ("54001", False), ("42P01", False)])
def test_on_postgresql_the_sqlstate_decides(sqlstate, outage):
    from projects.api.exceptions import is_database_outage

    class DriverError(Exception):
        pass

    cause = DriverError("statement failed")
    cause.sqlstate = sqlstate
    error = OperationalError("statement failed")
    error.__cause__ = cause
    assert is_database_outage(error) is outage
