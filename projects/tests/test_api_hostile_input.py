"""Hostile input answers 4xx in the one error shape, never 500 nor an HTML page: ids of the wrong
type on every path of the schema, JSON nested too deeply or too large, text longer than its field."""

import json
import re

import pytest
from django.apps import apps
from django.core.validators import MaxLengthValidator
from django.db import models
from drf_spectacular.generators import SchemaGenerator

from projects.api.urls import router
from projects.models import Problem, Zone
from projects.tests.api_utils import api, fast_passwords, users, world  # noqa: F401

ERROR_KEYS = {"status", "code", "detail", "errors", "request_id"}
BAD_IDS = ["abc", "null,null", "1.5", "-1", "99999999999999999999", "%00", "1e3"]


def schema_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(path, method.upper()) for path, item in schema["paths"].items() for method in item]


def assert_error_shape(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert body["status"] == status
    if code:
        assert body["code"] == code, body
    return body


def test_every_path_with_an_id_answers_404_for_an_id_that_is_not_one(api, world):
    api.force_authenticate(world.users["office"])
    checked = 0
    for path, method in schema_operations():
        if "{" not in path:
            continue
        for bad in BAD_IDS:
            url = re.sub(r"\{\w+\}", bad, path)
            response = api.generic(method, url, "{}", content_type="application/json")
            body = assert_error_shape(response, 404, "not_found")
            assert body["errors"] == []
            checked += 1
    assert checked > 100 * len(BAD_IDS) // 2


def test_a_path_no_route_matches_answers_404_in_the_error_shape(api, world):
    api.force_authenticate(world.users["office"])
    for url in ["/api/nothing/", "/api/reports/1/nothing/", "/api/projects/abc/reports/", "/api/reports/1.json/x/"]:
        assert_error_shape(api.get(url), 404, "not_found")


def test_a_deeply_nested_body_to_the_token_endpoint_answers_400_not_recursion_error(api, world):
    body = "[" * 1000 + "]" * 1000  # 2 KB, nested 1,000 deep, anonymous
    response = api.post("/api/auth/token/", body, content_type="application/json")
    error = assert_error_shape(response, 400, "parse_error")
    assert "32" in error["detail"]
    objects = '{"a":' * 5000 + "1" + "}" * 5000
    assert_error_shape(api.post("/api/auth/token/", objects, content_type="application/json"), 400, "parse_error")


def test_nesting_within_the_limit_and_brackets_in_strings_are_fine(api, world):
    api.force_authenticate(world.users["office"])
    text = "[" * 100 + "{括号}" + "]" * 100
    response = api.patch(f"/api/zones/{world.zone.pk}/", {"description": text}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["description"] == text


def test_a_body_over_the_size_limit_answers_413_in_the_error_shape(api, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    api.force_authenticate(world.users["office"])
    body = json.dumps({"description": "x" * 20_000})
    response = api.generic("PATCH", f"/api/zones/{world.zone.pk}/", body, content_type="application/json")
    body = assert_error_shape(response, 413, "too_large")
    assert "10000" in body["detail"]
    anonymous = api.__class__()
    assert_error_shape(anonymous.post("/api/auth/token/", json.dumps({"username": "x" * 20_000, "password": "p"}),
                                      content_type="application/json"), 413, "too_large")


def test_text_longer_than_its_field_is_refused_naming_the_field(api, world):
    api.force_authenticate(world.users["office"])
    data = {"project": world.project.pk, "category": "funding", "title": "资金缺口", "responsible_unit": world.unit.pk,
            "raised_on": "2013-05-06", "deadline": "2013-05-31", "description": "长" * 4001}
    body = assert_error_shape(api.post("/api/problems/", data, format="json"), 400, "invalid")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("description", "max_length")]
    assert not Problem.objects.filter(title="资金缺口", description__startswith="长").exists()
    data["description"] = "长" * 4000
    response = api.post("/api/problems/", data, format="json")
    assert response.status_code == 201, response.content
    assert len(response.json()["description"]) == 4000


def test_every_free_text_field_is_bounded_in_the_model_and_in_the_api():
    # Models people write (those with a row in the role table); system logs such as reminders are not input.
    from projects.permissions import resource_of_model

    unbounded = [f"{model.__name__}.{field.name}" for model in apps.get_app_config("projects").get_models()
                 if not model.__name__.startswith("Historical") and resource_of_model(model) is not None
                 for field in model._meta.fields if isinstance(field, (models.TextField, models.CharField))
                 and not (field.max_length and any(isinstance(v, MaxLengthValidator) for v in field.validators))]
    assert unbounded == []
    unbounded_api = []
    for _prefix, viewset, basename in router.registry:
        serializer = viewset.serializer_class()
        for name, field in serializer.fields.items():
            if field.read_only or type(field).__name__ not in ("CharField", "ChoiceField"):
                continue
            if type(field).__name__ == "CharField" and not field.max_length:
                unbounded_api.append(f"{basename}.{name}")
    assert unbounded_api == []


# --- hostile Accept and charset headers: the advisories djangorestframework 3.18.2 fixed (our JSON parser ---
# --- refused non-text charsets already; DRF's form parser now does too) -----------------------------------


@pytest.mark.parametrize("accept", ["a/" + "b" * 20_000, "application/json;" + "q=1;" * 5_000])
def test_an_oversized_accept_header_answers_406_in_the_error_shape(api, world, accept):
    api.force_authenticate(world.users["office"])
    assert_error_shape(api.get("/api/projects/", HTTP_ACCEPT=accept), 406, "not_acceptable")


@pytest.mark.parametrize("charset", ["bz2_codec", "zlib_codec", "no-such-charset"])
def test_a_body_in_a_charset_that_is_not_text_answers_400(api, world, charset):
    import bz2

    api.force_authenticate(world.users["office"])
    body = bz2.compress(b'{"code": "x", "name": "' + b"y" * 100_000 + b'"}')  # 100 KB once "decoded"
    response = api.generic("POST", "/api/zones/", body, content_type=f"application/json; charset={charset}")
    assert_error_shape(response, 400, "parse_error")
    assert not Zone.objects.filter(code="x").exists()


# --- long lists of ids, big JSON bodies ---------------------------------------------------------------


def test_a_long_list_of_ids_is_refused_at_once_naming_the_field(api, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api.force_authenticate(world.users["office"])
    url = f"/api/projects/{world.project.pk}/"
    with CaptureQueriesContext(connection) as queries:
        response = api.patch(url, {"cooperating_units": [world.other_unit.pk] * 100_000}, format="json")
    body = assert_error_shape(response, 400, "invalid")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("cooperating_units", "max_length")]
    assert "200" in body["errors"][0]["message"]
    assert len(queries) < 20
    assert not world.project.cooperating_units.exists()


def test_ids_are_looked_up_in_one_query_and_duplicates_count_once(api, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.models import Unit

    api.force_authenticate(world.users["office"])
    url = f"/api/projects/{world.project.pk}/"
    units = [Unit.objects.create(name=f"配合单位{i}") for i in range(150)]

    def unit_lookups(ids):
        with CaptureQueriesContext(connection) as queries:
            response = api.patch(url, {"cooperating_units": ids}, format="json")
        assert response.status_code == 200, response.content[:300]
        return response, [q["sql"] for q in queries.captured_queries if 'FROM "projects_unit"' in q["sql"]
                          and "projects_project_cooperating_units" not in q["sql"]]

    response, few = unit_lookups([units[0].pk, units[1].pk, units[0].pk] * 10)
    assert response.json()["cooperating_units"] == [units[0].pk, units[1].pk]
    response, many = unit_lookups([unit.pk for unit in units] + [units[0].pk] * 50)
    assert sorted(response.json()["cooperating_units"]) == sorted(unit.pk for unit in units)
    assert len(many) == len(few) == 1, many


def test_an_id_that_does_not_exist_is_named(api, world):
    api.force_authenticate(world.users["office"])
    response = api.patch(f"/api/projects/{world.project.pk}/", {"cooperating_units": [world.unit.pk, 987654]},
                         format="json")
    body = assert_error_shape(response, 400, "invalid")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("cooperating_units", "does_not_exist")]
    assert "987654" in body["errors"][0]["message"]
    response = api.patch(f"/api/projects/{world.project.pk}/", {"cooperating_units": [10 ** 20]}, format="json")
    body = assert_error_shape(response, 400, "invalid")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("cooperating_units", "does_not_exist")]
    response = api.patch(f"/api/projects/{world.project.pk}/", {"cooperating_units": [world.unit.pk, "x"]},
                         format="json")
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("cooperating_units", "invalid")]


def test_the_schema_states_how_many_ids_a_list_takes(api, world):
    api.force_authenticate(world.users["office"])
    schemas = api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    lists = {f"{name}.{prop}": spec.get("maxItems") for name, schema in schemas.items() if name.endswith("Request")
             for prop, spec in schema.get("properties", {}).items()
             if spec.get("type") == "array" and spec.get("items", {}).get("type") == "integer"}
    assert lists and set(lists.values()) == {200}, lists
    assert "ProjectRequest.cooperating_units" in lists


def test_a_json_body_has_its_own_limit_below_the_uploads(api, world, settings):
    settings.TRACKER_MAX_JSON_BYTES = 1_000
    api.force_authenticate(world.users["office"])
    body = json.dumps({"description": "x" * 1_500})
    response = api.generic("PATCH", f"/api/zones/{world.zone.pk}/", body, content_type="application/json")
    error = assert_error_shape(response, 413, "too_large")
    assert "1000" in error["detail"]
    response = api.patch(f"/api/zones/{world.zone.pk}/", {"description": "x" * 900}, format="json")
    assert response.status_code == 200, response.content[:300]


# --- requests Django itself refuses (SuspiciousOperation: too many fields, …) ---------------------------


def test_too_many_query_parameters_answer_400_in_the_error_shape(api, world):
    api.force_authenticate(world.users["office"])
    query = "&".join(f"p{i}=1" for i in range(5000))
    body = assert_error_shape(api.get(f"/api/projects/?{query}"), 400, "too_many_fields")
    assert body["errors"] == [] and "1000" in body["detail"]


def test_a_form_with_too_many_fields_answers_400_in_the_error_shape(api, world):
    from urllib.parse import urlencode

    api.force_authenticate(world.users["office"])
    form = urlencode({f"f{i}": "x" for i in range(2000)})
    response = api.generic("POST", "/api/zones/", form, content_type="application/x-www-form-urlencoded")
    assert_error_shape(response, 400, "too_many_fields")
    assert not Zone.objects.filter(code="x").exists()


def test_outside_the_api_a_bad_request_is_still_a_page(client, world):
    query = "&".join(f"p{i}=1" for i in range(5000))
    client.force_login(world.users["office"])
    response = client.get(f"/admin/projects/project/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


# --- text filters are bounded ------------------------------------------------------------------------------


def test_a_search_text_longer_than_the_filters_limit_is_refused_not_an_outage(api, world):
    api.force_authenticate(world.users["office"])
    body = assert_error_shape(api.get("/api/projects/", {"q": "%_" * 30_000}), 400, "invalid")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("q", "max_length")]
    body = assert_error_shape(api.get("/api/problems/", {"project_name": "名" * 201}), 400, "invalid")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("project_name", "max_length")]
    assert api.get("/api/projects/", {"q": "名" * 200}).status_code == 200


def test_the_schema_bounds_every_text_filter(api, world):
    api.force_authenticate(world.users["office"])
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    unbounded, bounded = [], 0
    for path, item in paths.items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter["in"] != "query" or schema.get("type") != "string" or "enum" in schema \
                        or "format" in schema or "pattern" in schema:
                    continue
                if parameter["name"] in ("q", "search") or parameter["name"].endswith(("_name", "_code", "name")):
                    if schema.get("maxLength") != 200:
                        unbounded.append(f"{method.upper()} {path} {parameter['name']}")
                    bounded += 1
    assert unbounded == [] and bounded > 30


# --- messages a person can read, naming what is wrong --------------------------------------------------


def test_a_null_character_is_refused_in_proper_chinese(api, world):
    api.force_authenticate(world.users["office"])
    response = api.patch(f"/api/zones/{world.zone.pk}/", {"name": "新\x00区"}, format="json",
                         HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = assert_error_shape(response, 400, "invalid")
    [error] = body["errors"]
    assert (error["field"], error["code"]) == ("name", "null_characters_not_allowed")
    assert error["message"] == "不允许包含空字符（NUL）。"


@pytest.mark.parametrize("language,text", [("zh-hans", "请求体为空"), ("en", "No data provided")])
def test_a_null_body_is_refused_in_the_callers_language(api, world, language, text):
    api.force_authenticate(world.users["office"])
    response = api.generic("POST", "/api/zones/", "null", content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE=language)
    body = assert_error_shape(response, 400, "invalid")
    [error] = body["errors"]
    assert (error["field"], error["code"]) == (None, "null")
    assert error["message"].startswith(text), error["message"]
    assert "JSON" in error["message"]


def test_a_body_that_is_not_utf8_says_so_without_pythons_words(api, world):
    api.force_authenticate(world.users["office"])
    response = api.generic("POST", "/api/zones/", b'{"code": "\xff\xfe"}', content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="en")
    body = assert_error_shape(response, 400, "parse_error")
    assert "UTF-8" in body["detail"] and "byte 11" in body["detail"]
    assert "codec" not in body["detail"] and "0xff" not in body["detail"]


@pytest.mark.parametrize("url,parameter", [("/api/reports/?cursor=junk", "cursor"), ("/api/zones/?page=0", "page"),
                                           ("/api/zones/?page=abc", "page"),
                                           ("/api/projects/1/history/?page=-1", "page")])
def test_a_page_or_cursor_that_cannot_be_one_answers_400_naming_it(api, world, url, parameter):
    api.force_authenticate(world.users["office"])
    body = assert_error_shape(api.get(url.replace("/1/", f"/{world.project.pk}/")), 400, "invalid")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [(parameter, "invalid")]


def test_a_page_past_the_last_is_still_404(api, world):
    api.force_authenticate(world.users["office"])
    assert_error_shape(api.get("/api/zones/?page=99"), 404, "not_found")
    assert api.get("/api/zones/?page=last").status_code == 200
