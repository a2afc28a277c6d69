"""Workflow buttons on the record itself (reports: submit, accept, return, save and submit, save,
submit and accept; problems: record an action, escalate, close), the report form's context (the
previous report's YTD, the plan) and defaults, and the searchable project pickers. Who sees which
button is a table; each button runs the service (a refused step changes nothing)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from projects.choices import ProblemStatus, ReportStatus, Role
from projects.models import MonthlyReport, Problem, Project
from projects.selectors import reporting_month
from projects.tests.conftest import make_user

D = Decimal


def buttons(html):
    """The workflow buttons of a change page, by step name."""
    return sorted(set(re.findall(r'id="trk-step-([a-z]+)"', html)))


def persona(request, name):
    return None if name == "anonymous" else request.getfixturevalue(name)


@pytest.fixture
def draft(project, plan):
    return MonthlyReport.objects.create(project=project, year=2013, month=10, completed_ytd=D("62000"))


@pytest.fixture
def problem(project, unit):
    return Problem.objects.create(project=project, category="funding", title="资金缺口", responsible_unit=unit,
                                  raised_on=datetime.date(2013, 8, 1), deadline=datetime.date(2013, 10, 15))


@pytest.mark.parametrize("who, status, expected", [
    ("office", ReportStatus.DRAFT, ["submit"]),
    ("reporter", ReportStatus.DRAFT, ["submit"]),
    ("outsider", ReportStatus.DRAFT, None),  # another unit's report is not found at all
    ("leader_user", ReportStatus.DRAFT, []),
    ("auditor", ReportStatus.DRAFT, []),
    ("office", ReportStatus.SUBMITTED, ["accept", "return"]),
    ("reporter", ReportStatus.SUBMITTED, []),
    ("auditor", ReportStatus.SUBMITTED, []),
    ("office", ReportStatus.ACCEPTED, []),
    ("reporter", ReportStatus.ACCEPTED, []),
])
def test_report_buttons_by_role_and_status(client, request, draft, who, status, expected):
    MonthlyReport.objects.filter(pk=draft.pk).update(status=status)
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("admin:projects_monthlyreport_change", args=[draft.pk]))
    if expected is None:
        assert response.status_code == 302 and not buttons(response.content.decode())
        return
    assert response.status_code == 200
    assert buttons(response.content.decode()) == expected


def test_submit_accept_and_return_buttons_run_the_services(client, office, reporter, draft):
    client.force_login(reporter)
    url = lambda step: reverse("admin:projects_monthlyreport_workflow", args=[draft.pk, step])  # noqa: E731
    assert client.get(url("submit")).status_code == 405  # a state change is a POST
    response = client.post(url("submit"), follow=True)
    draft.refresh_from_db()
    assert draft.status == ReportStatus.SUBMITTED and draft.submitted_by == reporter
    assert "已报送" in response.content.decode() or "submitted" in response.content.decode()
    # The reporter cannot accept its own report, even by posting to the URL.
    assert client.post(url("accept")).status_code == 403
    client.force_login(office)
    # Returning asks for a reason first; a blank one is refused and changes nothing.
    assert 'name="reason"' in client.get(url("return")).content.decode()
    response = client.post(url("return"), {"apply": "1", "reason": ""})
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == ReportStatus.SUBMITTED
    client.post(url("return"), {"apply": "1", "reason": "10月数据待核实"})
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT and draft.return_reason == "10月数据待核实"
    client.force_login(reporter)
    client.post(url("submit"))
    client.force_login(office)
    client.post(url("accept"))
    draft.refresh_from_db()
    assert draft.status == ReportStatus.ACCEPTED and draft.accepted_by == office


def test_a_submitted_report_is_read_only_and_waits_for_accept_or_return(client, office, draft):
    MonthlyReport.objects.filter(pk=draft.pk).update(status=ReportStatus.SUBMITTED)
    client.force_login(office)
    html = client.get(reverse("admin:projects_monthlyreport_change", args=[draft.pk])).content.decode()
    assert 'name="completed_ytd"' not in html and 'name="_save"' not in html
    assert buttons(html) == ["accept", "return"]


def management_form(client):
    """The hidden management fields of the report form's inlines (attachments), as the page sends them."""
    html = client.get(reverse("admin:projects_monthlyreport_add")).content.decode()
    return dict(re.findall(r'<input type="hidden" name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*'
                           r'value="(\d*)"', html))


def add_data(client, project, **extra):
    return {**management_form(client), "project": project.pk, "year": 2013, "month": 10, "completed_ytd": "62000", "progress_note": "主体封顶",
            "problems_raised": "", "correction_reason": "", **extra}


def test_the_office_saves_submits_and_accepts_a_report_it_enters_in_one_step(client, office, project, plan):
    client.force_login(office)
    add = reverse("admin:projects_monthlyreport_add")
    html = client.get(add).content.decode()
    assert 'name="_save_and_accept"' in html and 'name="_save_and_submit"' in html
    response = client.post(add, add_data(client, project, _save_and_accept="1"), follow=True)
    report = MonthlyReport.objects.get(project=project, year=2013, month=10)
    assert report.status == ReportStatus.ACCEPTED
    assert report.submitted_by == office and report.accepted_by == office
    assert "已提交并验收" in response.content.decode() or "submitted and accepted" in response.content.decode()


def test_a_reporter_saves_and_submits_but_cannot_accept(client, reporter, project, plan):
    client.force_login(reporter)
    add = reverse("admin:projects_monthlyreport_add")
    html = client.get(add).content.decode()
    assert 'name="_save_and_submit"' in html and 'name="_save_and_accept"' not in html
    # Posting the office's button anyway: refused as a whole, nothing stored.
    response = client.post(add, add_data(client, project, _save_and_accept="1"))
    assert response.status_code == 200 and not MonthlyReport.objects.exists()
    client.post(add, add_data(client, project, _save_and_submit="1"))
    assert MonthlyReport.objects.get().status == ReportStatus.SUBMITTED


def test_a_step_refused_by_the_ytd_rule_stores_nothing(client, office, project, plan, accepted_report):
    accepted_report(project, 2013, 9, "70000")
    client.force_login(office)
    response = client.post(reverse("admin:projects_monthlyreport_add"), add_data(client, project, _save_and_accept="1"))
    assert response.status_code == 200
    assert "completed_ytd" in response.context["adminform"].form.errors
    assert not MonthlyReport.objects.filter(month=10).exists()


@pytest.mark.parametrize("who, status, expected", [
    ("office", ProblemStatus.OPEN, ["act", "close", "escalate"]),
    ("reporter", ProblemStatus.OPEN, ["act", "close", "escalate"]),
    ("leader_user", ProblemStatus.OPEN, ["act", "escalate"]),
    ("outsider", ProblemStatus.OPEN, []),
    ("auditor", ProblemStatus.OPEN, []),
    ("office", ProblemStatus.ESCALATED, ["act", "close"]),
    ("office", ProblemStatus.RESOLVED, []),
])
def test_problem_buttons_by_role_and_status(client, request, problem, who, status, expected):
    Problem.objects.filter(pk=problem.pk).update(
        status=status, resolved_on=datetime.date(2013, 10, 1) if status == ProblemStatus.RESOLVED else None,
        resolution="已解决" if status == ProblemStatus.RESOLVED else "")
    client.force_login(request.getfixturevalue(who))
    html = client.get(reverse("admin:projects_problem_change", args=[problem.pk])).content.decode()
    assert buttons(html) == expected


def test_problem_buttons_escalate_and_close_with_words(client, office, problem):
    client.force_login(office)
    url = lambda step: reverse("admin:projects_problem_workflow", args=[problem.pk, step])  # noqa: E731
    client.post(url("escalate"), {"apply": "1", "text": "需区长协调"})
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.ESCALATED
    response = client.post(url("close"), {"apply": "1", "resolution": "", "resolved_on": "2013-10-20"})
    assert response.status_code == 200  # the form again: a resolution is required
    client.post(url("close"), {"apply": "1", "resolution": "资金已到位", "resolved_on": "2013-10-20"})
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED and problem.resolution == "资金已到位"
    assert list(problem.actions.values_list("status_after", flat=True).order_by("id")) == [
        ProblemStatus.ESCALATED, ProblemStatus.RESOLVED]


# --- the report form: context and defaults --------------------------------------------------------


def test_the_report_form_shows_the_previous_ytd_and_the_plan(client, office, project, plan, accepted_report):
    accepted_report(project, 2013, 9, "50000")
    client.force_login(office)
    html = client.get(reverse("admin:projects_monthlyreport_add") + f"?project={project.pk}&year=2013&month=10"
                      ).content.decode()
    box = re.search(r'<div class="help" id="trk-report-context"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert "2013-09" in box and "50,000.00 万元" in box and "已审核" in box
    assert "60,000.00 万元" in box and "83.33%" in box and "50,000.00 万元" in box
    data = client.get(reverse("admin:projects_monthlyreport_form_context"),
                      {"project": project.pk, "year": 2013, "month": 1}).json()
    assert data["lines"][0] == "一月：本年累计从零起算。"
    assert "5,000.00 万元" in data["lines"][1]  # January: 60,000 × 1/12


def test_a_reporter_gets_no_context_for_another_units_project(client, outsider, project, plan):
    client.force_login(outsider)
    data = client.get(reverse("admin:projects_monthlyreport_form_context"),
                      {"project": project.pk, "year": 2013, "month": 10}).json()
    assert data == {"lines": []}


@pytest.mark.parametrize("today, expected", [
    (datetime.date(2013, 11, 1), (2013, 10)),
    (datetime.date(2013, 11, settings.TRACKER_REPORT_DUE_DAY), (2013, 10)),
    # Past the due day October's reports are late, not November's due: still October.
    (datetime.date(2013, 11, settings.TRACKER_REPORT_DUE_DAY + 1), (2013, 10)),
    (datetime.date(2013, 11, 30), (2013, 10)),
    (datetime.date(2014, 1, 2), (2013, 12)),
])
def test_the_month_being_reported(today, expected):
    assert reporting_month(today) == expected


def test_the_report_form_defaults_to_the_month_being_reported(client, office):
    client.force_login(office)
    form = client.get(reverse("admin:projects_monthlyreport_add")).context["adminform"].form
    year, month = reporting_month()
    assert (form.initial["year"], form.initial["month"]) == (year, month)


# --- searchable pickers ----------------------------------------------------------------------------


def autocomplete(client, model_name, term=""):
    response = client.get(reverse("admin:autocomplete"), {
        "app_label": "projects", "model_name": model_name, "field_name": "project", "term": term})
    assert response.status_code == 200
    return [item["text"] for item in response.json()["results"]]


def test_project_pickers_are_searchable_and_a_reporter_sees_its_units_projects(client, office, reporter, project,
                                                                               other_unit):
    Project.objects.create(name="锦江国际商业广场", lead_unit=other_unit, category="commerce", stage="continuing")
    client.force_login(office)
    html = client.get(reverse("admin:projects_monthlyreport_add")).content.decode()
    assert "admin-autocomplete" in html  # the project field is a search box, not a long dropdown
    assert autocomplete(client, "monthlyreport", "锦江") == ["锦江国际商业广场"]
    assert sorted(autocomplete(client, "problem")) == ["星凯国际城市综合体", "锦江国际商业广场"]
    client.force_login(reporter)
    assert autocomplete(client, "monthlyreport") == ["星凯国际城市综合体"]
    assert autocomplete(client, "problem", "锦江") == []
