"""API tokens (django-rest-knox, projects/models/tokens.py): stored hashed, expiring after
TRACKER_API_TOKEN_DAYS, a bounded number per account, issued and revoked in the admin, and the
former plaintext DRF tokens carried over hashed by the migration."""

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.crypto import hash_token
from rest_framework.test import APIClient

from projects.models import ApiToken
from projects.tests.test_api_hostile_input import assert_error_shape

PROJECTS = "/api/projects/"


def login(client, username):
    response = client.post(reverse("api:token"), {"username": username, "password": f"pw-{username}-123"},
                           format="json")
    assert response.status_code == 200, response.content
    return response.json()


def with_token(text):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def every_value_in_the_database():
    """The text of every value of every table, whatever model (or none) it belongs to."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            values += [str(value) for row in cursor.fetchall() for value in row if value is not None]
    return "\n".join(values)


def test_the_database_holds_no_plaintext_token(office, auditor, client):
    issued = login(APIClient(), "auditor")
    text = issued["token"]
    assert len(text) == 64
    client.force_login(office)  # and one issued in the admin
    page = client.post(reverse("admin:projects_apitoken_add"), {"user": auditor.pk, "days": 7})
    from_admin = page.context["text"]

    stored = every_value_in_the_database()
    for token in (text, from_admin):
        assert token not in stored
        assert hash_token(token) in stored  # what is kept: the SHA-512 digest…
        assert token[:15] in stored and token[:16] not in stored  # …and the 15 characters that find the row
    assert with_token(text).get(PROJECTS).status_code == 200
    assert with_token(from_admin).get(PROJECTS).status_code == 200


def test_an_expired_token_answers_401_in_the_error_shape(auditor):
    text = login(APIClient(), "auditor")["token"]
    ApiToken.objects.update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    response = with_token(text).get(PROJECTS)
    body = assert_error_shape(response, 401, "token_expired")
    assert body["detail"] == "The token has expired. Ask for a new one (POST /api/auth/token/)."
    assert response["WWW-Authenticate"] == "Token"
    assert with_token(text).get("/api/me/").status_code == 401
    # A new login gives a working token and purges the expired one.
    fresh = login(APIClient(), "auditor")["token"]
    assert with_token(fresh).get(PROJECTS).status_code == 200
    assert ApiToken.objects.count() == 1


def test_a_token_works_until_its_expiry_which_the_setting_sets(auditor, settings):
    settings.TRACKER_API_TOKEN_DAYS = 2
    before = timezone.now()
    issued = login(APIClient(), "auditor")
    expiry = parse_datetime(issued["expiry"])
    assert before + datetime.timedelta(days=2) <= expiry <= timezone.now() + datetime.timedelta(days=2)
    assert ApiToken.objects.get().expiry == expiry
    ApiToken.objects.update(expiry=timezone.now() + datetime.timedelta(minutes=1))  # a minute to go
    assert with_token(issued["token"]).get(PROJECTS).status_code == 200


def test_an_account_keeps_at_most_the_configured_number_of_tokens(auditor, office, settings):
    settings.TRACKER_API_TOKENS_PER_USER = 2
    others = login(APIClient(), "office")["token"]
    first, second, third = (login(APIClient(), "auditor")["token"] for _ in range(3))
    assert with_token(first).get(PROJECTS).status_code == 401  # the oldest, revoked by the third
    assert [with_token(t).get(PROJECTS).status_code for t in (second, third, others)] == [200, 200, 200]
    assert ApiToken.objects.filter(user=auditor).count() == 2


@pytest.mark.parametrize("header", [
    b"Token \xff\xfe\xfd", "Token " + "a" * 5000, "Token abc def", "Token", "Token " + "0" * 64,
    "Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",
])
def test_a_bad_token_answers_401_in_the_error_shape(auditor, header):
    ApiToken.objects.create(user=auditor)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.decode("latin-1") if isinstance(header, bytes) else header)
    assert_error_shape(client.get(PROJECTS), 401, "authentication_failed")


def test_office_issues_a_token_in_the_admin_which_shows_it_once(client, office, auditor):
    client.cookies["django_language"] = "zh-hans"
    client.force_login(office)
    form = client.get(reverse("admin:projects_apitoken_add"))
    assert form.status_code == 200 and 'value="30"' in form.content.decode()  # TRACKER_API_TOKEN_DAYS
    assert "只在下一页显示一次" in form.content.decode()
    page = client.post(reverse("admin:projects_apitoken_add"), {"user": auditor.pk, "days": 7})
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    text = page.context["text"]
    html = page.content.decode()
    assert '<code id="issued-token"' in html and text in html and "auditor" in html
    token = ApiToken.objects.get(user=auditor)
    assert token.expiry.date() == (timezone.now() + datetime.timedelta(days=7)).date()
    assert with_token(text).get(PROJECTS).status_code == 200
    listing = client.get(reverse("admin:projects_apitoken_changelist")).content.decode()
    assert "有效" in listing and text not in listing and token.token_key[:8] + "…" in listing
    detail = client.get(reverse("admin:projects_apitoken_change", args=[token.pk])).content.decode()
    assert text not in detail and "auditor" in detail
    # A bad form answers with the field's error, nothing issued.
    again = client.post(reverse("admin:projects_apitoken_add"), {"user": auditor.pk, "days": 0})
    assert again.status_code == 200 and again.context["adminform"].form.errors["days"]
    assert ApiToken.objects.count() == 1


def test_revoking_selected_tokens_in_the_admin(client, office, auditor):
    kept, kept_text = ApiToken.objects.create(user=office)
    gone, gone_text = ApiToken.objects.create(user=auditor)
    client.force_login(office)
    response = client.post(reverse("admin:projects_apitoken_changelist"),
                           {"action": "revoke_selected", "_selected_action": [gone.pk]})
    assert response.status_code == 302
    assert with_token(gone_text).get(PROJECTS).status_code == 401
    assert with_token(kept_text).get(PROJECTS).status_code == 200


def test_the_migration_carries_drf_tokens_over_hashed_and_drops_their_table(auditor):
    """A database from before knox: DRF's authtoken_token with a token in the clear."""
    old = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    created = datetime.datetime(2013, 7, 5, 9, 30, tzinfo=datetime.timezone.utc)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {quote('authtoken_token')} ({quote('key')} varchar(40) PRIMARY KEY, "
                       f"{quote('created')} timestamp with time zone NOT NULL, {quote('user_id')} integer NOT NULL)")
        cursor.execute(f"INSERT INTO {quote('authtoken_token')} VALUES (%s, %s, %s)",
                       [old, connection.ops.adapt_datetimefield_value(created), auditor.pk])
        cursor.execute(f"INSERT INTO {quote('django_migrations')} ({quote('app')}, {quote('name')}, "
                       f"{quote('applied')}) VALUES (%s, %s, %s)",
                       ["authtoken", "0001_initial", connection.ops.adapt_datetimefield_value(created)])
    migration = importlib.import_module("projects.migrations.0008_api_tokens")
    from django.apps import apps

    migration.hash_drf_tokens(apps, SimpleNamespace(connection=connection, quote_name=quote))

    assert "authtoken_token" not in connection.introspection.table_names()
    assert old not in every_value_in_the_database()
    token = ApiToken.objects.get()
    assert (token.user, token.digest, token.created) == (auditor, hash_token(old), created)
    assert token.expiry > timezone.now() + datetime.timedelta(days=29)
    assert with_token(old).get(PROJECTS).status_code == 200  # integrators' tokens keep working
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {quote('django_migrations')} WHERE {quote('app')} = 'authtoken'")
        assert cursor.fetchone()[0] == 0


def test_issuing_and_revoking_are_audited(auditor, caplog, django_capture_on_commit_callbacks):
    with caplog.at_level("INFO", logger="tracker.audit"), django_capture_on_commit_callbacks(execute=True):
        text = login(APIClient(), "auditor")["token"]
        assert with_token(text).delete(reverse("api:token")).status_code == 204
    events = [(r.getMessage(), r.account, r.token) for r in caplog.records if r.name == "tracker.audit"]
    assert events == [("token.issued", "auditor", text[:8] + "…"), ("token.revoked", "auditor", text[:8] + "…")]
    assert all(text not in r.getMessage() and text not in str(r.__dict__) for r in caplog.records)
