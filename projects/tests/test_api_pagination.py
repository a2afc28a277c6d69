"""Every list of the published schema is paged (page numbers, or a cursor for reports); only the
OC4IDS package, one document, is not."""

import re

from drf_spectacular.generators import SchemaGenerator

from projects.tests.api_utils import api, fast_passwords, users, world  # noqa: F401

UNPAGED = {"/api/oc4ids/", "/api/health/"}


def is_collection(operation):
    """A GET answering JSON that is a list or a page of one (not a document such as the dashboard,
    nor a workbook download)."""
    content = operation["responses"].get("200", {}).get("content", {})
    if "application/json" not in content:
        return False
    body = content["application/json"]["schema"]
    return body.get("type") == "array" or body.get("$ref", "").split("/")[-1].startswith("Paginated")


def test_every_list_is_paged(api, world):
    api.force_authenticate(world.users["auditor"])
    schema = SchemaGenerator().get_schema(request=None, public=True)
    lists = [path for path, item in schema["paths"].items()
             if "get" in item and path not in UNPAGED and not path.endswith("{id}/") and "auth" not in path
             and is_collection(item["get"])]
    assert len(lists) > 30
    for path in lists:
        url = re.sub(r"\{\w+\}", "1", path)
        response = api.get(url, {"page_size": 1})
        if response.status_code == 404:  # a nested list whose parent 1 does not exist here
            continue
        assert response.status_code == 200, (path, response.status_code)
        body = response.json()
        assert set(body) >= {"next", "previous", "results"}, path
        assert len(body["results"]) <= 1, path
        if path.startswith("/api/reports/") or path.endswith("/reports/"):
            assert "count" not in body, path  # the cursor
