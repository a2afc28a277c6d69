"""Access: login throttling (admin and API), token revocation, and the role table in the admin."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings as live_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from knox.crypto import hash_token
from rest_framework.test import APIClient

from projects.choices import Role
from projects.models import ApiToken, MonthlyReport, Problem, Project
from projects.tests.conftest import make_user


@pytest.fixture
def lockout_settings(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    return settings


def token_login(client, username, password, address="10.0.0.1"):
    return client.post(reverse("api:token"), {"username": username, "password": password}, format="json",
                       REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")


def cool_off_passes():
    """Moves the recorded failures back beyond the cool-off period (instead of waiting)."""
    AccessAttempt.objects.update(attempt_time=timezone.now() - live_settings.AXES_COOLOFF_TIME
                                 - datetime.timedelta(minutes=1))


# --- API token endpoint ----------------------------------------------------------------------------


def test_api_login_is_locked_after_n_failures_until_cool_off(lockout_settings, auditor, office):
    client = APIClient()
    for _ in range(2):
        assert token_login(client, "auditor", "wrong").status_code == 401
    assert token_login(client, "auditor", "wrong").status_code == 429  # the Nth failure locks
    response = token_login(client, "auditor", "pw-auditor-123")  # the right password, too late
    assert response.status_code == 429
    body = response.json()
    assert (body["status"], body["code"], body["errors"]) == (429, "locked_out", [])
    assert "15 minutes" in body["detail"]
    assert response["Retry-After"] == "900"
    # Another user, and the same user from another address, are not affected.
    assert token_login(client, "office", "pw-office-123").status_code == 200
    assert token_login(client, "auditor", "pw-auditor-123", address="10.0.0.2").status_code == 200

    cool_off_passes()
    response = token_login(client, "auditor", "pw-auditor-123")
    assert response.status_code == 200 and response.json()["token"]


def test_a_success_before_the_limit_resets_the_count(lockout_settings, auditor):
    client = APIClient()
    for _ in range(2):
        token_login(client, "auditor", "wrong")
    assert token_login(client, "auditor", "pw-auditor-123").status_code == 200
    for _ in range(2):
        assert token_login(client, "auditor", "wrong").status_code == 401
    assert token_login(client, "auditor", "pw-auditor-123").status_code == 200


def test_the_lockout_is_in_the_database_so_every_process_sees_it(lockout_settings, auditor):
    client = APIClient()
    for _ in range(3):
        token_login(client, "auditor", "wrong")
    attempt = AccessAttempt.objects.get(username="auditor", ip_address="10.0.0.1")
    assert attempt.failures_since_start == 3


def test_behind_a_proxy_the_forwarded_address_counts(lockout_settings, auditor):
    lockout_settings.TRACKER_PROXY_COUNT = 1
    client = APIClient()
    for _ in range(3):
        client.post(reverse("api:token"), {"username": "auditor", "password": "wrong"}, format="json",
                    REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert AccessAttempt.objects.get(username="auditor").ip_address == "198.51.100.7"
    ok = client.post(reverse("api:token"), {"username": "auditor", "password": "pw-auditor-123"}, format="json",
                     REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert ok.status_code == 200


# --- admin login -------------------------------------------------------------------------------------


def admin_login(client, username, password, address="10.0.0.1"):
    return client.post(reverse("admin:login"), {"username": username, "password": password,
                                                "next": reverse("admin:index")}, REMOTE_ADDR=address)


def test_admin_login_is_locked_after_n_failures_until_cool_off(lockout_settings, client, office, auditor):
    client.cookies[live_settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(3):
        response = admin_login(client, "office", "wrong")
        assert response.status_code in (200, 429)
    response = admin_login(client, "office", "pw-office-123")
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Others log in.
    other = client.__class__()
    assert admin_login(other, "auditor", "pw-auditor-123").status_code == 302

    cool_off_passes()
    assert admin_login(client, "office", "pw-office-123").status_code == 302


# --- token revocation ------------------------------------------------------------------------------


def test_delete_revokes_the_callers_token_only(auditor, office):
    client = APIClient()
    mine = token_login(client, "auditor", "pw-auditor-123").json()["token"]
    my_other = token_login(client, "auditor", "pw-auditor-123").json()["token"]  # a second machine
    theirs = token_login(client, "office", "pw-office-123").json()["token"]
    assert len({mine, my_other, theirs}) == 3
    client.credentials(HTTP_AUTHORIZATION=f"Token {mine}")
    assert client.delete(reverse("api:token")).status_code == 204
    assert client.get(reverse("api:project-list")).status_code == 401
    assert not ApiToken.objects.filter(digest=hash_token(mine)).exists()
    for other in (my_other, theirs):
        client.credentials(HTTP_AUTHORIZATION=f"Token {other}")
        assert client.get(reverse("api:project-list")).status_code == 200
    anonymous = APIClient()
    assert anonymous.delete(reverse("api:token")).status_code == 401


def test_options_describes_the_token_endpoint_to_anyone(office):
    """Found by the fuzz (test_fuzz_api.py): OPTIONS /api/auth/token/ answered 403 even to office
    staff (nobody "reads" tokens), while every other path answers OPTIONS with its methods."""
    anonymous, staff = APIClient(), APIClient()
    staff.force_authenticate(office)
    for client in (anonymous, staff):
        response = client.options(reverse("api:token"))
        assert response.status_code == 200
        assert {m.strip() for m in response["Allow"].split(",")} == {"POST", "DELETE", "OPTIONS"}


def test_office_staff_revoke_anyones_token_in_the_admin(client, office, auditor):
    token, text = ApiToken.objects.create(user=auditor)
    client.force_login(office)
    changelist = client.get(reverse("admin:projects_apitoken_changelist"))
    assert changelist.status_code == 200
    assert token.token_key[:8] in changelist.content.decode() and text not in changelist.content.decode()
    url = reverse("admin:projects_apitoken_delete", args=[token.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not ApiToken.objects.filter(user=auditor).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    assert api.get(reverse("api:project-list")).status_code == 401


@pytest.mark.parametrize("persona", ["reporter", "leader_user", "auditor"])
def test_other_roles_cannot_see_issue_or_revoke_tokens_in_the_admin(client, office, persona, request):
    token, _text = ApiToken.objects.create(user=office)
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(reverse("admin:projects_apitoken_changelist")).status_code == 403
    assert client.get(reverse("admin:projects_apitoken_add")).status_code == 403
    client.post(reverse("admin:projects_apitoken_add"), {"user": user.pk, "days": 30})
    client.post(reverse("admin:projects_apitoken_delete", args=[token.pk]), {"post": "yes"})
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [token.pk]


# --- admin sessions: an idle timeout ----------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """timezone.now() under the test's control (Django's sessions read it): time passes without waiting."""
    start = timezone.now()
    state = {"now": start}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])

    def advance_to(minutes):
        state["now"] = start + datetime.timedelta(minutes=minutes)
        return state["now"]

    return advance_to


def minutes(n):
    return datetime.timedelta(minutes=n)


def test_an_admin_session_ends_after_30_idle_minutes_and_an_active_one_stays(client, office, clock):
    from django.contrib.sessions.models import Session

    assert live_settings.SESSION_COOKIE_AGE == 30 * 60  # TRACKER_SESSION_IDLE_MINUTES
    clock(0)
    assert admin_login(client, "office", "pw-office-123").status_code == 302
    # Active: a request every 25 minutes keeps the session for two hours and more.
    for minute in (25, 50, 75, 100, 125):
        now = clock(minute)
        response = client.get(reverse("admin:index"))
        assert response.status_code == 200, minute
        assert response.cookies[live_settings.SESSION_COOKIE_NAME]["max-age"] == 1800
        assert Session.objects.get().expire_date == now + minutes(30)
    # Idle: 31 minutes after the last request the session is over; the admin asks to log in.
    clock(125 + 31)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert client.get(reverse("admin:projects_project_changelist")).status_code == 302


def test_the_session_is_written_at_most_once_a_minute(client, office, clock):
    from django.contrib.sessions.models import Session

    start = clock(0)
    client.force_login(office)
    clock(0.5)  # within the minute of the login: the session is read, not written
    with CaptureQueriesContext(connection) as within:
        assert client.get(reverse("admin:index")).status_code == 200
    assert not [q for q in within.captured_queries if "UPDATE" in q["sql"] and "django_session" in q["sql"]]
    assert Session.objects.get().expire_date == start + minutes(30)
    now = clock(2)
    with CaptureQueriesContext(connection) as later:
        response = client.get(reverse("admin:index"))
    assert len([q for q in later.captured_queries if "UPDATE" in q["sql"] and "django_session" in q["sql"]]) == 1
    assert response.cookies[live_settings.SESSION_COOKIE_NAME]["max-age"] == 1800
    assert Session.objects.get().expire_date == now + minutes(30)


def test_token_logins_and_token_requests_open_no_admin_session(office, clock):
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    api = APIClient()
    text = token_login(api, "office", "pw-office-123").json()["token"]
    before = {(x.session_key, x.expire_date) for x in Session.objects.all()}  # django-axes' empty one, if any
    api.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    clock(5)
    assert api.get(reverse("api:project-list")).status_code == 200
    assert {(x.session_key, x.expire_date) for x in Session.objects.all()} == before
    assert not any(SESSION_KEY in x.get_decoded() for x in Session.objects.all())


def test_the_idle_time_is_the_setting(client, office, clock, settings):
    settings.SESSION_COOKIE_AGE = 10 * 60  # TRACKER_SESSION_IDLE_MINUTES=10 (read in tracker/settings.py)
    clock(0)
    client.force_login(office)
    clock(9)
    assert client.get(reverse("admin:index")).status_code == 200
    clock(9 + 11)
    assert client.get(reverse("admin:index")).status_code == 302


# --- the role table in the admin -------------------------------------------------------------------


@pytest.fixture
def two_units(unit, other_unit, project, plan, office):
    other_project = Project.objects.create(name="锦江国际商业广场", lead_unit=other_unit)
    mine = MonthlyReport.objects.create(project=project, year=2013, month=9, completed_ytd=50000)
    theirs = MonthlyReport.objects.create(project=other_project, year=2013, month=9, completed_ytd=1000)
    import datetime as dt

    my_problem = Problem.objects.create(project=project, title="用地手续", responsible_unit=unit,
                                        raised_on=dt.date(2013, 9, 1), deadline=dt.date(2013, 10, 1))
    their_problem = Problem.objects.create(project=other_project, title="拆迁", responsible_unit=other_unit,
                                           raised_on=dt.date(2013, 9, 1), deadline=dt.date(2013, 10, 1))
    return {"mine": mine, "theirs": theirs, "my_problem": my_problem, "their_problem": their_problem,
            "other_project": other_project}


def change_url(obj):
    return reverse(f"admin:projects_{obj._meta.model_name}_change", args=[obj.pk])


def test_a_reporter_cannot_open_another_units_report_or_problem_by_its_url(client, reporter, two_units):
    client.force_login(reporter)
    client.cookies[live_settings.LANGUAGE_COOKIE_NAME] = "en"
    for key in ("theirs", "their_problem"):
        obj = two_units[key]
        response = client.get(change_url(obj))
        assert response.status_code == 302 and response.url == reverse("admin:index")
        assert "doesn’t exist" in client.get(response.url).content.decode()
        history = reverse(f"admin:projects_{obj._meta.model_name}_history", args=[obj.pk])
        assert client.get(history).status_code in (302, 404)
    before = MonthlyReport.objects.get(pk=two_units["theirs"].pk).completed_ytd
    response = client.post(change_url(two_units["theirs"]), {
        "project": two_units["other_project"].pk, "year": 2013, "month": 9, "completed_ytd": "999999"})
    assert response.status_code == 302
    assert MonthlyReport.objects.get(pk=two_units["theirs"].pk).completed_ytd == before
    for key in ("mine", "my_problem"):
        assert client.get(change_url(two_units[key])).status_code == 200


def test_a_reporters_changelists_show_only_its_units_records(client, reporter, two_units):
    client.force_login(reporter)
    reports = client.get(reverse("admin:projects_monthlyreport_changelist"))
    assert list(reports.context["cl"].queryset) == [two_units["mine"]]
    problems = client.get(reverse("admin:projects_problem_changelist"))
    assert list(problems.context["cl"].queryset) == [two_units["my_problem"]]
    add = client.get(reverse("admin:projects_monthlyreport_add"))
    choices = list(add.context["adminform"].form.fields["project"].queryset)
    assert two_units["other_project"] not in choices and two_units["mine"].project in choices


def test_a_cooperating_unit_sees_the_projects_reports(client, other_unit, two_units):
    two_units["mine"].project.cooperating_units.add(other_unit)
    cooperator = make_user("cooperator", Role.REPORTER, unit=other_unit)
    client.force_login(cooperator)
    assert client.get(change_url(two_units["mine"])).status_code == 200


@pytest.mark.parametrize("persona", ["office", "leader_user", "auditor"])
def test_office_leaders_and_auditors_see_every_units_records(client, persona, request, two_units):
    client.force_login(request.getfixturevalue(persona))
    reports = client.get(reverse("admin:projects_monthlyreport_changelist"))
    assert set(reports.context["cl"].queryset) == {two_units["mine"], two_units["theirs"]}
    for key in ("mine", "theirs", "my_problem", "their_problem"):
        assert client.get(change_url(two_units[key])).status_code == 200


ADMIN_MODELS = ["monthlyreport", "problem", "bulletin", "meeting", "decision", "weeklyplan", "review",
                "evaluation", "bulletinentry", "reviewscore", "reviewranking", "evaluationresult"]


@pytest.mark.parametrize("persona", ["leader_user", "auditor"])
def test_leaders_and_auditors_are_read_only_for_reports(client, persona, request, two_units):
    """Walks the tracking admin: every changelist opens; reports cannot be added or changed."""
    client.force_login(request.getfixturevalue(persona))
    for model in ADMIN_MODELS:
        assert client.get(reverse(f"admin:projects_{model}_changelist")).status_code == 200, model
    assert client.get(reverse("admin:projects_monthlyreport_add")).status_code == 403
    report = two_units["mine"]
    response = client.get(change_url(report))
    assert response.status_code == 200 and not response.context["has_change_permission"]
    client.post(change_url(report), {"project": report.project_id, "year": 2013, "month": 9,
                                     "completed_ytd": "1"})
    assert MonthlyReport.objects.get(pk=report.pk).completed_ytd == report.completed_ytd
    if persona == "auditor":
        for model in ADMIN_MODELS:
            assert client.get(reverse(f"admin:projects_{model}_add")).status_code == 403, model
