"""Structured logs: the request id in headers, error pages and log lines; audit events as JSON lines;
the retention of the log files."""

import datetime
import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import path, reverse
from rest_framework.test import APIClient

from projects.choices import Role
from projects.excel.reports import reports_template
from projects.models import Bulletin, Profile
from projects.tests.conftest import make_user
from projects.tests.test_excel_reports import filled
from tracker.logs import JsonFormatter, RequestContextFilter, logging_config

ROOT = Path(__file__).resolve().parents[2]
HEX32 = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def log_lines():
    """The JSON lines the loggers 'tracker' (requests) and 'tracker.audit' write, parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    loggers = [logging.getLogger("tracker"), logging.getLogger("tracker.audit"), logging.getLogger("django.request")]
    for logger in loggers:
        logger.addHandler(handler)

    def read():
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield read
    for logger in loggers:
        logger.removeHandler(handler)


def audit(lines, event):
    return [line for line in lines if line.get("event") == event]


# --- request id ----------------------------------------------------------------------------------

def test_a_valid_incoming_request_id_is_kept_and_echoed_a_bad_one_replaced(db, log_lines):
    client = Client()
    response = client.get("/api/health/", HTTP_X_REQUEST_ID="nginx-7f3a9c21e0")
    assert response["X-Request-ID"] == "nginx-7f3a9c21e0"
    for bad in ["short", "x" * 65, "two words here", "id\nforged log line", "<script>x</script>"]:
        response = client.get("/api/health/", HTTP_X_REQUEST_ID=bad)
        assert HEX32.match(response["X-Request-ID"]), (bad, response["X-Request-ID"])
    first, second = client.get("/api/health/")["X-Request-ID"], client.get("/api/health/")["X-Request-ID"]
    assert HEX32.match(first) and first != second
    request_line = [line for line in log_lines() if line["logger"] == "tracker.request"][0]
    assert request_line["request_id"] == "nginx-7f3a9c21e0"
    assert (request_line["method"], request_line["path"], request_line["status"]) == ("GET", "/api/health/", 200)
    assert request_line["level"] == "INFO" and "time" in request_line and "duration_ms" in request_line


def test_every_kind_of_response_carries_the_request_id(db, office):
    client = Client()
    cases = {
        "admin redirect to login": client.get("/admin/"),
        "admin login page": client.get("/admin/login/"),
        "API 401": client.get("/api/projects/"),
        "HTML 404": client.get("/no/such/page/"),
        "API 404": client.get("/api/nothing/"),
        "static file": client.get("/static/projects/dashboard/dashboard.css"),
    }
    statuses = {name: response.status_code for name, response in cases.items()}
    assert statuses == {"admin redirect to login": 302, "admin login page": 200, "API 401": 401, "HTML 404": 404,
                        "API 404": 404, "static file": 200}
    for name, response in cases.items():
        assert HEX32.match(response.get("X-Request-ID", "")), name


def test_the_html_404_page_names_the_request_id(db):
    response = Client().get("/no/such/page/", HTTP_X_REQUEST_ID="req-404-abcdef", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in body and "/no/such/page/" in body
    assert '<code class="request-id">req-404-abcdef</code>' in body


def test_a_csrf_failure_is_the_trackers_403_page_with_the_request_id(db):
    """A form posted without its CSRF token (an expired page, cookies off): Django's CSRF view
    renders 403_csrf.html, the tracker's error page in the user's language with the request id."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("admin:login"), {"username": "x", "password": "y"},
                           HTTP_X_REQUEST_ID="req-csrf-403-1", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 403 and response["X-Request-ID"] == "req-csrf-403-1"
    body = response.content.decode()
    assert "无权访问 (403)" in body and "表单校验未通过" in body and "允许本网站使用 Cookie" in body
    assert '<code class="request-id">req-csrf-403-1</code>' in body
    assert "CSRF verification failed" not in body  # not Django's own page

    client.get(reverse("admin:login"))  # the CSRF cookie is set; the token is still missing
    response = client.post(reverse("admin:login"), {"username": "x", "password": "y"},
                           HTTP_X_REQUEST_ID="req-csrf-403-2", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 403 and "The form could not be verified" in body and "allow cookies" in body
    assert '<code class="request-id">req-csrf-403-2</code>' in body


def test_the_admin_lockout_page_names_the_request_id(settings, office):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    for attempt in range(3):
        response = client.post(reverse("admin:login"), {"username": "office", "password": "wrong"},
                               HTTP_X_REQUEST_ID=f"req-lockout-{attempt:04d}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 429 and response["X-Request-ID"] == "req-lockout-0002"
    body = response.content.decode()
    assert "已被锁定" in body and '<code class="request-id">req-lockout-0002</code>' in body


def broken_view(request):
    raise RuntimeError("boom")


urlpatterns = [path("admin/broken/", broken_view), path("api/broken/", broken_view),
               path("ok/", lambda request: HttpResponse("ok"))]
handler500 = "projects.api.exceptions.server_error"


@pytest.mark.urls("projects.tests.test_logs")
def test_a_server_error_names_the_request_id_in_the_page_the_api_body_and_the_log(db, log_lines):
    client = Client(raise_request_exception=False)
    response = client.get("/admin/broken/", HTTP_X_REQUEST_ID="req-500-html-1", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 500 and response["X-Request-ID"] == "req-500-html-1"
    body = response.content.decode()
    assert "服务器错误" in body and '<code class="request-id">req-500-html-1</code>' in body

    response = client.get("/api/broken/", HTTP_X_REQUEST_ID="req-500-api-2")
    assert response.status_code == 500 and response["X-Request-ID"] == "req-500-api-2"
    assert response.json()["request_id"] == "req-500-api-2"
    assert (response.json()["status"], response.json()["code"]) == (500, "server_error")

    lines = log_lines()
    error = [line for line in lines if line["logger"] == "django.request" and line["request_id"] == "req-500-api-2"]
    assert error and "RuntimeError: boom" in error[0]["exc_info"]
    assert error[0]["level"] == "ERROR"
    request = [line for line in lines if line["logger"] == "tracker.request" and line["path"] == "/api/broken/"]
    assert request[0]["status"] == 500 and request[0]["level"] == "ERROR"


# --- audit events ---------------------------------------------------------------------------------

def test_publishing_a_bulletin_is_an_audit_event_with_actor_and_request_id(
        office, project, plan, accepted_report, log_lines, django_capture_on_commit_callbacks):
    accepted_report(project, 2013, 10, "62000")
    bulletin = Bulletin.objects.create(year=2013, month=10)
    api = APIClient()
    api.force_authenticate(office)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(reverse("api:bulletin-publish", args=[bulletin.pk]), HTTP_X_REQUEST_ID="req-publish-1",
                            REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200, response.content
    [event] = audit(log_lines(), "bulletin.published")
    assert event["actor"] == "office" and event["request_id"] == "req-publish-1"
    assert event["client_ip"] == "10.1.2.3"
    assert (event["bulletin_id"], event["period"], event["entries"]) == (bulletin.pk, "2013-10", 1)
    assert event["logger"] == "tracker.audit"


def test_a_refused_publication_logs_no_audit_event(reporter, log_lines, django_capture_on_commit_callbacks):
    bulletin = Bulletin.objects.create(year=2013, month=10)
    api = APIClient()
    api.force_authenticate(reporter)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(reverse("api:bulletin-publish", args=[bulletin.pk])).status_code == 403
    assert audit(log_lines(), "bulletin.published") == []


def test_an_import_is_an_audit_event_a_dry_run_is_not(reporter, project, plan, log_lines,
                                                        django_capture_on_commit_callbacks):
    api = APIClient()
    api.force_authenticate(reporter)
    data = filled(reports_template(user=reporter, year=2013, month=10), [62000])

    def post(dry_run):
        upload = io.BytesIO(data)
        upload.name = "月报.xlsx"
        return api.post("/api/reports/import/", {"file": upload, "month": "2013-10", "dry_run": dry_run},
                        format="multipart")

    with django_capture_on_commit_callbacks(execute=True):
        assert post("true").status_code == 200
    assert audit(log_lines(), "import.reports") == []
    with django_capture_on_commit_callbacks(execute=True):
        assert post("false").json()["imported"] is True
    [event] = audit(log_lines(), "import.reports")
    assert (event["actor"], event["period"], event["reports_created"], event["reports_updated"]) == (
        "reporter", "2013-10", 1, 0)


def test_a_lockout_is_an_audit_event(settings, office, log_lines):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        client.post(reverse("admin:login"), {"username": "office", "password": "wrong"}, REMOTE_ADDR="10.9.8.7")
    [event] = audit(log_lines(), "login.locked_out")
    assert (event["username"], event["ip_address"]) == ("office", "10.9.8.7")
    assert event["request_id"] and event["actor"] is None


def test_role_changes_and_new_superusers_are_audit_events(db, office, log_lines, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = make_user("zhang", Role.AUDITOR)
        profile = Profile.objects.get(user=user)
        profile.role = Role.OFFICE
        profile.save()
        profile.save()  # unchanged: no event
        user.is_superuser = True
        user.save()
        user.last_login = datetime.datetime(2013, 10, 1, tzinfo=datetime.timezone.utc)
        user.save(update_fields=["last_login"])  # not a role change
    events = [(e["event"], e.get("old_role"), e.get("new_role")) for e in log_lines() if "event" in e]
    # make_user creates a staff account (admin access) with a profile: two events
    assert events == [("account.flags_changed", None, None), ("role.changed", None, "auditor"),
                      ("role.changed", "auditor", "office"), ("account.flags_changed", None, None)]
    created = audit(log_lines(), "account.flags_changed")[0]
    assert created["new_account"] is True and created["new"]["is_staff"] is True
    flags = audit(log_lines(), "account.flags_changed")[1]
    assert flags["account"] == "zhang" and flags["old"]["is_superuser"] is False and flags["new"]["is_superuser"] is True


def test_a_role_change_in_the_admin_names_the_office_user_who_made_it(
        db, office, auditor, log_lines, django_capture_on_commit_callbacks):
    get_user_model().objects.filter(pk=office.pk).update(is_superuser=True)
    client = Client()
    client.force_login(office)
    profile = Profile.objects.get(user=auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:projects_profile_change", args=[profile.pk]),
                               {"user": auditor.pk, "role": Role.LEADER, "unit": "", "change_reason": "调岗"},
                               HTTP_X_REQUEST_ID="req-admin-role", REMOTE_ADDR="10.4.4.4")
    assert response.status_code == 302, response.content.decode()[:2000]
    [event] = audit(log_lines(), "role.changed")
    assert (event["actor"], event["account"], event["old_role"], event["new_role"]) == ("office", "auditor",
                                                                                        "auditor", "leader")
    assert (event["request_id"], event["client_ip"]) == ("req-admin-role", "10.4.4.4")


def test_removing_a_role_and_deleting_an_account_are_audit_events(db, log_lines, django_capture_on_commit_callbacks):
    """Taking a role away (deleting the profile) and deleting an account are as much a change of who
    may do what as giving one: each is an event, written when the deletion commits."""
    with django_capture_on_commit_callbacks(execute=True):
        kept = make_user("li", Role.AUDITOR)
        gone = make_user("wang", Role.OFFICE)
    assert audit(log_lines(), "role.removed") == [] and audit(log_lines(), "user.deleted") == []
    with django_capture_on_commit_callbacks(execute=True):
        Profile.objects.get(user=kept).delete()
    [removed] = audit(log_lines(), "role.removed")
    assert (removed["account"], removed["old_role"], removed["old_unit_id"], removed["account_deleted"]) == (
        "li", "auditor", None, False)
    assert get_user_model().objects.filter(username="li").exists()  # the account stays, without a role

    with django_capture_on_commit_callbacks(execute=True):
        gone.delete()  # the profile goes with the account
    removed = audit(log_lines(), "role.removed")[1]
    assert (removed["account"], removed["old_role"], removed["account_deleted"]) == ("wang", "office", True)
    [deleted] = audit(log_lines(), "user.deleted")
    assert (deleted["account"], deleted["old"]) == ("wang", {"is_superuser": False, "is_staff": True,
                                                              "is_active": True})

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                get_user_model().objects.filter(username="li").delete()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert len(audit(log_lines(), "user.deleted")) == 1  # a deletion rolled back is not logged


def test_deleting_a_profile_and_an_account_in_the_admin_names_who_did_it(
        db, office, auditor, reporter, log_lines, django_capture_on_commit_callbacks):
    get_user_model().objects.filter(pk=office.pk).update(is_superuser=True)
    client = Client()
    client.force_login(office)
    profile = Profile.objects.get(user=auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:projects_profile_delete", args=[profile.pk]), {"post": "yes"},
                               HTTP_X_REQUEST_ID="req-admin-unrole", REMOTE_ADDR="10.4.4.5")
    assert response.status_code == 302, response.content.decode()[:2000]
    [event] = audit(log_lines(), "role.removed")
    assert (event["actor"], event["account"], event["old_role"], event["account_deleted"]) == (
        "office", "auditor", "auditor", False)
    assert (event["request_id"], event["client_ip"]) == ("req-admin-unrole", "10.4.4.5")

    unit_id = Profile.objects.get(user=reporter).unit_id
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:auth_user_delete", args=[reporter.pk]), {"post": "yes"},
                               HTTP_X_REQUEST_ID="req-admin-deluser")
    assert response.status_code == 302, response.content.decode()[:2000]
    [deleted] = audit(log_lines(), "user.deleted")
    assert (deleted["actor"], deleted["account"], deleted["request_id"]) == ("office", "reporter", "req-admin-deluser")
    removed = audit(log_lines(), "role.removed")[1]
    assert (removed["account"], removed["old_role"], removed["old_unit_id"], removed["account_deleted"]) == (
        "reporter", "reporter", unit_id, True)


# --- files and retention ------------------------------------------------------------------------

def test_log_files_rotate_daily_and_keep_the_configured_number_of_days(tmp_path):
    config = logging_config(log_dir=str(tmp_path), retention_days=200)
    for name, filename in (("file", "tracker.log"), ("audit_file", "audit.log")):
        handler = config["handlers"][name]
        assert handler["backupCount"] == 200 and handler["when"] == "midnight"
        assert handler["filename"] == f"{tmp_path}/{filename}"
    assert config["loggers"]["tracker.audit"]["handlers"] == ["console", "file", "audit_file"]
    assert "file" not in logging_config(log_dir=None)["handlers"]


def test_a_command_writes_audit_json_lines_to_the_log_dir_with_the_default_retention(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(TRACKER_LOG_DIR=str(tmp_path / "logs"), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    code = ("from django.conf import settings; from projects.audit import audit_event; "
            "audit_event('backup.created', on_commit=False, path='x.dump'); "
            "print(settings.LOGGING['handlers']['audit_file']['backupCount'])")
    result = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "180"
    [line] = [json.loads(text) for text in (tmp_path / "logs" / "audit.log").read_text().splitlines()]
    assert (line["event"], line["path"], line["logger"], line["actor"]) == ("backup.created", "x.dump", "tracker.audit",
                                                                             None)
    # stderr has the same event as a JSON line
    assert any(json.loads(text).get("event") == "backup.created" for text in result.stderr.splitlines()
               if text.startswith("{"))


def test_gunicorns_own_lines_are_json_like_the_applications(tmp_path):
    """`serve` starts gunicorn with tracker/gunicorn-logging.json: its start, worker and error lines
    are JSON lines on stderr (logger gunicorn.error, exceptions as one escaped field), set up the way
    gunicorn's Logger sets up --log-config-json; its access log stays off (the application and nginx
    keep their own)."""
    from dev import GUNICORN_LOGGING, serve_command

    command = serve_command("127.0.0.1:8001", 2)
    assert command[command.index("--log-config-json") + 1] == str(GUNICORN_LOGGING) and GUNICORN_LOGGING.is_file()
    code = (
        "from gunicorn.config import Config\n"
        "from gunicorn.glogging import Logger\n"
        "cfg = Config()\n"
        f"cfg.set('logconfig_json', {str(GUNICORN_LOGGING)!r})\n"
        "log = Logger(cfg)\n"
        "log.info('Listening at: %s (%s)', 'http://127.0.0.1:8001', 42)\n"
        "try:\n"
        "    1 / 0\n"
        "except ZeroDivisionError:\n"
        "    log.exception('Error handling request /x')\n"
        "log.access_log.info('GET / 200')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(line["logger"], line["level"], line["message"]) for line in lines] == [
        ("gunicorn.error", "INFO", "Listening at: http://127.0.0.1:8001 (42)"),
        ("gunicorn.error", "ERROR", "Error handling request /x")]
    assert "ZeroDivisionError" in lines[1]["exc_info"] and "time" in lines[0]
