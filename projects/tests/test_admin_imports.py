"""The admin pages of the Excel imports: template download, upload, preview (row, column, reason),
confirm; all rows or none; reporters only ever see and import their unit's projects."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from projects.choices import ReportStatus
from projects.excel.library import library_export
from projects.excel.reports import reports_template
from projects.models import AnnualPlan, MonthlyReport, Project
from projects.tests.dbdump import full_dump
from projects.tests.test_excel_reports import filled

REPORTS_URL = "/admin/projects/monthlyreport/import/"
LIBRARY_URL = "/admin/projects/project/import/"


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


def upload(client, url, data, **fields):
    file = io.BytesIO(data)
    file.name = "upload.xlsx"
    return client.post(url, {"file": file, "preview": "1", **fields})


def sheet_rows(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(io.BytesIO(content))["月报"].iter_rows(values_only=True))


def test_reverse_names_match_the_urls():
    assert reverse("admin:projects_monthlyreport_import") == REPORTS_URL
    assert reverse("admin:projects_project_import") == LIBRARY_URL


def test_the_changelist_and_the_index_offer_the_import_to_a_reporter(client, reporter):
    client.force_login(reporter)
    changelist = client.get(reverse("admin:projects_monthlyreport_changelist"))
    assert REPORTS_URL in changelist.content.decode()
    index = client.get(reverse("admin:index")).content.decode()
    assert 'id="index-import-reports"' in index and LIBRARY_URL not in index


def test_a_reporter_downloads_the_units_template(client, reporter, september, other_project):
    client.force_login(reporter)
    page = client.get(REPORTS_URL)
    assert page.status_code == 200 and 'id="download-template"' in page.content.decode()
    assert "unit" not in page.context["upload_form"].fields  # a reporter cannot pick another unit
    response = client.get(REPORTS_URL, {"download": "1", "month": "2013-10", "unit": other_project.lead_unit_id})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(response)
    assert [row[2] for row in rows[1:]] == ["星凯国际城市综合体"]
    assert Decimal(str(rows[1][5])) == Decimal("50000")


def test_a_bad_month_for_the_template_is_a_form_error(client, reporter):
    client.force_login(reporter)
    response = client.get(REPORTS_URL, {"download": "1", "month": "2013-13"})
    assert response.status_code == 200
    assert response.context["upload_form"].errors["month"]
    assert "file" not in response.context["upload_form"].errors  # no file is needed for the template


def test_office_staff_choose_a_unit_for_the_template(client, office, september, other_project, other_unit):
    client.force_login(office)
    rows = sheet_rows(client.get(REPORTS_URL, {"download": "1", "month": "2013-10", "unit": other_unit.pk}))
    assert [row[2] for row in rows[1:]] == ["锦江商业广场暨五星级酒店"]
    rows = sheet_rows(client.get(REPORTS_URL, {"download": "1", "month": "2013-10"}))
    assert len(rows) == 3  # all units


def test_one_bad_row_shows_row_column_and_reason_and_stores_nothing(client, reporter, september):
    client.force_login(reporter)
    template = reports_template(user=reporter, year=2013, month=10)
    before = full_dump()
    response = upload(client, REPORTS_URL, filled(template, ["六万"]), month="2013-10")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-errors"' in html
    errors = response.context["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "G")]
    assert "六万" in errors[0]["message"]
    assert response.context["confirm_form"] is None
    assert 'name="confirm"' in html and "disabled" in html.split('id="confirm-import"')[1].split(">")[0]
    assert response.context["upload_form"].non_field_errors()
    assert full_dump() == before


def test_the_month_is_asked_once_and_starts_at_the_month_being_reported(client, reporter, september):
    """One month field on the page, for the template and the upload alike, set to the month being
    reported; the "Download template" button sends that month."""
    from projects.selectors import reporting_month
    from projects.tests.page_text import page_text

    client.force_login(reporter)
    page = client.get(REPORTS_URL)
    html = page.content.decode()
    year, month = reporting_month()
    assert html.count('name="month"') == 1
    assert f'type="month" name="month" value="{year}-{month:02d}"' in html
    text = page_text(html)
    assert text.count("月份:") == 1 and "填报月份" in text
    # The one form's download button: the month as entered, no file needed.
    response = client.post(REPORTS_URL, {"month": "2013-10", "download": "1"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].endswith("2013-10.xlsx\"") or "2013-10.xlsx" in response["Content-Disposition"]
    assert [row[2] for row in sheet_rows(response)[1:]] == ["星凯国际城市综合体"]
    # A preview asks for the file.
    response = client.post(REPORTS_URL, {"month": "2013-10", "preview": "1"})
    assert response.status_code == 200 and response.context["upload_form"].errors["file"]


def test_after_an_upload_the_form_keeps_the_uploaded_month(client, reporter, september):
    client.force_login(reporter)
    template = reports_template(user=reporter, year=2013, month=10)
    response = upload(client, REPORTS_URL, filled(template, ["六万"]), month="2013-10")
    assert response.context["upload_form"]["month"].value() == "2013-10"
    html = response.content.decode()
    assert html.count('name="month"') == 1 and 'name="month" value="2013-10"' in html


def test_a_fixed_upload_previews_then_confirms_and_is_stored(client, reporter, september):
    client.force_login(reporter)
    template = reports_template(user=reporter, year=2013, month=10)
    before = full_dump()
    response = upload(client, REPORTS_URL, filled(template, [62000]), month="2013-10", submit="on")
    assert response.status_code == 200
    assert response.context["errors"] == []
    assert response.context["counts"] == {"create": 1, "update": 0, "unchanged": 0, "errors": 0}
    html = response.content.decode()
    assert 'id="import-preview"' in html and "62000" in html
    assert full_dump() == before  # the preview stores nothing
    payload = response.context["confirm_form"].initial["payload"]

    done = client.post(REPORTS_URL, {"confirm": "1", "payload": payload})
    assert done.status_code == 302 and done["Location"] == reverse("admin:projects_monthlyreport_changelist")
    report = MonthlyReport.objects.get(month=10)
    assert report.completed_ytd == Decimal("62000.00")
    assert report.status == ReportStatus.SUBMITTED  # "submit after import" was ticked
    assert report.history.get().history_user == reporter


def test_a_tampered_payload_is_refused_and_stores_nothing(client, reporter, september):
    client.force_login(reporter)
    response = upload(client, REPORTS_URL, filled(reports_template(user=reporter, year=2013, month=10), [62000]),
                      month="2013-10")
    payload = response.context["confirm_form"].initial["payload"]
    before = full_dump()
    tampered = payload.replace("2013-10", "2013-11", 1)
    response = client.post(REPORTS_URL, {"confirm": "1", "payload": tampered})
    assert response.status_code == 200
    assert response.context["error_form"].errors
    assert 'id="confirm-errors"' in response.content.decode()
    assert full_dump() == before


def test_confirm_rechecks_and_stores_nothing_when_the_data_changed(client, reporter, september):
    client.force_login(reporter)
    response = upload(client, REPORTS_URL, filled(reports_template(user=reporter, year=2013, month=10), [62000]),
                      month="2013-10")
    payload = response.context["confirm_form"].initial["payload"]
    # Meanwhile the office corrects September upwards: October's 62000 is now below it.
    MonthlyReport.objects.filter(pk=september.pk).update(completed_ytd=Decimal("70000"))
    before = full_dump()
    response = client.post(REPORTS_URL, {"confirm": "1", "payload": payload})
    assert response.status_code == 200
    assert [(e["row"], e["column"]) for e in response.context["errors"]] == [(2, "G")]
    assert full_dump() == before


def test_an_outsider_cannot_import_another_units_project(client, outsider, reporter, september):
    client.force_login(outsider)
    data = filled(reports_template(user=reporter, year=2013, month=10), [62000])
    before = full_dump()
    response = upload(client, REPORTS_URL, data, month="2013-10")
    assert response.status_code == 200
    errors = response.context["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "C")]
    assert response.context["confirm_form"] is None
    assert full_dump() == before


def test_a_damaged_file_is_a_form_error_on_the_file(client, reporter):
    client.force_login(reporter)
    response = upload(client, REPORTS_URL, b"not a workbook", month="2013-10")
    assert response.status_code == 200
    assert response.context["upload_form"].errors["file"]


def test_an_oversized_file_is_a_form_error(client, reporter, settings):
    settings.TRACKER_MAX_UPLOAD_BYTES = 100
    client.force_login(reporter)
    response = upload(client, REPORTS_URL, b"x" * 500, month="2013-10")
    assert response.context["upload_form"].errors["file"]


@pytest.mark.parametrize("persona", ["leader_user", "auditor"])
def test_leaders_and_auditors_cannot_import_reports(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(REPORTS_URL).status_code == 403


# --- the project library --------------------------------------------------------------------------


@pytest.fixture
def library(db):
    call_command("loaddata", "fixtures/facts.json", verbosity=0)


def test_office_exports_and_reimports_the_library_through_the_admin(client, admin_client, office, library):
    changelist = admin_client.get(reverse("admin:projects_project_changelist"))  # a superuser counts as office
    assert LIBRARY_URL in changelist.content.decode()
    client.force_login(office)
    export = client.get(LIBRARY_URL, {"export": "1"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(export.content))
    assert workbook.sheetnames == ["项目库", "年度计划", "时间节点"]

    sheet = workbook["项目库"]
    sheet["G2"] = "续建"
    sheet["N2"] = 123456
    out = io.BytesIO()
    workbook.save(out)
    before = full_dump()
    response = upload(client, LIBRARY_URL, out.getvalue())
    assert response.status_code == 200 and response.context["errors"] == []
    assert response.context["counts"]["update"] == 1
    assert 'id="import-preview"' in response.content.decode()
    assert full_dump() == before
    payload = response.context["confirm_form"].initial["payload"]
    done = client.post(LIBRARY_URL, {"confirm": "1", "payload": payload})
    assert done.status_code == 302
    name = sheet["C2"].value
    project = Project.objects.get(name=name)
    assert project.total_investment == Decimal("123456.00")
    assert project.history.first().history_user == office


def test_library_errors_show_sheet_row_and_column(client, office, library):
    client.force_login(office)
    workbook = load_workbook(io.BytesIO(library_export()))
    workbook["项目库"]["I3"] = "不存在的区域"
    out = io.BytesIO()
    workbook.save(out)
    before = full_dump()
    response = upload(client, LIBRARY_URL, out.getvalue())
    errors = response.context["errors"]
    assert [(e["sheet"], e["row"], e["column"]) for e in errors] == [("项目库", 3, "I")]
    assert response.context["confirm_form"] is None
    assert full_dump() == before


def test_a_reporter_may_export_but_not_import_the_library(client, reporter, library):
    client.force_login(reporter)
    page = client.get(LIBRARY_URL)
    assert page.status_code == 200 and 'id="upload-form"' not in page.content.decode()
    assert client.get(LIBRARY_URL, {"export": "1"}).status_code == 200
    response = upload(client, LIBRARY_URL, library_export())
    assert response.status_code == 403


def test_the_report_preview_page_runs_a_fixed_number_of_queries(client, office, unit, september):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(office)

    def preview_queries():
        template = reports_template(user=office, year=2013, month=10)
        count = len(load_workbook(io.BytesIO(template))["月报"]["A"]) - 1
        data = filled(template, [62000 + n for n in range(count)])
        with CaptureQueriesContext(connection) as queries:
            response = upload(client, REPORTS_URL, data, month="2013-10")
        assert response.context["counts"]["create"] == count
        return len(queries)

    small = preview_queries()
    for n in range(20):
        project = Project.objects.create(name=f"测试项目{n}", lead_unit=unit)
        AnnualPlan.objects.create(project=project, year=2013, planned_investment=Decimal("100"))
    assert preview_queries() == small == 11  # incl. the later months a YTD must not exceed
