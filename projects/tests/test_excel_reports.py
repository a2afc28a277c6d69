"""The unit's monthly report workbook: template out, filled workbook in, all rows or none."""

import io
import zipfile
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from projects.choices import ReportStatus
from projects.excel.reports import COLUMNS, reports_import, reports_preview, reports_template
from projects.exceptions import DomainError, NotAllowed
from projects.models import AnnualPlan, MonthlyReport, Project

HEADERS = [header for _key, header, _width in COLUMNS]


@pytest.fixture
def other_project(db, other_unit):
    project = Project.objects.create(name="锦江商业广场暨五星级酒店", lead_unit=other_unit,
                                     total_investment=Decimal("100000"))
    AnnualPlan.objects.create(project=project, year=2013, planned_investment=Decimal("55000"))
    return project


@pytest.fixture
def september(db, project, plan):
    return MonthlyReport.objects.create(project=project, year=2013, month=9, completed_ytd=Decimal("50000"),
                                        status=ReportStatus.ACCEPTED)


def filled(template_bytes, values):
    """Fills column G (completed YTD) row by row with `values`; extra rows are appended as given."""
    workbook = load_workbook(io.BytesIO(template_bytes))
    sheet = workbook["月报"]
    for offset, value in enumerate(values):
        row = 2 + offset
        if isinstance(value, (list, tuple)):
            for col, cell in enumerate(value, start=1):
                sheet.cell(row=row, column=col, value=cell)
        else:
            sheet.cell(row=row, column=7, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_the_template_lists_the_reporters_projects_with_plan_and_last_months_ytd(reporter, september,
                                                                                  other_project):
    data = reports_template(user=reporter, year=2013, month=10)
    sheet = load_workbook(io.BytesIO(data))["月报"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert len(rows) == 2  # only the unit's project, not the other unit's
    assert rows[1][2] == "星凯国际城市综合体"
    assert Decimal(str(rows[1][4])) == Decimal("60000")
    assert Decimal(str(rows[1][5])) == Decimal("50000")
    assert sheet.freeze_panes == "A2"


def test_a_filled_template_imports_as_draft_reports(reporter, september):
    data = filled(reports_template(user=reporter, year=2013, month=10), [62000])
    preview = reports_preview(user=reporter, data=data, year=2013, month=10)
    assert preview.ok and preview.count("create") == 1
    assert MonthlyReport.objects.filter(month=10).count() == 0  # the preview stores nothing

    reports_import(user=reporter, data=data, year=2013, month=10)
    report = MonthlyReport.objects.get(month=10)
    assert report.completed_ytd == Decimal("62000.00")
    assert report.status == ReportStatus.DRAFT
    assert report.history.count() == 1  # audit history written by the bulk path


def test_one_bad_row_stores_nothing_and_each_error_names_row_and_column(reporter, september, other_project):
    template = reports_template(user=reporter, year=2013, month=10)
    rows = [
        62000,
        [None, "", "没有这个项目", "", None, None, 100],
        [other_project.pk, "", other_project.name, "", None, None, 100],
        [september.project_id, "", "星凯国际城市综合体", "", None, None, 63000],
    ]
    data = filled(template, rows)
    preview = reports_import(user=reporter, data=data, year=2013, month=10)
    assert not preview.ok
    errors = {(r.row, e.column) for r in preview.error_rows for e in r.errors}
    assert (3, "C") in errors  # unknown project
    assert (4, "C") in errors  # another unit's project
    assert (5, "A") in errors  # duplicate row
    assert MonthlyReport.objects.filter(month=10).count() == 0


@pytest.mark.parametrize("value, fragment", [
    ("六万", "Not a number"),
    (-5, "negative"),
    (40000, "lower than the previous"),
    ("=SUM(1,2)", "Formulas"),
    (None, "required"),
])
def test_bad_figures_are_refused_with_a_reason(reporter, september, value, fragment, settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation
    with translation.override("en"):
        data = filled(reports_template(user=reporter, year=2013, month=10), [value])
        preview = reports_import(user=reporter, data=data, year=2013, month=10)
    assert not preview.ok
    assert fragment in " ".join(e.message for r in preview.rows for e in r.errors)
    assert MonthlyReport.objects.filter(month=10).count() == 0


def test_a_lower_ytd_passes_as_a_correction_with_a_reason(reporter, september):
    template = reports_template(user=reporter, year=2013, month=10)
    data = filled(template, [[september.project_id, "", "", "", None, None, 40000, "", "", "是", "九月多报"]])
    preview = reports_import(user=reporter, data=data, year=2013, month=10)
    assert preview.ok, preview.as_dict()
    assert MonthlyReport.objects.get(month=10).is_correction


def test_damaged_and_foreign_files_are_refused_clearly(reporter):
    with pytest.raises(DomainError) as excinfo:
        reports_preview(user=reporter, data=b"not a workbook", year=2013, month=10)
    assert "file" in excinfo.value.message_dict
    good = reports_template(user=reporter, year=2013, month=10)
    with pytest.raises(DomainError):
        reports_preview(user=reporter, data=good[: len(good) // 2], year=2013, month=10)


def test_a_zip_bomb_is_refused_before_it_is_inflated(reporter):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (300 * 1024 * 1024))
    with pytest.raises(DomainError) as excinfo:
        reports_preview(user=reporter, data=buffer.getvalue(), year=2013, month=10)
    assert excinfo.value.code == "zip_bomb"


def test_an_oversized_upload_is_refused(reporter, settings):
    settings.TRACKER_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(DomainError) as excinfo:
        reports_preview(user=reporter, data=b"x" * 2000, year=2013, month=10)
    assert excinfo.value.code == "too_large"


def test_a_workbook_without_the_template_header_is_refused(reporter):
    workbook = Workbook()
    workbook.active.title = "月报"
    workbook.active.append(["项目", "金额"])
    out = io.BytesIO()
    workbook.save(out)
    preview = reports_preview(user=reporter, data=out.getvalue(), year=2013, month=10)
    assert not preview.ok and preview.file_errors


def test_an_auditor_may_not_import(auditor):
    with pytest.raises(NotAllowed):
        reports_preview(user=auditor, data=b"", year=2013, month=10)


def test_the_import_command_imports_or_says_why_not(reporter, september, tmp_path):
    path = tmp_path / "report.xlsx"
    path.write_bytes(filled(reports_template(user=reporter, year=2013, month=10), ["abc"]))
    with pytest.raises(CommandError):
        call_command("import_reports", str(path), "--month", "2013-10", "--user", "reporter", stdout=StringIO())
    assert not MonthlyReport.objects.filter(month=10).exists()

    path.write_bytes(filled(reports_template(user=reporter, year=2013, month=10), [62000]))
    out = StringIO()
    call_command("import_reports", str(path), "--month", "2013-10", "--user", "reporter", "--submit", stdout=out)
    assert MonthlyReport.objects.get(month=10).status == ReportStatus.SUBMITTED
    assert "Imported 1 new" in out.getvalue()


def with_sheet_xml(data, change):
    """The workbook `data` with its first worksheet's XML passed through `change` (bytes → bytes)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            target.writestr(info.filename, content)
    return out.getvalue()


def test_a_formula_is_refused_where_it_is_even_with_a_cached_value(reporter, september, settings):
    """calamine reads a formula cell as the value the spreadsheet cached for it: the formula is
    still found, by row and column, and a row holding only a formula is not skipped as empty."""
    from django.utils import translation

    template = reports_template(user=reporter, year=2013, month=10)
    data = filled(template, [
        [september.project_id, "", "", "", None, None, "=SUM(60000,2000)"],
        [None] * 7 + ["=A1"],
    ])
    data = with_sheet_xml(data, lambda xml: xml.replace(b"<f>SUM(60000,2000)</f><v />",
                                                        b"<f>SUM(60000,2000)</f><v>62000</v>"))
    assert b"<v>62000</v>" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    with translation.override("en"):
        preview = reports_import(user=reporter, data=data, year=2013, month=10)
    errors = {(r.row, e.column, e.message) for r in preview.rows for e in r.errors}
    assert errors == {(2, "G", "Formulas are not accepted; type the value."),
                      (3, "H", "Formulas are not accepted; type the value.")}
    assert not MonthlyReport.objects.filter(month=10).exists()


def test_the_formula_scan_reads_the_sheet_in_chunks_and_knows_prefixed_elements(monkeypatch):
    from projects.excel import workbook

    def book(sheet_xml):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
            archive.writestr("xl/sharedStrings.xml", b"<sst><si><t>&lt;f></t></si></sst>")
        return out.getvalue()

    monkeypatch.setattr(workbook, "CHUNK", 7)
    padding = b"<c r='A1'><v>1</v></c>" * 5
    assert not workbook.has_formulas(book(b"<worksheet><sheetData>" + padding + b"<foo/></sheetData></worksheet>"))
    for element in (b"<f>A1</f>", b"<f t='shared' si='0'/>", b"<x:f>A1</x:f>"):
        for shift in range(8):
            xml = b"<worksheet><sheetData>" + b" " * shift + padding + element + b"</sheetData></worksheet>"
            assert workbook.has_formulas(book(xml)), (element, shift)


def test_numbers_read_as_floats_keep_whole_numbers_and_empty_rows_keep_excel_row_numbers(reporter, september):
    from django.utils import translation

    template = reports_template(user=reporter, year=2013, month=10)
    data = filled(template, [
        [september.project_id, "", "", "", None, None, 40000, 5, 7.5, 1, 2013],  # a correction (是 typed as 1)
        [None] * 11,
        [None] * 11,
        [987654, "", "", "", None, None, 100],
    ])
    with translation.override("en"):
        preview = reports_preview(user=reporter, data=data, year=2013, month=10)
    assert [r.row for r in preview.rows] == [2, 5]
    good, bad = preview.rows
    assert not good.errors and good.is_correction and good.correction_reason == "2013"
    assert (good.progress_note, good.problems_raised) == ("5", "7.5")
    assert good.project.pk == september.project_id and good.project.name == "星凯国际城市综合体"
    assert [(e.column, e.message) for e in bad.errors] == [("A", "Unknown project number: 987654")]


def test_imported_reports_get_their_defaults_and_a_full_history_row(reporter, september):
    from projects.history import change_reason

    data = filled(reports_template(user=reporter, year=2013, month=10), [
        [september.project_id, "", "", "", None, None, 62000, "主体封顶", "缺工", "否", ""]])
    with change_reason("十月月报"):
        preview = reports_import(user=reporter, data=data, year=2013, month=10, submit=True)
    assert preview.ok
    report = MonthlyReport.objects.get(month=10)
    assert (report.version, report.status, report.submitted_by, report.reporting_unit_id, report.accepted_at) == (
        1, ReportStatus.SUBMITTED, reporter, september.project.lead_unit_id, None)
    assert (report.progress_note, report.problems_raised, report.return_reason) == ("主体封顶", "缺工", "")
    (entry,) = report.history.all()
    assert (entry.history_type, entry.history_user, entry.history_change_reason) == ("+", reporter, "十月月报")
    for field in MonthlyReport._meta.concrete_fields:
        assert getattr(entry, field.attname) == getattr(report, field.attname), field.name
