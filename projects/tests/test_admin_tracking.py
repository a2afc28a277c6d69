"""Admin screens of the mechanism: changelists in a constant number of queries, workflow actions
through the services, refused changes as errors, bulletin / review / evaluation pages."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.conf import settings
from django.urls import reverse

from projects.choices import EvaluationKind, ProblemStatus, ReportStatus
from projects.models import (
    AnnualPlan,
    Bulletin,
    Decision,
    Evaluation,
    Meeting,
    MeetingItem,
    MonthlyReport,
    Problem,
    Programme,
    Project,
    Review,
    ReviewScore,
    WeeklyPlan,
)
from projects.services.bulletins import bulletin_publish
from projects.services.reviews import review_create

D = Decimal
DAY = datetime.date


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("admin", "admin@example.org", "pw-admin-123")


@pytest.fixture
def office_client(client, admin_user, settings):
    """Office staff working in English, so that assertions read the English messages."""
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def add_objects(n, unit, leader):
    """n projects, each with a plan, a submitted report, a problem, a meeting with an item and a
    decision, a weekly plan, and review scores."""
    meeting_ids = []
    review = Review.objects.create(year=2013, quarter=(n % 4) + 1, date=DAY(2013, 9, 1), title=f"r{n}")
    review.reviewers.add(leader)
    criterion = review.criteria.create(name="c", weight=D(1))
    for i in range(n):
        project = Project.objects.create(name=f"P{n}-{i}", lead_unit=unit)
        AnnualPlan.objects.create(project=project, year=2013, planned_investment=D(100))
        MonthlyReport.objects.create(project=project, year=2013, month=(i % 12) + 1, completed_ytd=D(i),
                                     status=ReportStatus.SUBMITTED)
        meeting = Meeting.objects.create(kind="weekly", date=DAY(2013, 1, 7), title=f"m{n}-{i}")
        MeetingItem.objects.create(meeting=meeting, project=project, discussion="x")
        decision = Decision.objects.create(meeting=meeting, text="d")
        Problem.objects.create(project=project, category="other", title=f"t{i}", responsible_unit=unit,
                               raised_on=DAY(2013, 1, 1), deadline=DAY(2013, 2, 1), decision=decision)
        meeting_ids.append(meeting.pk)
        review.projects.add(project)
        ReviewScore.objects.create(review=review, project=project, reviewer=leader, criterion=criterion,
                                   score=D(50))
    Bulletin.objects.create(year=2013, month=n % 12 + 1)
    Evaluation.objects.create(year=2000 + n, kind=EvaluationKind.HALF_YEAR)


CHANGELISTS = ["monthlyreport", "bulletin", "bulletinentry", "meeting", "decision", "weeklyplan", "problem",
               "review", "reviewscore", "reviewranking", "evaluation", "evaluationresult"]


def changelist_queries(client, name):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(f"admin:projects_{name}_changelist"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_changelists_run_a_constant_number_of_queries(office_client, unit, leader_user):
    leader = leader_user.leader
    add_objects(5, unit, leader)
    small = {name: changelist_queries(office_client, name) for name in CHANGELISTS}
    add_objects(50, unit, leader)
    large = {name: changelist_queries(office_client, name) for name in CHANGELISTS}
    assert large == small


def test_changelists_show_the_month_figure_and_overdue_flag(office_client, project, unit, accepted_report):
    accepted_report(project, 2013, 1, "800")
    accepted_report(project, 2013, 2, "1500")
    body = office_client.get(reverse("admin:projects_monthlyreport_changelist")).content.decode()
    assert "700.00" in body and "1,500.00" in body
    Problem.objects.create(project=project, category="other", title="late one", responsible_unit=unit,
                           raised_on=DAY(2013, 1, 1), deadline=DAY(2013, 2, 1))
    body = office_client.get(reverse("admin:projects_problem_changelist")).content.decode()
    # Overdue reads as a red word, not a green tick.
    assert "late one" in body and "trk-state-bad" in body and ">overdue</span>" in body
    assert 'alt="True"' not in body


def post_action(client, name, action, objs, **extra):
    return client.post(reverse(f"admin:projects_{name}_changelist"),
                       {"action": action, helpers.ACTION_CHECKBOX_NAME: [o.pk for o in objs], **extra}, follow=True)


def test_accept_action_goes_through_the_service(office_client, project):
    report = MonthlyReport.objects.create(project=project, year=2013, month=10, completed_ytd=D(1),
                                          status=ReportStatus.SUBMITTED)
    draft = MonthlyReport.objects.create(project=project, year=2013, month=11, completed_ytd=D(2))
    response = post_action(office_client, "monthlyreport", "accept", [report, draft])
    report.refresh_from_db()
    draft.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.accepted_at is not None
    assert draft.status == ReportStatus.DRAFT
    body = response.content.decode()
    assert "1 report(s) accepted." in body
    assert "Only a submitted report can be accepted." in body


def test_return_action_asks_for_a_reason(office_client, project):
    report = MonthlyReport.objects.create(project=project, year=2013, month=10, completed_ytd=D(1),
                                          status=ReportStatus.SUBMITTED)
    response = post_action(office_client, "monthlyreport", "send_back", [report])
    assert "Reason for return" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    post_action(office_client, "monthlyreport", "send_back", [report], apply="1", reason="数据有误")
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.return_reason == "数据有误"


def test_a_reporter_edits_its_report_and_a_decrease_is_a_form_error(client, reporter, project, accepted_report):
    accepted_report(project, 2013, 9, "500")
    client.force_login(reporter)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("admin:projects_monthlyreport_add")
    data = {"project": project.pk, "year": 2013, "month": 10, "completed_ytd": "400", "progress_note": "",
            "problems_raised": "", "correction_reason": ""}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "lower than the previous report" in response.content.decode()
    assert not MonthlyReport.objects.filter(month=10).exists()
    response = client.post(url, {**data, "completed_ytd": "600"})
    assert response.status_code == 302
    report = MonthlyReport.objects.get(month=10)
    assert report.status == ReportStatus.DRAFT and report.reporting_unit == project.lead_unit


def test_a_reporter_of_another_unit_gets_a_form_error(client, outsider, project):
    client.force_login(outsider)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("admin:projects_monthlyreport_add"), {
        "project": project.pk, "year": 2013, "month": 10, "completed_ytd": "1"})
    assert response.status_code == 200
    # The project is not among the reporter's choices (only its unit's projects are).
    assert "project" in response.context["adminform"].form.errors
    assert not MonthlyReport.objects.exists()


def test_bulletin_page_shows_lights_and_publishes(office_client, project, plan, accepted_report, admin_user):
    accepted_report(project, 2013, 10, "62000")
    programme = Programme.objects.create(code="342311", year=2013, label="342311", name="342311")
    bulletin = Bulletin.objects.create(year=2013, month=10)
    body = office_client.get(reverse("admin:projects_bulletin_change", args=[bulletin.pk])).content.decode()
    assert "103.33" in body and "light-green" in body and "Computed now" in body
    assert reverse("admin:projects_programme_compare", args=[programme.pk]) in body
    office_client.post(reverse("admin:projects_bulletin_publish", args=[bulletin.pk]))
    bulletin.refresh_from_db()
    assert bulletin.is_published and bulletin.entries.count() == 1
    body = office_client.get(reverse("admin:projects_bulletin_change", args=[bulletin.pk])).content.decode()
    assert "Published bulletin (frozen)" in body
    response = office_client.post(reverse("admin:projects_bulletin_publish", args=[bulletin.pk]), follow=True)
    assert "already published" in response.content.decode()


def test_a_superseded_bulletin_says_so(office_client, project, plan, accepted_report, admin_user):
    accepted_report(project, 2013, 10, "62000")
    bulletin = bulletin_publish(bulletin=Bulletin.objects.create(year=2013, month=10), user=admin_user)
    Bulletin.objects.filter(pk=bulletin.pk).update(superseded_at="2013-11-20T10:00:00Z", superseded_note="更正")
    body = office_client.get(reverse("admin:projects_bulletin_change", args=[bulletin.pk])).content.decode()
    assert "Superseded on" in body and "更正" in body


def test_programme_comparison_page(office_client, project, plan, accepted_report):
    accepted_report(project, 2013, 12, "62000")
    programme = Programme.objects.create(code="342311", year=2013, label="342311", name="342311",
                                         reported_project_count=89)
    programme.projects.add(project)
    body = office_client.get(reverse("admin:projects_programme_compare", args=[programme.pk])).content.decode()
    assert "89" in body and "103.33" in body
    # Opened for October (as a bulletin links it), the December report is not yet in the data.
    from projects.tests.page_text import page_text

    url = reverse("admin:projects_programme_compare", args=[programme.pk]) + "?year=2013&month=10"
    missing = page_text(office_client.get(url).content, "programme-missing")
    assert f"{project.name}（no accepted report by 2013-10）" in missing


def test_problem_close_action(office_client, project, unit):
    problem = Problem.objects.create(project=project, category="other", title="t", responsible_unit=unit,
                                     raised_on=DAY(2013, 1, 1), deadline=DAY(2013, 2, 1))
    post_action(office_client, "problem", "close", [problem], apply="1", resolution="已解决",
                resolved_on="2013-01-20")
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED and problem.actions.get().text == "已解决"


def test_a_problem_added_with_a_decision_is_its_action_item(office_client, project, unit):
    meeting = Meeting.objects.create(kind="weekly", date=DAY(2013, 10, 14), title="周例会")
    decision = Decision.objects.create(meeting=meeting, text="限期拆迁")
    response = office_client.post(reverse("admin:projects_problem_add"), {
        "project": project.pk, "category": "land_clearance", "title": "拆迁", "description": "", "origin": "other",
        "decision": decision.pk, "responsible_unit": unit.pk, "raised_on": "2013-10-15", "deadline": "2013-10-31",
        "actions-TOTAL_FORMS": "0", "actions-INITIAL_FORMS": "0"})
    assert response.status_code == 302
    problem = Problem.objects.get()
    assert (problem.meeting, problem.decision, problem.origin) == (meeting, decision, "meeting")
    assert problem.raised_on == meeting.date


def test_review_scoring_page_and_ranking(client, office, leader_user, project):
    review = review_create(user=office, year=2013, quarter=3, date=DAY(2013, 9, 20), title="三季度观摩",
                           projects=[project], reviewers=[leader_user.leader])
    client.force_login(leader_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = {"project": project.pk, **{f"c{c.pk}": "80" for c in review.criteria.all()}}
    response = client.post(reverse("admin:projects_review_score", args=[review.pk]), data)
    assert response.status_code == 302
    response = client.post(reverse("admin:projects_review_score", args=[review.pk]), data)
    assert "already scored" in response.content.decode()
    body = client.get(reverse("admin:projects_review_change", args=[review.pk])).content.decode()
    assert "80.00" in body


def test_evaluation_page_previews_and_publishes(office_client, project, plan, accepted_report):
    accepted_report(project, 2013, 6, "30000")
    evaluation = Evaluation.objects.create(year=2013, kind=EvaluationKind.HALF_YEAR)
    body = office_client.get(reverse("admin:projects_evaluation_change", args=[evaluation.pk])).content.decode()
    assert "Preview" in body and "70.00" in body  # 60 × 50 % + 15 + 10 + 15
    office_client.post(reverse("admin:projects_evaluation_publish", args=[evaluation.pk]))
    evaluation.refresh_from_db()
    assert evaluation.is_published
    body = office_client.get(reverse("admin:projects_evaluation_change", args=[evaluation.pk])).content.decode()
    assert "Published results" in body and "70.00" in body


def test_an_auditor_reads_but_cannot_add(client, auditor):
    client.force_login(auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get(reverse("admin:projects_monthlyreport_changelist")).status_code == 200
    assert client.get(reverse("admin:projects_monthlyreport_add")).status_code == 403


def test_weekly_plan_filed_through_the_admin(client, reporter, unit):
    client.force_login(reporter)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("admin:projects_weeklyplan_add"),
                           {"unit": unit.pk, "week_start": "2013-10-22", "content": "x"})
    assert "A week starts on a Monday." in response.content.decode()
    response = client.post(reverse("admin:projects_weeklyplan_add"),
                           {"unit": unit.pk, "week_start": "2013-10-21", "content": "x"})
    assert response.status_code == 302
    assert WeeklyPlan.objects.get().filed_by == reporter
