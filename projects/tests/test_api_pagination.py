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


def test_the_report_cursor_reads_every_report_of_a_big_year_once(api, world):
    """More than DRF's 1,000-item offset cap in one period ordering: every report comes exactly once,
    newest entered first, and the cursor is a keyset on the id (no OFFSET)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.models import MonthlyReport, Project

    projects = Project.objects.bulk_create([Project(name=f"游标项目{n:03d}") for n in range(110)])
    MonthlyReport.objects.bulk_create([
        MonthlyReport(project=project, year=2013, month=month, completed_ytd=month)
        for project in projects for month in range(1, 13)])  # 1,320 reports of 2013
    expected = list(MonthlyReport.objects.order_by("-id").values_list("id", flat=True))
    api.force_authenticate(world.users["auditor"])
    seen, url, pages = [], "/api/reports/?page_size=100", 0
    while url:
        with CaptureQueriesContext(connection) as queries:
            body = api.get(url).json()
        if pages:
            assert not any("OFFSET" in q["sql"] for q in queries.captured_queries if "monthlyreport" in q["sql"])
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
        assert pages < 50, "the cursor does not advance"
    assert seen == expected and len(seen) > 1300


def test_page_size_is_a_whole_number_from_one(api, world):
    """Found by the fuzz (test_fuzz_api.py): `page_size=false` (or 0, -5, 1.5) was ignored and
    answered 50 rows, as if a client had not asked. Now: 400 naming page_size; above the maximum,
    the maximum; empty, the default. The schema says so (minimum 1, allowEmptyValue)."""
    from projects.models import Unit

    api.force_authenticate(world.users["auditor"])
    for n in range(3):
        Unit.objects.create(name=f"单位{n}")
    total = Unit.objects.filter(is_archived=False).count()
    for bad in ("false", "0", "-5", "1.5", "²", " 2"):
        for url in ("/api/units/", "/api/reports/", f"/api/units/{world.unit.pk}/history/"):
            response = api.get(url, {"page_size": bad})
            assert response.status_code == 400, (url, bad)
            assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("page_size", "invalid")]
    assert len(api.get("/api/units/", {"page_size": 2}).json()["results"]) == 2
    assert len(api.get("/api/units/", {"page_size": ""}).json()["results"]) == total
    assert api.get("/api/units/", {"page_size": 10**9}).status_code == 200  # the maximum, 500
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in ("/api/units/", "/api/reports/", "/api/units/{id}/history/"):
        size = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "page_size"][0]
        assert size["schema"]["minimum"] == 1 and size["allowEmptyValue"] is True, path
