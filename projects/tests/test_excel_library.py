"""The project library workbook: export, two-step import with row/column/reason errors, all or nothing."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from projects.excel.library import library_export, library_import, library_preview
from projects.models import Project
from projects.tests.dbdump import full_dump


@pytest.fixture
def library(db):
    call_command("loaddata", "fixtures/facts.json", verbosity=0)


def test_round_trip_of_the_fixture_library_is_all_unchanged(library, office):
    data = library_export()
    preview = library_preview(user=office, data=data)
    assert preview.errors == [] and preview.file_errors == []
    assert preview.count("unchanged") == len(preview.rows)
    assert len(preview.projects) == Project.objects.count()
    before = full_dump()
    library_import(user=office, data=data)
    assert full_dump() == before


def edited(changes):
    """The exported library with cells changed: {(sheet, cell): value}."""
    workbook = load_workbook(io.BytesIO(library_export()))
    for (sheet, cell), value in changes.items():
        workbook[sheet][cell] = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


VALID_CODE = "2013-410802-70-01-00001X"


# Every kind of error, each on its own row: all are reported at once, with sheet, row, column and reason.
ERRORS = [
    ("项目库", "I2", "不存在的区域", "Unknown zone"),
    ("项目库", "J3", "不存在的局", "Unknown unit"),
    ("项目库", "K4", "解放区发改委、不存在的局", "Unknown unit"),
    ("项目库", "L5", "无名氏", "Unknown leader"),
    ("项目库", "M6", "342311-2013、nope", "Unknown programme"),
    ("项目库", "G7", "快完了", "Unknown value"),
    ("项目库", "F8", "电商", "Unknown value"),
    ("项目库", "B9", "2013-4108", "24 characters"),
    ("项目库", "B11", VALID_CODE, "Duplicate code"),  # B10 holds the same code, first
    ("项目库", "N12", "二十亿", "Not a number"),
    ("项目库", "N13", -1, "negative"),
    ("项目库", "A14", 999999, "Unknown project number"),
    ("项目库", "C15", "=A1", "Formulas"),
    ("项目库", "P16", "2014-01-01", "before"),  # O16 is 2015-01-01
    ("项目库", "O17", "明年", "Not a date"),
    ("项目库", "A18", "=1+1", "Formulas"),
    ("年度计划", "D2", "六亿", "Not a number"),
    ("年度计划", "B3", "没有这个项目", "Unknown project"),  # A3 emptied
    ("时间节点", "D2", "剪彩", "Unknown value"),
    ("时间节点", "F3", "上个月", "Not a date"),
]


def test_each_library_error_names_sheet_row_column_and_reason(library, office):
    from django.utils import translation

    changes = {(sheet, cell): value for sheet, cell, value, _reason in ERRORS}
    changes.update({("项目库", "B10"): VALID_CODE, ("项目库", "O16"): "2015-01-01", ("年度计划", "A3"): None})
    data = edited(changes)
    before = full_dump()
    with translation.override("en"):
        preview = library_import(user=office, data=data)
    assert not preview.ok
    found = {(e.sheet, f"{e.column}{r.row}"): e.message for r, e in preview.errors}
    assert set(found) == {(sheet, cell) for sheet, cell, _value, _reason in ERRORS}
    for sheet, cell, _value, reason in ERRORS:
        assert reason in found[sheet, cell], (sheet, cell, found[sheet, cell])
    assert full_dump() == before


def test_a_duplicate_name_in_the_file_is_refused(library, office):
    workbook = load_workbook(io.BytesIO(library_export()))
    sheet = workbook["项目库"]
    sheet.append([None, "", sheet["C2"].value, "", "", "工业", "储备"])
    out = io.BytesIO()
    workbook.save(out)
    preview = library_preview(user=office, data=out.getvalue())
    assert [(r.row, e.column) for r, e in preview.errors] == [(sheet.max_row, "C")]


def test_labels_codes_and_english_labels_are_all_accepted(library, office):
    data = edited({("项目库", "G2"): "completed", ("项目库", "F2"): "Industry", ("项目库", "H2"): "省重点项目"})
    preview = library_import(user=office, data=data)
    assert preview.ok, preview.as_dict()["rows"][:1]
    assert preview.count("update") == 1
    project = Project.objects.get(pk=preview.projects[0].obj.pk)
    assert (project.stage, project.category, project.key_level) == ("completed", "industry", "province")
    assert project.history.first().history_type == "~"
    assert project.version == 2


def test_a_new_project_with_its_plan_and_milestone_is_created(library, office):
    workbook = load_workbook(io.BytesIO(library_export()))
    workbook["项目库"].append([None, VALID_CODE, "新项目乙", "", "甲、乙", "民生", "新建", "区重点项目", "特色商业区",
                              None, None, None, "342311-2013", 8000, "2014-03-01", "2015-12-31",
                              workbook["项目库"]["C2"].value])
    workbook["年度计划"].append([None, "新项目乙", 2014, 3000, "主体开工"])
    workbook["时间节点"].append([None, None, "新项目乙", "开工", "", "2014-03-01"])
    out = io.BytesIO()
    workbook.save(out)
    preview = library_import(user=office, data=out.getvalue())
    assert preview.ok, [e.message for _r, e in preview.errors]
    project = Project.objects.get(name="新项目乙")
    assert project.code == VALID_CODE and project.alias_list == ["甲", "乙"]
    assert project.parent.name == workbook["项目库"]["C2"].value
    assert [p.code for p in project.programmes.all()] == ["342311-2013"]
    assert project.annual_plans.get().planned_investment == Decimal("3000.00")
    assert project.milestones.get().kind == "start"
    # Exported again and re-imported, the new rows are unchanged too.
    again = library_preview(user=office, data=library_export())
    assert again.errors == [] and again.count("unchanged") == len(again.rows)


def test_only_office_staff_import_the_library(library, reporter):
    from projects.exceptions import NotAllowed

    with pytest.raises(NotAllowed):
        library_preview(user=reporter, data=library_export())


def test_the_preview_runs_a_fixed_number_of_queries(library, office, django_assert_num_queries):
    small = library_export()
    for n in range(30):
        Project.objects.create(name=f"测试项目{n}")
    large = library_export()
    office = type(office).objects.select_related("profile").get(pk=office.pk)
    with django_assert_num_queries(10):
        library_preview(user=office, data=small)
    with django_assert_num_queries(10):
        library_preview(user=office, data=large)


def test_the_export_runs_a_fixed_number_of_queries(library, django_assert_num_queries):
    with django_assert_num_queries(6):
        library_export()


def test_the_command_previews_imports_or_says_why_not(library, office, tmp_path):
    from io import StringIO

    from django.core.management import CommandError

    path = tmp_path / "library.xlsx"
    path.write_bytes(edited({("项目库", "N2"): "很多"}))
    with pytest.raises(CommandError):
        call_command("import_library", str(path), "--user", "office", stdout=StringIO())
    path.write_bytes(edited({("项目库", "N2"): 1}))
    out = StringIO()
    call_command("import_library", str(path), "--user", "office", "--dry-run", stdout=out)
    assert "Would import 0 new and 1 changed" in out.getvalue()
    assert not Project.objects.filter(total_investment=1).exists()
    call_command("import_library", str(path), "--user", "office", stdout=StringIO())
    assert Project.objects.filter(total_investment=1).count() == 1
