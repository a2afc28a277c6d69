"""Excel in and out through the API: report template and import, library export and import."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from rest_framework.test import APIClient

from projects.choices import ReportStatus
from projects.excel.library import library_export
from projects.excel.reports import reports_template
from projects.models import AnnualPlan, MonthlyReport, Project
from projects.tests.dbdump import full_dump
from projects.tests.test_excel_reports import filled


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def september(db, project, plan):
    return MonthlyReport.objects.create(project=project, year=2013, month=9, completed_ytd=Decimal("50000"),
                                        status=ReportStatus.ACCEPTED)


@pytest.fixture
def other_project(db, other_unit):
    project = Project.objects.create(name="锦江商业广场暨五星级酒店", lead_unit=other_unit,
                                     total_investment=Decimal("100000"))
    AnnualPlan.objects.create(project=project, year=2013, planned_investment=Decimal("55000"))
    return project


def xlsx(data):
    file = io.BytesIO(data)
    file.name = "upload.xlsx"
    return file


def post_reports(api, data, **fields):
    return api.post("/api/reports/import/", {"file": xlsx(data), "month": "2013-10", **fields}, format="multipart")


def test_the_template_is_the_reporters_units(api, reporter, september, other_project, other_unit):
    api.force_authenticate(reporter)
    response = api.get("/api/reports/template/", {"month": "2013-10"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content))["月报"].iter_rows(values_only=True))
    assert [row[2] for row in rows[1:]] == ["星凯国际城市综合体"]
    assert api.get("/api/reports/template/", {"month": "2013-10", "unit": other_unit.pk}).status_code == 403


def test_office_narrows_the_template_to_a_unit(api, office, september, other_project, other_unit):
    api.force_authenticate(office)
    response = api.get("/api/reports/template/", {"month": "2013-10", "unit": other_unit.pk})
    rows = list(load_workbook(io.BytesIO(response.content))["月报"].iter_rows(values_only=True))
    assert [row[2] for row in rows[1:]] == ["锦江商业广场暨五星级酒店"]


def test_a_bad_month_is_a_400_on_month(api, reporter):
    api.force_authenticate(reporter)
    response = api.get("/api/reports/template/", {"month": "10/2013"})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["month"]


def test_the_month_is_what_the_schemas_pattern_says(api, reporter, september):
    """Found by the fuzz (test_fuzz_api.py): the schema said any string; "2013-1" and " 2013-10" were
    read as months. Now the schema gives the pattern and the API takes exactly what it matches."""
    from projects.api.imports import MONTH_PATTERN

    api.force_authenticate(reporter)
    for bad in ("2013-1", " 2013-10", "2013-13", "1999-12", "２０１３-10", "2013-10-01"):
        assert not re.fullmatch(MONTH_PATTERN, bad)
        response = api.get("/api/reports/template/", {"month": bad})
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "month", bad
    assert re.fullmatch(MONTH_PATTERN, "2013-10")
    assert api.get("/api/reports/template/", {"month": "2013-10"}).status_code == 200
    schema = api.get("/api/schema/", {"format": "json"}).json()
    month = [p for p in schema["paths"]["/api/reports/template/"]["get"]["parameters"] if p["name"] == "month"][0]
    assert month["schema"]["pattern"] == MONTH_PATTERN


def test_dry_run_stores_nothing_then_the_import_stores(api, reporter, september):
    api.force_authenticate(reporter)
    data = filled(reports_template(user=reporter, year=2013, month=10), [62000])
    before = full_dump()
    response = post_reports(api, data, dry_run="true")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["imported"] is False and body["created"] == 1
    assert body["rows"][0]["completed_ytd"] == "62000.00" and body["rows"][0]["previous_ytd"] == "50000.00"
    assert full_dump() == before

    response = post_reports(api, data, dry_run="false", submit="true")
    assert response.status_code == 200 and response.json()["imported"] is True
    assert MonthlyReport.objects.get(month=10).status == ReportStatus.SUBMITTED


def test_a_bad_row_is_a_400_in_the_one_error_shape_and_stores_nothing(api, reporter, september, other_project):
    api.force_authenticate(reporter)
    template = reports_template(user=reporter, year=2013, month=10)
    data = filled(template, [-5, [other_project.pk, "", other_project.name, "", None, None, 100]])
    before = full_dump()
    response = post_reports(api, data)
    assert response.status_code == 400
    body = response.json()
    assert {"status", "code", "detail", "errors"} <= set(body) and body["status"] == 400
    cells = {(e["row"], e["column"], e["field"]) for e in body["errors"]}
    assert cells == {(2, "G", "completed_ytd"), (3, "C", "name")}
    assert all(e["message"] and e["header"] for e in body["errors"])
    assert full_dump() == before


def test_an_outsider_cannot_import_another_units_project(api, outsider, reporter, september):
    api.force_authenticate(outsider)
    data = filled(reports_template(user=reporter, year=2013, month=10), [62000])
    response = post_reports(api, data)
    assert response.status_code == 400
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(2, "C")]
    assert not MonthlyReport.objects.filter(month=10).exists()


def test_a_damaged_file_is_a_400_on_file(api, reporter):
    api.force_authenticate(reporter)
    response = post_reports(api, b"garbage")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["file"]


@pytest.mark.parametrize("persona", ["leader_user", "auditor"])
def test_leaders_and_auditors_get_403(api, persona, request, september):
    user = request.getfixturevalue(persona)
    api.force_authenticate(user)
    assert api.get("/api/reports/template/", {"month": "2013-10"}).status_code == 403
    response = post_reports(api, b"whatever")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert api.post("/api/projects/import/", {"file": xlsx(b"x")}, format="multipart").status_code == 403


def test_anonymous_gets_401(api):
    assert api.get("/api/reports/template/", {"month": "2013-10"}).status_code == 401
    assert api.post("/api/projects/import/", {}, format="multipart").status_code == 401


@pytest.fixture
def library(db):
    call_command("loaddata", "fixtures/facts.json", verbosity=0)


def test_the_library_export_honours_the_project_filters(api, auditor, library):
    api.force_authenticate(auditor)
    response = api.get("/api/projects/xlsx/", {"stage": "completed"})
    assert response.status_code == 200
    names = [row[2] for row in load_workbook(io.BytesIO(response.content))["项目库"].iter_rows(
        min_row=2, values_only=True)]
    assert sorted(names) == sorted(Project.objects.filter(stage="completed").values_list("name", flat=True))
    assert names


def test_library_dry_run_and_import(api, office, library):
    api.force_authenticate(office)
    workbook = load_workbook(io.BytesIO(library_export()))
    workbook["项目库"].append([None, "", "新项目甲", "New project A", "", "工业", "储备", "", "", "", "", "", "",
                              5000])
    workbook["年度计划"].append([None, "新项目甲", 2014, 1000, ""])
    out = io.BytesIO()
    workbook.save(out)
    before = full_dump()
    response = api.post("/api/projects/import/", {"file": xlsx(out.getvalue()), "dry_run": "true"},
                        format="multipart")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["imported"] is False
    assert body["summary"]["projects"]["create"] == 1 and body["summary"]["plans"]["create"] == 1
    assert full_dump() == before

    response = api.post("/api/projects/import/", {"file": xlsx(out.getvalue())}, format="multipart")
    assert response.status_code == 200 and response.json()["imported"] is True
    project = Project.objects.get(name="新项目甲")
    assert project.stage == "reserve" and project.category == "industry"
    assert project.annual_plans.get().planned_investment == Decimal("1000.00")


def test_library_import_errors_are_a_400_with_sheet_row_and_column(api, office, library):
    api.force_authenticate(office)
    workbook = load_workbook(io.BytesIO(library_export()))
    workbook["项目库"]["G2"] = "快完了"
    out = io.BytesIO()
    workbook.save(out)
    response = api.post("/api/projects/import/", {"file": xlsx(out.getvalue())}, format="multipart")
    assert response.status_code == 400
    assert [(e["sheet"], e["row"], e["column"], e["field"]) for e in response.json()["errors"]] == [
        ("项目库", 2, "G", "stage")]


def test_a_reporter_may_not_import_the_library(api, reporter, library):
    api.force_authenticate(reporter)
    response = api.post("/api/projects/import/", {"file": xlsx(library_export())}, format="multipart")
    assert response.status_code == 403
