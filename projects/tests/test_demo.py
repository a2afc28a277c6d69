"""The illustrative demo year (fixtures/demo_2013.json, written by fixtures/build_demo.py): loaded after
the facts it keeps their figures, and it shows every part of the mechanism at work."""

import subprocess
import sys
from collections import defaultdict
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.urls import reverse

from projects.choices import (
    EvaluationKind,
    EvaluationSubject,
    Light,
    MeetingKind,
    ProblemCategory,
    ProblemOrigin,
    ProblemStatus,
    PublicationStatus,
    ReportStatus,
    Role,
)
from projects.models import (
    AnnualPlan,
    Bulletin,
    Evaluation,
    Meeting,
    Milestone,
    MonthlyReport,
    PlanRevision,
    Problem,
    Programme,
    Project,
    Review,
    Source,
    WeeklyPlan,
)
from projects.services.bulletins import bulletin_compute, bulletin_data

from .test_fixtures import FACTS, ROOT, facts_of, fixture

DEMO_YEAR = ROOT / "fixtures" / "demo_2013.json"
ILLUSTRATIVE = "示意数据"
STARKAI, JINJIANG = "星凯国际城市综合体", "锦江商业广场暨五星级酒店"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The whole library loaded once for this module, rolled back at the end."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("load_library", verbosity=0)
            yield
            transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db):
    return None


def rates(rows):
    names = {p.pk: p.name for p in Project.objects.filter(name__in=[STARKAI, JINJIANG])}
    return {names[row.project_id]: str(row.completion_rate) for row in rows if row.project_id in names}


# --- the file ------------------------------------------------------------------------------------

def test_demo_2013_json_is_what_build_demo_writes(tmp_path):
    output = tmp_path / "demo_2013.json"
    subprocess.run([sys.executable, str(ROOT / "fixtures" / "build_demo.py"), "--output", str(output)],
                   cwd=ROOT, check=True, capture_output=True)
    assert output.read_text(encoding="utf-8") == DEMO_YEAR.read_text(encoding="utf-8"), (
        "demo_2013.json is out of date: run python fixtures/build_demo.py"
    )


def test_demo_year_adds_no_sources_and_restates_no_fact():
    demo = fixture(DEMO_YEAR)
    assert not [obj for obj in demo if obj["model"] == "projects.source"]
    fact_keys = {(obj["model"], obj["pk"]) for obj in fixture(FACTS)}
    assert not [obj for obj in demo if (obj["model"], obj.get("pk")) in fact_keys]
    users = [obj for obj in demo if obj["model"] == "auth.user"]
    assert users and all("pk" not in obj and obj["fields"]["username"].startswith("demo_") for obj in users)
    assert all(obj["fields"]["password"].startswith("!") for obj in users)  # no usable password
    created = [obj for obj in demo if obj["model"] not in ("auth.user", "projects.leader")]
    assert all(obj["pk"] >= 1001 for obj in created)


def test_load_library_without_demo_loads_no_demo_year(db):
    call_command("load_library", "--no-demo", verbosity=0)
    assert MonthlyReport.objects.count() == len(facts_of("monthlyreport"))
    assert not Bulletin.objects.exists() and not get_user_model().objects.exists()



# --- the admin -----------------------------------------------------------------------------------

def test_programme_change_page_links_to_the_comparison(admin_client):
    call_command("loaddata", str(FACTS), verbosity=0)
    programme = Programme.objects.get(label="342311")
    body = admin_client.get(reverse("admin:projects_programme_change", args=[programme.pk])).content.decode()
    url = reverse("admin:projects_programme_compare", args=[programme.pk])
    assert f'href="{url}"' in body
    page = admin_client.get(url)
    assert page.status_code == 200 and "programme-compare" in page.content.decode()


# --- the library loaded once (`loaded`); the tests above run before it -------------------------

def test_loading_the_demo_keeps_the_document_figures(loaded):
    expected = {STARKAI: "103.33", JINJIANG: "109.09"}
    assert rates(bulletin_compute(year=2013, month=10).rows) == expected
    october = Bulletin.objects.get(year=2013, month=10)
    assert october.is_published
    assert rates(bulletin_data(bulletin=october).rows) == expected
    for name, plan in [(STARKAI, "60000"), (JINJIANG, "55000")]:
        annual = AnnualPlan.objects.get(project__name=name, year=2013)
        assert annual.planned_investment == Decimal(plan)
        assert annual.sources.exists() and not annual.revisions.exists()
    assert Source.objects.count() == len(facts_of("source"))


def test_demo_reports_pass_through_the_sourced_october_figures(loaded):
    for name, october in [(STARKAI, Decimal("62000")), (JINJIANG, Decimal("60000"))]:
        reports = {r.month: r for r in MonthlyReport.objects.filter(project__name=name, year=2013)}
        assert sorted(reports) == list(range(1, 13))
        assert reports[10].completed_ytd == october and reports[10].sources.exists()
        assert all(reports[m].completed_ytd <= october for m in range(1, 10))
        assert all(reports[m].completed_ytd >= october for m in (11, 12))


def test_every_demo_report_obeys_the_ytd_rule_and_the_workflow(loaded):
    by_project = defaultdict(list)
    for report in MonthlyReport.objects.filter(year=2013).order_by("month"):
        by_project[report.project_id].append(report)
    assert len(by_project) >= 10
    for reports in by_project.values():
        for previous, report in zip(reports, reports[1:]):
            assert report.completed_ytd >= previous.completed_ytd or (
                report.is_correction and report.correction_reason.strip()), report
        for report in reports:
            assert report.status == ReportStatus.ACCEPTED
            if report.sources.exists():
                continue  # the two sourced October reports
            assert report.submitted_by.profile.role == Role.REPORTER
            assert report.accepted_by.profile.role == Role.OFFICE
            assert report.reporting_unit == report.submitted_by.profile.unit
            assert report.submitted_at < report.accepted_at
            assert (report.submitted_at.year, report.submitted_at.month) > (report.year, report.month)


def test_the_demo_year_has_a_return_a_correction_a_revision_and_a_missing_month(loaded):
    returned = MonthlyReport.history.exclude(return_reason="").values_list("id", flat=True)
    assert returned.exists()
    report = MonthlyReport.objects.get(pk=returned[0])
    assert report.status == ReportStatus.ACCEPTED and report.return_reason == ""

    correction = MonthlyReport.objects.get(year=2013, is_correction=True)
    assert correction.correction_reason
    superseded = Bulletin.objects.filter(year=2013, superseded_at__isnull=False)
    assert set(superseded.values_list("month", flat=True)) >= {correction.month}
    assert all(correction.project.name in b.superseded_note for b in superseded)

    revisions = PlanRevision.objects.filter(plan__year=2013)
    assert revisions.count() >= 1 and all(r.reason and r.revised_by for r in revisions)
    plans = AnnualPlan.objects.filter(year=2013)
    assert plans.count() >= 10
    for plan in plans.filter(sources__isnull=True):
        assert ILLUSTRATIVE in plan.target

    months = defaultdict(set)
    for project_id, month in MonthlyReport.objects.filter(year=2013).values_list("project_id", "month"):
        months[project_id].add(month)
    assert any(len(m) < 12 for m in months.values())


# --- the mechanism at work -----------------------------------------------------------------------

def test_2013_bulletins_show_green_yellow_and_red_with_reasons(loaded):
    published = Bulletin.objects.filter(year=2013, status=PublicationStatus.PUBLISHED)
    assert set(published.values_list("month", flat=True)) >= set(range(1, 12))
    lights, codes = set(), set()
    for bulletin in published:
        for entry in bulletin.entries.all():
            lights.add(entry.light)
            if entry.light != Light.GREEN:
                assert entry.reasons, entry
            codes.update(reason["code"] for reason in entry.reasons)
    assert lights == {Light.GREEN, Light.YELLOW, Light.RED}
    assert codes >= {"behind_schedule", "far_behind_schedule", "report_missing", "milestone_overdue",
                     "problem_overdue"}


def test_milestones_are_met_and_missed(loaded):
    demo = Milestone.objects.filter(planned_date__year=2013, sources__isnull=True)
    assert demo.filter(actual_date__lte=F("planned_date")).exists()
    assert demo.filter(actual_date__gt=F("planned_date")).exists()
    assert all(ILLUSTRATIVE in m.note for m in demo)


def test_problems_cover_every_category_with_actions_and_outcomes(loaded):
    problems = Problem.objects.filter(raised_on__year=2013)
    assert set(problems.values_list("category", flat=True)) == set(ProblemCategory.values)
    assert all(p.actions.exists() for p in problems)
    resolved = problems.filter(status=ProblemStatus.RESOLVED)
    assert any(p.resolved_on <= p.deadline for p in resolved)
    assert any(p.resolved_on > p.deadline for p in resolved)
    escalated = problems.get(status=ProblemStatus.ESCALATED)
    assert escalated.actions.filter(status_after=ProblemStatus.ESCALATED).exists()
    assert problems.filter(decision__isnull=False, origin=ProblemOrigin.MEETING).count() >= 10
    assert problems.filter(origin=ProblemOrigin.REPORT, report__isnull=False).exists()


def test_meetings_and_weekly_plans_run_through_the_year(loaded):
    meetings = Meeting.objects.filter(date__year=2013)
    weekly = meetings.filter(kind=MeetingKind.WEEKLY)
    assert weekly.count() >= 45
    assert {m.date.month for m in weekly} == set(range(1, 13))
    assert all(m.items.exists() for m in weekly)
    assert meetings.filter(kind=MeetingKind.MONTHLY_REPORT).count() >= 10
    assert meetings.filter(kind=MeetingKind.MONTHLY_ONSITE).exists()
    assert meetings.filter(kind=MeetingKind.MONTHLY_ONSITE, decisions__action_items__isnull=False).exists()
    plans = WeeklyPlan.objects.filter(week_start__year=2013)
    assert plans.count() >= 100 and all(p.week_start.weekday() == 0 for p in plans)


def test_two_published_reviews_with_rankings(loaded):
    reviews = Review.objects.filter(year=2013, status=PublicationStatus.PUBLISHED)
    assert reviews.count() == 2
    for review in reviews:
        assert review.reviewers.count() >= 3
        assert review.rankings.count() == review.projects.count()
        assert review.rankings.filter(rank=1, is_top=True).exists()
        assert review.rankings.filter(is_bottom=True).exists()
        reviewers = set(review.scores.values_list("reviewer_id", flat=True))
        assert reviewers == set(review.reviewers.values_list("pk", flat=True))


def test_published_half_year_and_year_end_evaluations(loaded):
    evaluations = Evaluation.objects.filter(year=2013, status=PublicationStatus.PUBLISHED)
    assert set(evaluations.values_list("kind", flat=True)) == {EvaluationKind.HALF_YEAR, EvaluationKind.YEAR_END}
    year_end = evaluations.get(kind=EvaluationKind.YEAR_END)
    projects = year_end.results.filter(subject=EvaluationSubject.PROJECT)
    assert projects.count() == AnnualPlan.objects.filter(year=2013).count()
    assert projects.filter(rank=1).exists()
    assert any(r.trace["review_scores"] for r in projects)


def test_demo_leaders_have_logins_that_cannot_be_used_until_given_a_password(loaded):
    leaders = list(get_user_model().objects.filter(profile__role=Role.LEADER, username__startswith="demo_"))
    assert len(leaders) == 7 and all(user.leader for user in leaders)
    assert not any(user.has_usable_password() for user in get_user_model().objects.filter(
        username__startswith="demo_"))


def test_loading_again_changes_nothing(loaded):
    def snapshot():
        from django.apps import apps

        models = list(apps.get_app_config("projects").get_models()) + [get_user_model()]
        return {m._meta.label: serializers.serialize("json", m.objects.order_by("pk")) for m in models}

    before = snapshot()
    call_command("load_library", verbosity=0)
    assert snapshot() == before

