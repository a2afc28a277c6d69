"""The schema and the docs pages are for logged-in users only; the docs work with a session and
load their assets from the local drf-spectacular-sidecar static files, never from a CDN."""

import re

import pytest
from django.urls import reverse
from projects.models import ApiToken

from projects.tests.api_utils import api, fast_passwords, users, world  # noqa: F401

PAGES = ["api:schema", "api:docs", "api:redoc"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_told_to_authenticate(api, db, name):
    response = api.get(reverse(name))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_the_health_endpoint_stays_public(api, db):
    assert api.get(reverse("api:health")).status_code == 200


def test_a_token_fetches_the_schema(api, world):
    _token, text = ApiToken.objects.create(user=world.users["auditor"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    response = api.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/projects/" in response.json()["paths"]


@pytest.mark.parametrize("name", ["api:docs", "api:redoc"])
def test_a_session_opens_the_docs_with_local_assets(client, world, name):
    client.force_login(world.users["reporter"])  # as after logging in at /admin/
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("api:schema") in page
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("drf-spectacular-sidecar" in asset or "/static/" in asset for asset in assets), assets
    assert not [a for a in assets if a.startswith(("http://", "https://", "//"))], assets
    assert client.get(reverse("api:schema")).status_code == 200  # what the page then fetches


def test_the_schema_documents_the_error_body_for_each_error_status(api, world):
    api.force_authenticate(world.users["auditor"])
    schema = api.get(reverse("api:schema"), {"format": "json"}).json()
    error = {"$ref": "#/components/schemas/Error"}
    update = schema["paths"]["/api/projects/{id}/"]["patch"]["responses"]
    for code in ("400", "401", "403", "404", "405", "409"):
        assert update[code]["content"]["application/json"]["schema"] == error, code
    assert {"401", "403", "404", "405"} <= set(schema["paths"]["/api/oc4ids/"]["get"]["responses"])
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"status", "code", "detail", "errors"}
