"""Report writes through the API follow the services layer (projects/services/reports.py):
the year-to-date rule, corrections with a reason, the unit check, accepted reports reopened."""

from decimal import Decimal

import pytest

from django.urls import reverse
from django.utils import timezone

from projects.choices import ReportStatus
from projects.models import MonthlyReport
from projects.tests.api_utils import api, fast_passwords, users, world  # noqa: F401


def accepted(world, month, ytd):
    return MonthlyReport.objects.create(project=world.project, year=2013, month=month, completed_ytd=Decimal(ytd),
                                        status=ReportStatus.ACCEPTED, accepted_at=timezone.now())


def create(api, user, **data):
    api.force_authenticate(user)
    body = {"project": data.pop("project").pk, "year": 2013, "month": 10, **data}
    return api.post(reverse("api:report-list"), body, format="json")


def fields(response):
    return [error["field"] for error in response.json()["errors"]]


def test_a_ytd_lower_than_the_previous_months_is_refused_naming_the_field(api, world):
    accepted(world, 9, "62000")
    response = create(api, world.users["reporter"], project=world.project, completed_ytd="61000")
    assert response.status_code == 400, response.json()
    assert fields(response) == ["completed_ytd"]
    assert response.json()["errors"][0]["code"] == "ytd_decreased"
    assert not MonthlyReport.objects.filter(month=10).exists()


def test_a_correction_needs_a_reason(api, world):
    accepted(world, 9, "62000")
    response = create(api, world.users["reporter"], project=world.project, completed_ytd="61000",
                      is_correction=True, correction_reason="  ")
    assert response.status_code == 400
    assert fields(response) == ["correction_reason"]
    assert not MonthlyReport.objects.filter(month=10).exists()


def test_a_lower_ytd_filed_as_a_correction_with_a_reason_is_saved_as_a_draft(api, world):
    accepted(world, 9, "62000")
    response = create(api, world.users["reporter"], project=world.project, completed_ytd="61000",
                      is_correction=True, correction_reason="9月数据重复计入，核减1000万元")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["completed_ytd"] == "61000.00" and body["status"] == ReportStatus.DRAFT
    assert body["is_correction"] is True
    report = MonthlyReport.objects.get(pk=body["id"])
    assert report.reporting_unit == world.unit and report.reporter_name == "reporter"


def test_the_service_sets_unit_and_reporter_whatever_the_request_says(api, world):
    response = create(api, world.users["reporter"], project=world.project, completed_ytd="62000",
                      reporting_unit=world.other_unit.pk, reporter_name="someone else")
    assert response.status_code == 201, response.json()
    report = MonthlyReport.objects.get(pk=response.json()["id"])
    assert (report.reporting_unit, report.reporter_name, report.status) == (world.unit, "reporter", "draft")


def test_a_report_is_not_created_accepted_its_status_changes_by_actions(api, world):
    response = create(api, world.users["reporter"], project=world.project, completed_ytd="62000", status="accepted")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("status", "read_only")]
    assert not MonthlyReport.objects.exists()


def test_a_unit_reports_only_for_its_projects(api, world):
    response = create(api, world.users["outsider"], project=world.project, completed_ytd="62000")
    assert response.status_code == 403
    response = create(api, world.users["reporter"], project=world.other_project, completed_ytd="1")
    assert response.status_code == 403
    assert not MonthlyReport.objects.exists()


def test_an_update_lowering_the_ytd_is_refused_and_nothing_changes(api, world):
    accepted(world, 9, "62000")
    draft = MonthlyReport.objects.create(project=world.project, year=2013, month=10, completed_ytd=Decimal("65000"))
    api.force_authenticate(world.users["reporter"])
    url = reverse("api:report-detail", args=[draft.pk])
    response = api.patch(url, {"completed_ytd": "60000", "progress_note": "x"}, format="json")
    assert response.status_code == 400 and fields(response) == ["completed_ytd"]
    draft.refresh_from_db()
    assert draft.completed_ytd == Decimal("65000") and draft.progress_note == "" and draft.version == 1
    response = api.patch(url, {"completed_ytd": "63000", "progress_note": "主体已封顶"}, format="json")
    assert response.status_code == 200, response.json()
    draft.refresh_from_db()
    assert draft.completed_ytd == Decimal("63000") and draft.progress_note == "主体已封顶" and draft.version == 2


def test_editing_an_accepted_report_reopens_it_as_a_correction(api, world):
    report = accepted(world, 10, "62000")
    api.force_authenticate(world.users["reporter"])
    url = reverse("api:report-detail", args=[report.pk])
    response = api.patch(url, {"completed_ytd": "62500"}, format="json")
    assert response.status_code == 400 and fields(response) == ["correction_reason"]
    response = api.patch(url, {"completed_ytd": "62500", "correction_reason": "漏报配套工程"}, format="json")
    assert response.status_code == 200, response.json()
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.is_correction and report.completed_ytd == Decimal("62500")


def test_a_submitted_report_is_not_edited(api, world):
    report = MonthlyReport.objects.create(project=world.project, year=2013, month=10, completed_ytd=Decimal("1"),
                                          status=ReportStatus.SUBMITTED)
    api.force_authenticate(world.users["reporter"])
    response = api.patch(reverse("api:report-detail", args=[report.pk]), {"completed_ytd": "2"}, format="json")
    assert response.status_code == 409
    report.refresh_from_db()
    assert report.completed_ytd == Decimal("1")


# --- a report keeps its project, and once submitted or accepted its period ----------------------------


def errors(response):
    return [(error["field"], error["code"]) for error in response.json()["errors"]]


@pytest.mark.parametrize("role", ["reporter", "office"])
def test_an_accepted_report_is_not_moved_to_another_period(api, world, role):
    report = accepted(world, 11, "62000")
    api.force_authenticate(world.users[role])
    url = reverse("api:report-detail", args=[report.pk])
    response = api.patch(url, {"year": 2019, "month": 1, "is_correction": True, "correction_reason": "typo"},
                         format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert errors(response) == [("year", "fixed"), ("month", "fixed")]
    assert "2013-11" in response.json()["errors"][0]["message"]
    report.refresh_from_db()
    assert (report.year, report.month, report.status, report.is_correction) == (2013, 11, ReportStatus.ACCEPTED,
                                                                                 False)
    # The same month, corrected: still the accepted report's own period.
    response = api.patch(url, {"year": 2013, "month": 11, "completed_ytd": "62500", "correction_reason": "漏报"},
                         format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == ReportStatus.DRAFT
    # The correction, a draft now, stays in the accepted month too.
    response = api.patch(url, {"month": 12}, format="json")
    assert response.status_code == 400, response.content
    assert errors(response) == [("month", "fixed")]
    report.refresh_from_db()
    assert (report.year, report.month) == (2013, 11)


def test_a_submitted_report_is_not_moved_either_and_says_why_before_it_says_submitted(api, world):
    report = MonthlyReport.objects.create(project=world.project, year=2013, month=10, completed_ytd=Decimal("1"),
                                          status=ReportStatus.SUBMITTED)
    api.force_authenticate(world.users["office"])
    response = api.patch(reverse("api:report-detail", args=[report.pk]), {"month": 9}, format="json")
    assert response.status_code == 400, response.content
    assert errors(response) == [("month", "fixed")]
    report.refresh_from_db()
    assert report.month == 10


@pytest.mark.parametrize("role", ["reporter", "office"])
def test_no_report_moves_to_another_project(api, world, role):
    report = MonthlyReport.objects.create(project=world.project, year=2013, month=4, completed_ytd=1)
    api.force_authenticate(world.users[role])
    response = api.patch(reverse("api:report-detail", args=[report.pk]), {"project": world.other_project.pk},
                         format="json")
    assert response.status_code == 400, response.content
    assert errors(response) == [("project", "fixed")]
    report.refresh_from_db()
    assert report.project == world.project


def test_a_draft_is_re_dated_by_its_unit(api, world):
    draft = MonthlyReport.objects.create(project=world.project, year=2013, month=4, completed_ytd=1,
                                         return_reason="月份填错", submitted_at=timezone.now())  # returned
    api.force_authenticate(world.users["reporter"])
    response = api.patch(reverse("api:report-detail", args=[draft.pk]), {"month": 5}, format="json")
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    assert (draft.year, draft.month) == (2013, 5)
