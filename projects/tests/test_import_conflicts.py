"""The report and library imports check versions: a record saved by someone else after the preview
is a conflict named in the answer (row, who, when, what changed), nothing is written, and versions
only grow. The concurrent writers themselves are in test_import_concurrency.py."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from projects.choices import ReportStatus
from projects.excel.library import library_export
from projects.excel.reports import reports_template
from projects.models import MonthlyReport, Project
from projects.tests.dbdump import full_dump
from projects.tests.test_excel_reports import filled

REPORTS_URL = "/admin/projects/monthlyreport/import/"
LIBRARY_URL = "/admin/projects/project/import/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def october(db, project, plan, reporter):
    """A draft October report of `project` (version 1), 61000 万元."""
    MonthlyReport.objects.create(project=project, year=2013, month=9, completed_ytd=Decimal("50000"),
                                 status=ReportStatus.ACCEPTED)
    return MonthlyReport.objects.create(project=project, year=2013, month=10, completed_ytd=Decimal("61000"),
                                        status=ReportStatus.DRAFT)


def xlsx(data):
    file = io.BytesIO(data)
    file.name = "upload.xlsx"
    return file


def post_reports(api, data, **fields):
    return api.post("/api/reports/import/", {"file": xlsx(data), "month": "2013-10", **fields}, format="multipart")


def october_file(reporter, ytd=62000):
    return filled(reports_template(user=reporter, year=2013, month=10), [ytd])


def patch_october(api, user, report, ytd, **headers):
    api.force_authenticate(user)
    response = api.patch(f"/api/reports/{report.pk}/", {"completed_ytd": ytd}, format="json", **headers)
    api.force_authenticate(None)
    return response


# --- the API -------------------------------------------------------------------------------------


def test_a_report_saved_after_the_dry_run_is_a_conflict_naming_row_user_and_change(api, reporter, office,
                                                                                  october):
    office.first_name = "王主任"
    office.save()
    data = october_file(reporter)
    api.force_authenticate(reporter)
    dry = post_reports(api, data, dry_run="true")
    assert dry.status_code == 200
    assert dry.data["rows"][0]["report"] == october.pk and dry.data["rows"][0]["version"] == 1
    token = dry.data["preview_token"]

    assert patch_october(api, office, october, "61500.00").status_code == 200  # acknowledged: version 2

    before = full_dump()
    api.force_authenticate(reporter)
    response = post_reports(api, data, preview_token=token)
    assert response.status_code == 409
    assert response.data["code"] == "changed_meanwhile"
    [error] = response.data["errors"]
    assert (error["row"], error["record"], error["user"], error["code"]) == (2, october.pk, "王主任",
                                                                              "changed_meanwhile")
    assert error["date"]
    assert "61000.00 → 61500.00" in error["message"] and "王主任" in error["message"]
    assert full_dump() == before  # nothing written: the PATCH's 61500 stands, at version 2
    october.refresh_from_db()
    assert (october.completed_ytd, october.version) == (Decimal("61500.00"), 2)

    # A dry run with the old token says the same, as a conflict.
    again = post_reports(api, data, dry_run="true", preview_token=token)
    assert again.status_code == 409 and again.data["errors"][0]["row"] == 2
    # A fresh preview sees version 2; imported with its token, the file's figure is stored at version 3.
    fresh = post_reports(api, data, dry_run="true")
    assert fresh.data["rows"][0]["version"] == 2
    done = post_reports(api, data, preview_token=fresh.data["preview_token"])
    assert done.status_code == 200 and done.data["imported"] is True and done.data["conflicts"] == []
    october.refresh_from_db()
    assert (october.completed_ytd, october.version) == (Decimal("62000.00"), 3)


def test_an_unchanged_record_imports_with_its_token_and_the_version_grows_by_one(api, reporter, october):
    data = october_file(reporter)
    api.force_authenticate(reporter)
    token = post_reports(api, data, dry_run="true").data["preview_token"]
    response = post_reports(api, data, preview_token=token)
    assert response.status_code == 200 and response.data["updated"] == 1
    october.refresh_from_db()
    assert (october.completed_ytd, october.version) == (Decimal("62000.00"), 2)
    assert list(october.history.order_by("history_id").values_list("version", flat=True)) == [1, 2]


def test_a_report_created_after_the_dry_run_is_a_conflict(api, reporter, project, plan):
    MonthlyReport.objects.create(project=project, year=2013, month=9, completed_ytd=Decimal("50000"),
                                 status=ReportStatus.ACCEPTED)
    data = october_file(reporter)
    api.force_authenticate(reporter)
    dry = post_reports(api, data, dry_run="true")
    assert dry.data["rows"][0]["action"] == "create" and dry.data["rows"][0]["report"] is None
    api.post("/api/reports/", {"project": project.pk, "year": 2013, "month": 10, "completed_ytd": "60000.00"},
             format="json")
    created = MonthlyReport.objects.get(project=project, year=2013, month=10)
    response = post_reports(api, data, preview_token=dry.data["preview_token"])
    assert response.status_code == 409
    [error] = response.data["errors"]
    assert (error["row"], error["record"], error["user"]) == (2, created.pk, "reporter")
    created.refresh_from_db()
    assert (created.completed_ytd, created.version) == (Decimal("60000.00"), 1)


def test_a_token_for_another_file_or_altered_is_refused_on_the_field(api, reporter, october):
    api.force_authenticate(reporter)
    token = post_reports(api, october_file(reporter), dry_run="true").data["preview_token"]
    other = post_reports(api, october_file(reporter, 63000), preview_token=token)
    assert other.status_code == 400
    assert [(e["field"], e["code"]) for e in other.data["errors"]] == [("preview_token", "other_file")]
    altered = post_reports(api, october_file(reporter), preview_token=token[:-2] + "xx")
    assert [(e["field"], e["code"]) for e in altered.data["errors"]] == [("preview_token", "bad_token")]
    october.refresh_from_db()
    assert october.version == 1


def library_workbook(project_name, new_investment):
    workbook = load_workbook(io.BytesIO(library_export()))
    sheet = workbook["项目库"]
    for row in sheet.iter_rows(min_row=2):
        if row[2].value == project_name:
            row[13].value = new_investment
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_project_saved_after_the_library_dry_run_is_a_conflict(api, office, project, plan):
    data = library_workbook(project.name, 210000)
    api.force_authenticate(office)
    dry = api.post("/api/projects/import/", {"file": xlsx(data), "dry_run": "true"}, format="multipart")
    assert dry.status_code == 200 and dry.data["updated"] == 1
    changed = api.patch(f"/api/projects/{project.pk}/", {"description": "补充简介"}, format="json")
    assert changed.status_code == 200
    before = full_dump()
    response = api.post("/api/projects/import/", {"file": xlsx(data), "preview_token": dry.data["preview_token"]},
                        format="multipart")
    assert response.status_code == 409
    [error] = response.data["errors"]
    assert (error["sheet"], error["row"], error["record"], error["user"]) == ("项目库", 2, project.pk, "office")
    assert "补充简介" in error["message"]
    assert full_dump() == before
    project.refresh_from_db()
    assert (project.total_investment, project.description, project.version) == (Decimal("200000.00"), "补充简介", 2)


# --- the admin -----------------------------------------------------------------------------------


def upload(client, url, data, **fields):
    return client.post(url, {"file": xlsx(data), **fields})


def test_the_admin_confirm_page_shows_the_conflicts_and_stores_nothing(client, api, reporter, office, october):
    client.force_login(reporter)
    response = upload(client, REPORTS_URL, october_file(reporter), month="2013-10")
    form = response.context["confirm_form"]
    assert patch_october(api, office, october, "61500.00").status_code == 200
    before = full_dump()
    response = client.post(REPORTS_URL, {"confirm": "1", "payload": form.initial["payload"],
                                         "seen": form.initial["seen"]})
    assert response.status_code == 200
    assert full_dump() == before
    [conflict] = response.context["conflicts"]
    assert (conflict.row, conflict.label, conflict.user, conflict.record) == (2, "星凯国际城市综合体", "office",
                                                                              october.pk)
    html = response.content.decode()
    assert 'id="import-conflicts"' in html and "61000.00 → 61500.00" in html
    assert 'class="conflict-user">office<' in html
    # The page now previews the data as it is (old YTD 61500) and may be confirmed again.
    assert [str(r.current_ytd) for r in response.context["report_rows"]] == ["61500.00"]
    form = response.context["confirm_form"]
    done = client.post(REPORTS_URL, {"confirm": "1", "payload": form.initial["payload"], "seen": form.initial["seen"]})
    assert done.status_code == 302
    october.refresh_from_db()
    assert (october.completed_ytd, october.version) == (Decimal("62000.00"), 3)


def test_the_admin_library_confirm_shows_a_project_changed_meanwhile(client, api, office, project, plan):
    client.force_login(office)
    response = upload(client, LIBRARY_URL, library_workbook(project.name, 210000))
    form = response.context["confirm_form"]
    Project.objects.get(pk=project.pk).save()  # someone saves the project: version 2
    response = client.post(LIBRARY_URL, {"confirm": "1", "payload": form.initial["payload"],
                                         "seen": form.initial["seen"]})
    assert response.status_code == 200
    [conflict] = response.context["conflicts"]
    assert (conflict.sheet, conflict.row, conflict.seen_version, conflict.version) == ("项目库", 2, 1, 2)
    assert 'id="import-conflicts"' in response.content.decode()
    project.refresh_from_db()
    assert (project.total_investment, project.version) == (Decimal("200000.00"), 2)
