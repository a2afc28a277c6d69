"""The mechanism's actions through the API: the report workflow, publishing, closing a problem."""

import datetime
from decimal import Decimal

from django.urls import reverse

from projects.choices import ProblemStatus, PublicationStatus, ReportStatus
from projects.models import MonthlyReport, Problem
from projects.tests.api_utils import api, fast_passwords, users, world  # noqa: F401


def create_draft(api, world, ytd="62000"):
    api.force_authenticate(world.users["reporter"])
    response = api.post(reverse("api:report-list"),
                        {"project": world.project.pk, "year": 2013, "month": 10, "completed_ytd": ytd},
                        format="json")
    assert response.status_code == 201, response.json()
    return MonthlyReport.objects.get(pk=response.json()["id"])


def post(api, user, name, obj, data=None):
    api.force_authenticate(user)
    return api.post(reverse(f"api:{name}", args=[obj.pk]), data or {}, format="json")


def test_a_report_goes_from_draft_through_submitted_to_accepted(api, world):
    report = create_draft(api, world)
    response = post(api, world.users["reporter"], "report-submit", report)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == ReportStatus.SUBMITTED
    response = post(api, world.users["office"], "report-accept", report)
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.accepted_by == world.users["office"]


def test_a_returned_report_needs_a_reason_and_goes_back_to_draft(api, world):
    report = create_draft(api, world)
    post(api, world.users["reporter"], "report-submit", report)
    response = post(api, world.users["office"], "report-return", report, {"reason": ""})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "reason"
    response = post(api, world.users["office"], "report-return", report, {"reason": "数字与台账不符"})
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.return_reason == "数字与台账不符"


def test_refused_transitions_answer_403_or_409(api, world):
    report = create_draft(api, world)
    assert post(api, world.users["outsider"], "report-submit", report).status_code == 403
    assert post(api, world.users["reporter"], "report-accept", report).status_code == 403
    assert post(api, world.users["auditor"], "report-submit", report).status_code == 403
    response = post(api, world.users["office"], "report-accept", report)  # still a draft
    assert response.status_code == 409
    assert response.json()["status"] == 409
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_publishing_a_bulletin_freezes_it_and_twice_is_a_conflict(api, world):
    report = create_draft(api, world)
    post(api, world.users["reporter"], "report-submit", report)
    post(api, world.users["office"], "report-accept", report)
    bulletin = world.bulletin
    assert post(api, world.users["reporter"], "bulletin-publish", bulletin).status_code == 403
    response = post(api, world.users["office"], "bulletin-publish", bulletin)
    assert response.status_code == 200, response.json()
    bulletin.refresh_from_db()
    assert bulletin.status == PublicationStatus.PUBLISHED
    entry = bulletin.entries.get(project=world.project)
    assert entry.completion_rate == Decimal("103.33")
    assert post(api, world.users["office"], "bulletin-publish", bulletin).status_code == 409


def test_the_responsible_unit_closes_its_problem(api, world):
    problem = Problem.objects.create(project=world.project, category="land_clearance", title="征地拆迁",
                                     responsible_unit=world.project.lead_unit,
                                     raised_on=datetime.date(2013, 9, 1), deadline=datetime.date(2013, 10, 31))
    data = {"resolution": "已完成征迁", "resolved_on": "2013-10-20"}
    assert post(api, world.users["outsider"], "problem-close", problem, data).status_code == 403
    response = post(api, world.users["reporter"], "problem-close", problem, data)
    assert response.status_code == 200, response.json()
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED and problem.resolved_on == datetime.date(2013, 10, 20)
