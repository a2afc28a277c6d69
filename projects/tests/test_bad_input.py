"""Bad input of every kind gets a clear error and leaves the database exactly as it was.

Each case takes a full dump of the database (every row of every table, projects.tests.dbdump)
before and after, on a database with a record in every table, and compares them: nothing is
half-written. Fixtures (load_library, loaddata), workbooks (preview, import, the import command)
and API bodies are covered."""

import datetime
import io
import json
import zipfile
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook
from rest_framework.test import APIClient

from projects.excel.reports import COLUMNS, reports_import, reports_preview, reports_template
from projects.exceptions import DomainError
from projects.models import MonthlyReport, Project
from projects.tests.dbdump import full_dump, populate_every_model

HEADERS = [header for _key, header, _width in COLUMNS]


@pytest.fixture
def populated(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    populate_every_model()
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.all()}
    with translation.override("en"):
        yield users


@pytest.fixture
def unchanged(populated):
    """Asserts, after the test, that the database holds exactly what it held before."""
    before = full_dump()
    yield populated
    assert full_dump() == before, "bad input changed the database"


# --- fixtures ------------------------------------------------------------------------------------


def reporter_project():
    return Project.objects.get(name="星凯国际城市综合体")


GOOD_ZONE = {"model": "projects.zone", "pk": 900, "fields": {"code": "new-zone", "name": "新区"}}
BAD_FIXTURES = {
    "bad JSON": '[{"model": "projects.zone", "pk": 900, "fields": {"code": "x"',
    "not a list": '{"model": "projects.zone"}',
    "unknown model": json.dumps([{"model": "projects.nothing", "pk": 1, "fields": {}}]),
    "unknown field": json.dumps([{**GOOD_ZONE, "fields": {**GOOD_ZONE["fields"], "colour": "red"}}]),
    "text for a number": json.dumps([GOOD_ZONE, {"model": "projects.zone", "pk": 901,
                                                 "fields": {"code": "z2", "name": "区", "area_km2": "three"}}]),
    "date out of range": json.dumps([GOOD_ZONE, {"model": "projects.programme", "pk": 900, "fields": {
        "code": "p", "year": 2013, "label": "p", "name": "p", "reported_as_of": "2013-13-45"}}]),
    "bad foreign key": json.dumps([GOOD_ZONE, {"model": "projects.project", "pk": 9000, "fields": {
        "name": "无此区的项目", "zone": 123456, "total_investment": "1.00"}}]),
}


@pytest.mark.parametrize("case", sorted(BAD_FIXTURES))
def test_a_malformed_fixture_is_refused_by_loaddata_and_changes_nothing(unchanged, tmp_path, case):
    path = tmp_path / "bad.json"
    path.write_text(BAD_FIXTURES[case], encoding="utf-8")
    with pytest.raises(Exception) as excinfo:  # noqa: PT011 - loaddata raises several kinds
        call_command("loaddata", str(path), verbosity=0)
    assert "bad.json" in str(excinfo.value) or "bad" in str(excinfo.value).lower()


@pytest.mark.parametrize("case", sorted(BAD_FIXTURES))
def test_load_library_says_which_fixture_is_bad_and_changes_nothing(unchanged, tmp_path, monkeypatch, case):
    from projects.management.commands import load_library

    facts = tmp_path / "facts.json"
    facts.write_text(BAD_FIXTURES[case], encoding="utf-8")
    monkeypatch.setattr(load_library, "FACTS", facts)
    with pytest.raises(CommandError) as excinfo:
        call_command("load_library", "--no-demo", stdout=StringIO())
    message = str(excinfo.value)
    assert "facts.json" in message and "Nothing was loaded" in message


def test_a_bad_demo_fixture_undoes_the_good_facts_too(unchanged, tmp_path, monkeypatch):
    from projects.management.commands import load_library

    facts, demo = tmp_path / "facts.json", tmp_path / "demo.json"
    facts.write_text(json.dumps([GOOD_ZONE]), encoding="utf-8")
    demo.write_text(BAD_FIXTURES["bad foreign key"], encoding="utf-8")
    monkeypatch.setattr(load_library, "FACTS", facts)
    monkeypatch.setattr(load_library, "DEMO", demo)
    with pytest.raises(CommandError, match="demo.json"):
        call_command("load_library", stdout=StringIO())


# --- workbooks -----------------------------------------------------------------------------------


def workbook_bytes(rows, meta=(2013, 10), sheet="月报"):
    workbook = Workbook()
    workbook.active.title = sheet
    workbook.active.append(HEADERS)
    for row in rows:
        workbook.active.append(row)
    info = workbook.create_sheet("说明")
    info.append(["年份", meta[0]])
    info.append(["月份", meta[1]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def row_for(project, ytd, **extra):
    values = {"id": project.pk, "name": project.name, "completed_ytd": ytd, **extra}
    return [values.get(key) for key, _h, _w in COLUMNS]


def zip_bomb(inflated_bytes):
    """An .xlsx-looking zip whose one sheet inflates to `inflated_bytes` of zeros (about 1000:1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b"0" * (1024 * 1024)
            for _ in range(inflated_bytes // len(chunk)):
                sheet.write(chunk)
    return buffer.getvalue()


def a_formula_workbook(project):
    data = workbook_bytes([row_for(project, "=SUM(60000,1)")])
    return data


def as_text_cell(project):
    return workbook_bytes([row_for(project, "六万二")])


def with_a_date(project):
    return workbook_bytes([row_for(project, datetime.datetime(9999, 12, 31))])


def negative(project):
    return workbook_bytes([row_for(project, -5)])


def huge(project):
    return workbook_bytes([row_for(project, 10**15)])


def unknown_id(project):
    return workbook_bytes([row_for(project, 62000, id=987654)])


def unknown_name(project):
    return workbook_bytes([row_for(project, 62000, id=None, name="不存在的项目")])


def wrong_template_month(project):
    return workbook_bytes([row_for(project, 62000)], meta=(2013, 13))


def good_row_then_bad_row(project):
    other = Project.objects.exclude(pk=project.pk).first()
    return workbook_bytes([row_for(project, 62000), row_for(other, "abc")])


def truncated(project):
    good = workbook_bytes([row_for(project, 62000)])
    return good[: len(good) * 2 // 3]


def not_a_zip(project):
    return b"PK\x03\x04 this is not really a workbook" + bytes(range(256))


def a_csv(project):
    return f"项目编号,本月累计完成(万元)\n{project.pk},62000\n".encode()


# (make the bytes, the field or column the error names, a fragment of its message)
ROW_ERRORS = {
    "formula": (a_formula_workbook, "G", "Formulas are not accepted"),
    "text in a number cell": (as_text_cell, "G", "Not a number"),
    "a date in a number cell": (with_a_date, "G", "Not a number"),
    "negative money": (negative, "G", "cannot be negative"),
    "too large a number": (huge, "G", "too large"),
    "unknown project number": (unknown_id, "A", "Unknown project number"),
    "unknown project name": (unknown_name, "C", "Unknown project"),
    "one bad row among good ones": (good_row_then_bad_row, "G", "Not a number"),
}
FILE_ERRORS = {
    "truncated": (truncated, "not_xlsx"),
    "not a zip": (not_a_zip, "not_xlsx"),
    "a CSV file": (a_csv, "not_xlsx"),
}


@pytest.mark.parametrize("case", sorted(ROW_ERRORS))
def test_a_bad_row_names_its_column_and_nothing_is_stored(unchanged, case):
    make, column, fragment = ROW_ERRORS[case]
    office = unchanged["office"]
    preview = reports_import(user=office, data=make(reporter_project()), year=2013, month=10)
    assert not preview.ok
    errors = [(e.column, e.message) for r in preview.rows for e in r.errors]
    assert any(col == column and fragment in message for col, message in errors), errors


@pytest.mark.parametrize("case", sorted(FILE_ERRORS))
def test_a_damaged_file_is_refused_clearly_and_nothing_is_stored(unchanged, case):
    make, code = FILE_ERRORS[case]
    with pytest.raises(DomainError) as excinfo:
        reports_import(user=unchanged["office"], data=make(reporter_project()), year=2013, month=10)
    assert excinfo.value.code == code
    assert excinfo.value.message_dict["file"] == ["The file is not an Excel workbook (.xlsx) or it is damaged."]


def test_a_workbook_for_another_month_is_refused(unchanged):
    preview = reports_import(user=unchanged["office"], data=wrong_template_month(reporter_project()),
                             year=2013, month=10)
    assert not preview.ok and "not for 2013-10" in preview.file_errors[0]


@pytest.mark.parametrize("year, month", [(2013, 0), (2013, 13), (1899, 5), (10000, 1), (2013, -1)])
def test_a_month_out_of_range_is_refused_before_the_file_is_read(unchanged, year, month):
    data = workbook_bytes([row_for(reporter_project(), 62000)], meta=(year, month))
    with pytest.raises(DomainError) as excinfo:
        reports_import(user=unchanged["office"], data=data, year=year, month=month)
    assert set(excinfo.value.message_dict) <= {"year", "month"}


def test_an_oversized_workbook_is_refused_by_its_size(unchanged, settings):
    data = workbook_bytes([row_for(reporter_project(), 62000)])
    settings.TRACKER_MAX_UPLOAD_BYTES = len(data) - 1
    with pytest.raises(DomainError) as excinfo:
        reports_import(user=unchanged["office"], data=data, year=2013, month=10)
    assert excinfo.value.code == "too_large" and str(len(data)) in excinfo.value.messages[0]


@pytest.mark.parametrize("megabytes", [150, 400])
def test_a_zip_bomb_is_refused_from_its_directory_before_openpyxl_inflates_it(unchanged, monkeypatch, megabytes):
    import projects.excel.workbook as workbook_module

    def must_not_parse(*args, **kwargs):
        raise AssertionError("openpyxl was asked to parse a zip bomb")

    monkeypatch.setattr(workbook_module, "load_workbook", must_not_parse)
    data = zip_bomb(megabytes * 1024 * 1024)
    assert len(data) < 1024 * 1024  # small on the wire
    with pytest.raises(DomainError) as excinfo:
        reports_import(user=unchanged["office"], data=data, year=2013, month=10)
    assert excinfo.value.code == "zip_bomb"


def test_the_import_command_refuses_each_bad_file_and_stores_nothing(unchanged, tmp_path):
    project = reporter_project()
    cases = {
        "truncated.xlsx": truncated(project), "formula.xlsx": a_formula_workbook(project),
        "text.xlsx": as_text_cell(project), "unknown.xlsx": unknown_id(project),
        "bomb.xlsx": zip_bomb(150 * 1024 * 1024),
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(CommandError):
            call_command("import_reports", str(path), "--month", "2013-10", "--user", "office", stdout=StringIO())
    for month in ("2013-13", "2013-00", "13-2013", "soon", "1899-01"):
        with pytest.raises(CommandError, match="YYYY-MM"):
            call_command("import_reports", str(tmp_path / "text.xlsx"), "--month", month, "--user", "office",
                         stdout=StringIO())
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_reports", str(tmp_path / "missing.xlsx"), "--month", "2013-10", "--user", "office",
                     stdout=StringIO())


def test_a_good_workbook_still_imports(populated):
    """The control: the same builder with good figures stores the report."""
    project = reporter_project()
    preview = reports_import(user=populated["office"], data=workbook_bytes([row_for(project, 62000)]),
                             year=2013, month=10)
    assert preview.ok, preview.as_dict()
    assert MonthlyReport.objects.get(project=project, year=2013, month=10).completed_ytd == Decimal("62000.00")


# --- API bodies ----------------------------------------------------------------------------------


@pytest.fixture
def office_api(unchanged):
    client = APIClient()
    client.force_authenticate(unchanged["office"])
    return client


def api_cases():
    """(url name, method, body, the field the 400 must name)."""
    return [
        ("api:project-list", "post", {"name": "新项目", "total_investment": "1" + "0" * 40}, "total_investment"),
        ("api:project-list", "post", {"name": "新项目", "total_investment": 1e308}, "total_investment"),
        ("api:project-list", "post", {"name": "新项目", "total_investment": "-0.01"}, "total_investment"),
        ("api:project-list", "post", {"name": "新项目", "total_investment": "NaN"}, "total_investment"),
        ("api:project-list", "post", {"name": "新项目", "total_investment": "Infinity"}, "total_investment"),
        ("api:project-list", "post", {"name": "新项目", "total_investment": [1]}, "total_investment"),
        ("api:project-list", "post", {"name": ["a", "b"]}, "name"),
        ("api:project-list", "post", {"name": "x" * 10000}, "name"),
        ("api:project-list", "post", {"name": "新项目", "planned_start": "2013-13-45"}, "planned_start"),
        ("api:project-list", "post", {"name": "新项目", "planned_start": "99999-01-01"}, "planned_start"),
        ("api:project-list", "post", {"name": "新项目", "planned_start": 20130101}, "planned_start"),
        ("api:project-list", "post", {"name": "新项目", "zone": 10**30}, "zone"),
        ("api:project-list", "post", {"name": "新项目", "zone": -1}, "zone"),
        ("api:project-list", "post", {"name": "新项目", "zone": "commerce"}, "zone"),
        ("api:project-list", "post", {"name": "新项目", "lead_unit": {"id": 1}}, "lead_unit"),
        ("api:project-list", "post", {"name": "新项目", "stage": "unknown-stage"}, "stage"),
        ("api:annualplan-list", "post", {"project": 10**20, "year": 2014, "planned_investment": "1"}, "project"),
        ("api:annualplan-list", "post", {"project": "{project}", "year": 10**12, "planned_investment": "1"},
         "year"),
        ("api:annualplan-list", "post", {"project": "{project}", "year": 2014, "planned_investment": "-1"},
         "planned_investment"),
        ("api:milestone-list", "post", {"project": "{project}", "kind": "start", "name": "开工",
                                        "planned_date": "0000-01-01"}, "planned_date"),
        ("api:report-list", "post", {"project": "{project}", "year": 2013, "month": 13, "completed_ytd": "1"},
         "month"),
        ("api:report-list", "post", {"project": "{project}", "year": 2013, "month": 11,
                                     "completed_ytd": True}, "completed_ytd"),
        ("api:report-list", "post", {"project": "{project}", "year": 2013, "month": 11,
                                     "completed_ytd": "1e999999"}, "completed_ytd"),
    ]


@pytest.mark.parametrize("name, method, body, field", api_cases(),
                         ids=[f"{c[3]}={str(c[2].get(c[3]))[:20]}" for c in api_cases()])
def test_a_bad_api_body_is_a_400_naming_the_field(office_api, name, method, body, field):
    project = reporter_project()
    body = {key: (project.pk if value == "{project}" else value) for key, value in body.items()}
    response = getattr(office_api, method)(reverse(name), json.dumps(body), content_type="application/json",
                                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    fields = {error["field"] for error in response.json()["errors"]}
    assert field in fields, response.json()


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b"\"a string\"", b"null", b"\xff\xfe\x00",
                                 b'{"name": "\\ud800"}'])
def test_a_body_that_is_not_a_json_object_is_a_400(office_api, raw):
    response = office_api.post(reverse("api:project-list"), raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["status"] == 400


def test_a_body_beyond_the_upload_limit_is_refused_without_a_500(office_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"name": "新项目", "description": "x" * 4096})
    response = office_api.post(reverse("api:project-list"), body, content_type="application/json")
    assert response.status_code == 413, response.content
    assert response.json()["code"] == "too_large" and "1024" in response.json()["detail"]
    form = office_api.post(reverse("api:project-list"), {"name": "新项目", "description": "x" * 4096},
                           format="multipart")
    assert form.status_code in (400, 413), form.content


def test_the_upload_limits_are_consistent(settings):
    from django.conf import settings as live

    assert live.DATA_UPLOAD_MAX_MEMORY_SIZE > live.TRACKER_MAX_UPLOAD_BYTES
    assert live.FILE_UPLOAD_MAX_MEMORY_SIZE <= live.TRACKER_MAX_UPLOAD_BYTES
