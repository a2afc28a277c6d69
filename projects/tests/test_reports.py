"""Monthly reports (月汇报): workflow, role rules, YTD rules, month figure, missing and late lists."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from projects.choices import ReportStatus
from projects.exceptions import Conflict, DomainError, NotAllowed
from projects.models import AnnualPlan, MonthlyReport, Project
from projects.selectors import report_due_date, reports_missing_and_late, reports_with_month_figure
from projects.services.reports import report_accept, report_return, report_save, report_submit

D = Decimal


def save(user, project, month, ytd, **kwargs):
    return report_save(user=user, project=project, year=2013, month=month, completed_ytd=D(ytd), **kwargs)


def accepted(reporter, office, project, month, ytd):
    report = save(reporter, project, month, ytd)
    report_submit(report=report, user=reporter)
    return report_accept(report=report, user=office)


def test_a_reporter_drafts_submits_and_office_accepts(reporter, office, project):
    report = save(reporter, project, 10, "62000", progress_note="主体封顶")
    assert report.status == ReportStatus.DRAFT
    assert report.reporting_unit == project.lead_unit
    report = report_submit(report=report, user=reporter)
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by == reporter
    report = report_accept(report=report, user=office)
    assert report.status == ReportStatus.ACCEPTED and report.accepted_by == office


def test_office_returns_a_report_with_a_reason(reporter, office, project):
    report = report_submit(report=save(reporter, project, 10, "1"), user=reporter)
    report = report_return(report=report, user=office, reason="数据不实")
    assert report.status == ReportStatus.DRAFT and report.return_reason == "数据不实"
    report = report_submit(report=report, user=reporter)
    assert report.status == ReportStatus.SUBMITTED and report.return_reason == ""


def test_returning_needs_a_reason(reporter, office, project):
    report = report_submit(report=save(reporter, project, 10, "1"), user=reporter)
    with pytest.raises(DomainError) as exc:
        report_return(report=report, user=office, reason="  ")
    assert exc.value.field == "reason"


def test_a_cooperating_unit_reports_too(outsider, other_unit, project):
    project.cooperating_units.add(other_unit)
    assert save(outsider, project, 3, "5").reporting_unit == other_unit


def test_a_reporter_of_another_unit_is_refused(outsider, project):
    with pytest.raises(NotAllowed):
        save(outsider, project, 10, "1")


def test_a_reporter_of_another_unit_cannot_submit(reporter, outsider, project):
    report = save(reporter, project, 10, "1")
    with pytest.raises(NotAllowed):
        report_submit(report=report, user=outsider)


@pytest.mark.parametrize("persona", ["leader_user", "auditor"])
def test_leaders_and_auditors_write_no_reports(persona, project, request):
    with pytest.raises(NotAllowed):
        save(request.getfixturevalue(persona), project, 10, "1")


@pytest.mark.parametrize("persona", ["reporter", "leader_user", "auditor"])
def test_only_office_accepts_or_returns(persona, reporter, project, request):
    report = report_submit(report=save(reporter, project, 10, "1"), user=reporter)
    user = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        report_accept(report=report, user=user)
    with pytest.raises(NotAllowed):
        report_return(report=report, user=user, reason="x")


def test_refused_transitions_are_conflicts(reporter, office, project):
    report = save(reporter, project, 10, "1")
    with pytest.raises(Conflict):
        report_accept(report=report, user=office)
    with pytest.raises(Conflict):
        report_return(report=report, user=office, reason="x")
    report_submit(report=report, user=reporter)
    with pytest.raises(Conflict):
        report_submit(report=report, user=reporter)
    with pytest.raises(Conflict):
        save(reporter, project, 10, "2", report=report)
    report_accept(report=report, user=office)
    with pytest.raises(Conflict):
        report_accept(report=report, user=office)


def test_one_report_per_project_and_month(reporter, project):
    save(reporter, project, 10, "1")
    with pytest.raises(DomainError):
        save(reporter, project, 10, "2")
    assert MonthlyReport.objects.count() == 1


def test_a_decreasing_ytd_is_refused_without_correction(reporter, office, project):
    accepted(reporter, office, project, 9, "50000")
    with pytest.raises(DomainError) as exc:
        save(reporter, project, 10, "49999")
    assert exc.value.field == "completed_ytd"
    assert save(reporter, project, 10, "50000").completed_ytd == D("50000")


def test_a_decreasing_ytd_is_accepted_as_a_correction_with_reason(reporter, office, project):
    accepted(reporter, office, project, 9, "50000")
    report = save(reporter, project, 10, "45000", is_correction=True, correction_reason="重复统计")
    assert report.is_correction and report.correction_reason == "重复统计"


def test_a_correction_without_reason_is_refused(reporter, project):
    with pytest.raises(DomainError) as exc:
        save(reporter, project, 10, "1", is_correction=True)
    assert exc.value.field == "correction_reason"


def test_the_previous_report_is_the_latest_earlier_one_of_the_same_year(reporter, office, project):
    accepted(reporter, office, project, 3, "900")
    report_save(user=reporter, project=project, year=2012, month=11, completed_ytd=D("5000"))
    assert save(reporter, project, 6, "901").completed_ytd == D("901")
    with pytest.raises(DomainError):
        save(reporter, project, 7, "899")


def test_editing_an_accepted_report_makes_it_a_draft_correction(reporter, office, project):
    report = accepted(reporter, office, project, 10, "62000")
    with pytest.raises(DomainError) as exc:
        save(reporter, project, 10, "61000", report=report)
    assert exc.value.field == "correction_reason"
    report = save(reporter, project, 10, "61000", report=report, correction_reason="核减")
    # Every save moves the version on: created 1, submitted 2, accepted 3, corrected 4.
    assert report.status == ReportStatus.DRAFT and report.is_correction and report.version == 4


def test_month_figure_is_ytd_minus_previous_report(reporter, office, project):
    accepted(reporter, office, project, 1, "800")
    accepted(reporter, office, project, 2, "1500")
    save(reporter, project, 4, "2600")
    figures = {r.month: r.completed_month for r in reports_with_month_figure()}
    assert figures == {1: D("800"), 2: D("700"), 4: D("1100")}


def test_due_date_is_the_fifth_of_the_next_month(settings):
    assert report_due_date(2013, 10) == datetime.date(2013, 11, 5)
    assert report_due_date(2013, 12) == datetime.date(2014, 1, 5)
    settings.TRACKER_REPORT_DUE_DAY = 10
    assert report_due_date(2013, 10) == datetime.date(2013, 11, 10)


def test_missing_and_late_reports_per_unit(reporter, office, project, plan, unit, other_unit):
    on_time = Project.objects.create(name="准时", lead_unit=unit)
    late = Project.objects.create(name="迟报", lead_unit=unit)
    silent = Project.objects.create(name="未报", lead_unit=other_unit)
    no_plan = Project.objects.create(name="无计划", lead_unit=other_unit)
    for p in (on_time, late, silent):
        AnnualPlan.objects.create(project=p, year=2013, planned_investment=D("100"))
    assert no_plan
    for p, day in ((on_time, 5), (late, 6)):
        r = report_submit(report=save(reporter, p, 10, "1"), user=reporter)
        MonthlyReport.objects.filter(pk=r.pk).update(
            submitted_at=timezone.make_aware(datetime.datetime(2013, 11, day, 20, 0)))
    save(reporter, project, 10, "1")  # a draft never submitted is still missing
    result = reports_missing_and_late(year=2013, month=10)
    assert [p.name for p in result[unit]["missing"]] == [project.name]
    assert [r.project.name for r in result[unit]["late"]] == ["迟报"]
    assert [p.name for p in result[other_unit]["missing"]] == ["未报"]
    assert result[other_unit]["late"] == []


def test_a_report_keeps_its_project_and_once_submitted_its_period(reporter, office, project, other_unit):
    report = accepted(reporter, office, project, 11, "62000")
    with pytest.raises(DomainError) as exc:
        save(reporter, project, 12, "62000", report=report, is_correction=True, correction_reason="typo")
    assert exc.value.message_dict.keys() == {"month"} and exc.value.code == "fixed"
    with pytest.raises(DomainError) as exc:
        report_save(user=office, project=project, year=2019, month=1, completed_ytd=D("1"), report=report,
                    is_correction=True, correction_reason="typo")
    assert exc.value.message_dict.keys() == {"year", "month"}
    report.refresh_from_db()
    assert (report.year, report.month, report.status) == (2013, 11, ReportStatus.ACCEPTED)
    other = Project.objects.create(name="另一个项目", category=project.category, stage=project.stage,
                                   lead_unit=project.lead_unit)
    draft = save(reporter, project, 3, "1")
    with pytest.raises(DomainError) as exc:
        save(reporter, other, 3, "1", report=draft)
    assert exc.value.field == "project" and exc.value.code == "fixed"
    assert save(reporter, project, 4, "1", report=draft).month == 4  # a draft is re-dated
