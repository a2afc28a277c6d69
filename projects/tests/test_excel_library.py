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
