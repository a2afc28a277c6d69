"""Properties of the services under random sequences of valid and invalid operations (Hypothesis).

- reports: whatever sequence of save / submit / accept / return / correction, a stored year-to-date
  figure is never below the one of an earlier month of the same year unless it is a correction
  with a reason; an operation that is refused leaves every report as it was;
- bulletins: the totals by stage, zone, category, unit and programme are the sums of the rows (to
  0.01 万元); once published, later corrections change neither its entries nor its totals;
- reviews: the ranking follows the weighted scores (competition ranking); a reviewer cannot score
  a project twice; a published ranking never changes.

Each example runs in a transaction that is rolled back, so examples do not see each other."""

import datetime
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects.choices import Category, ReportStatus, Role, Stage
from projects.exceptions import Conflict, DomainError, NotAllowed
from projects.models import AnnualPlan, BulletinEntry, Leader, MonthlyReport, Project, ReviewScore, Unit, Zone
from projects.services import bulletins as bulletin_services
from projects.services import reports as report_services
from projects.services import reviews as review_services
from projects.tests.conftest import make_user

D = Decimal
CENT = D("0.01")
PROPERTY_SETTINGS = settings(max_examples=15, deadline=None, derandomize=True, database=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
REFUSED = (DomainError, Conflict, NotAllowed)


class Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    """Runs the body in a transaction that is always rolled back."""
    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass


@pytest.fixture
def people(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    unit = Unit.objects.create(name="解放区发改委")
    office = make_user("office", Role.OFFICE)
    reporter = make_user("reporter", Role.REPORTER, unit=unit)
    leaders = []
    for name in ("区长", "副区长"):
        user = make_user(f"leader-{name}", Role.LEADER)
        Leader.objects.create(name=name, user=user)
        leaders.append(user)
    return {"unit": unit, "office": office, "reporter": reporter, "leaders": leaders}


# --- reports -------------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)
report_operation = st.one_of(
    st.tuples(st.just("save"), st.integers(1, 12), money, st.booleans(), st.sampled_from(["", "多报更正"]),
              st.sampled_from(["reporter", "office"])),
    st.tuples(st.just("submit"), st.integers(1, 12), st.sampled_from(["reporter", "office"])),
    st.tuples(st.just("accept"), st.integers(1, 12), st.sampled_from(["office", "reporter"])),
    st.tuples(st.just("return"), st.integers(1, 12), st.sampled_from(["", "数字有误"])),
)


def report_state():
    return sorted(MonthlyReport.objects.values_list(
        "month", "completed_ytd", "status", "is_correction", "correction_reason", "version"))


def apply_report_operation(operation, project, people):
    kind, month = operation[0], operation[1]
    report = MonthlyReport.objects.filter(project=project, year=2013, month=month).first()
    if kind == "save":
        _kind, _month, ytd, is_correction, reason, who = operation
        report_services.report_save(user=people[who], project=project, year=2013, month=month, completed_ytd=ytd,
                                    is_correction=is_correction, correction_reason=reason, report=report)
        return
    if report is None:
        return
    if kind == "submit":
        report_services.report_submit(report=report, user=people[operation[2]])
    elif kind == "accept":
        report_services.report_accept(report=report, user=people[operation[2]])
    else:
        report_services.report_return(report=report, user=people["office"], reason=operation[2])


def assert_ytd_never_decreases_without_a_correction():
    reports = list(MonthlyReport.objects.filter(year=2013).order_by("project_id", "month"))
    highest = {}
    for report in reports:
        before = highest.get(report.project_id)
        if before is not None and report.completed_ytd < before:
            assert report.is_correction and report.correction_reason.strip(), (
                f"month {report.month}: {report.completed_ytd} < {before} without a correction")
        highest[report.project_id] = max(before or report.completed_ytd, report.completed_ytd)


@PROPERTY_SETTINGS
@given(operations=st.lists(report_operation, min_size=1, max_size=12))
def test_report_sequences_keep_the_ytd_rule_and_refusals_change_nothing(people, operations):
    with rolled_back():
        project = Project.objects.create(name="星凯国际", lead_unit=people["unit"], total_investment=D("200000"))
        AnnualPlan.objects.create(project=project, year=2013, planned_investment=D("60000"))
        for operation in operations:
            before = report_state()
            try:
                with transaction.atomic():
                    apply_report_operation(operation, project, people)
            except REFUSED:
                assert report_state() == before, f"refused {operation} changed reports"
            assert_ytd_never_decreases_without_a_correction()


# --- bulletins -----------------------------------------------------------------------------------

project_spec = st.tuples(
    st.sampled_from([c for c, _label in Category.choices]),
    st.sampled_from([s for s, _label in Stage.choices]),
    st.sampled_from([None, "commerce", "industry"]),
    st.decimals(min_value=D("0.01"), max_value=500000, places=2),  # plan
    st.one_of(st.none(), st.decimals(min_value=0, max_value=600000, places=2)),  # accepted YTD in June
)


def money_sum(values):
    return sum((D(str(v)) for v in values), D("0"))


def assert_totals_are_sums(data):
    rows = data.rows
    overall = data.totals["all"]
    assert overall["count"] == len(rows)
    assert abs(D(str(overall["completed_ytd"])) - money_sum(r.completed_ytd for r in rows)) <= CENT
    assert abs(D(str(overall["plan_in_force"])) - money_sum(r.plan_in_force for r in rows)) <= CENT
    for dimension in ("stage", "zone", "category", "unit"):
        groups = data.totals[dimension]
        assert sum(g["count"] for g in groups) == len(rows)
        assert abs(money_sum(g["completed_ytd"] for g in groups) - money_sum(r.completed_ytd for r in rows)) <= CENT
        for group in groups:
            members = [r for r in rows if str({"stage": r.stage, "zone": r.zone_name, "category": r.category,
                                                "unit": r.unit_name}[dimension]) == str(group["label"])]
            assert group["count"] == len(members)
            assert abs(D(str(group["completed_ytd"])) - money_sum(r.completed_ytd for r in members)) <= CENT
            assert abs(D(str(group["plan_in_force"])) - money_sum(r.plan_in_force for r in members)) <= CENT


def entries_of(bulletin):
    return sorted(BulletinEntry.objects.filter(bulletin=bulletin).values_list(
        "project_id", "planned_investment", "completed_ytd", "completed_month", "completion_rate", "light",
        "rank_in_category"))


@PROPERTY_SETTINGS
@given(specs=st.lists(project_spec, min_size=1, max_size=6),
       corrections=st.lists(st.tuples(st.integers(0, 5), st.decimals(min_value=0, max_value=600000, places=2)),
                            max_size=3))
def test_bulletin_totals_are_row_sums_and_a_published_bulletin_never_changes(people, specs, corrections):
    with rolled_back():
        zones = {code: Zone.objects.create(code=code, name=code) for code in ("commerce", "industry")}
        projects = []
        for index, (category, stage, zone, plan, ytd) in enumerate(specs):
            project = Project.objects.create(name=f"项目{index}", category=category, stage=stage,
                                             zone=zones.get(zone), lead_unit=people["unit"])
            AnnualPlan.objects.create(project=project, year=2013, planned_investment=plan)
            if ytd is not None:
                MonthlyReport.objects.create(project=project, year=2013, month=6, completed_ytd=ytd,
                                             status=ReportStatus.ACCEPTED)
            projects.append(project)
        data = bulletin_services.bulletin_compute(year=2013, month=6)
        assert_totals_are_sums(data)

        bulletin = bulletin_services.bulletin_create(year=2013, month=6, user=people["office"])
        bulletin = bulletin_services.bulletin_publish(bulletin=bulletin, user=people["office"])
        frozen_entries, frozen_totals = entries_of(bulletin), bulletin.totals
        assert len(frozen_entries) == len(specs)

        for index, ytd in corrections:
            report = MonthlyReport.objects.filter(project=projects[index % len(projects)], month=6).first()
            if report is None:
                continue
            report = report_services.report_save(
                user=people["office"], project=report.project, year=2013, month=6, completed_ytd=ytd,
                is_correction=True, correction_reason="更正", report=report)
            report_services.report_submit(report=report, user=people["office"])
            report_services.report_accept(report=report, user=people["office"])
        bulletin.refresh_from_db()
        assert entries_of(bulletin) == frozen_entries
        assert bulletin.totals == frozen_totals
        with pytest.raises(Conflict):
            bulletin_services.bulletin_publish(bulletin=bulletin, user=people["office"])
        assert entries_of(bulletin) == frozen_entries


# --- reviews -------------------------------------------------------------------------------------

score_value = st.integers(0, 100).map(D)


@PROPERTY_SETTINGS
@given(categories=st.lists(st.sampled_from([Category.COMMERCE, Category.INDUSTRY]), min_size=2, max_size=5),
       scores=st.lists(st.tuples(score_value, score_value, score_value), min_size=10, max_size=10),
       who_scores=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 1)), min_size=1, max_size=12))
def test_review_ranking_follows_weighted_scores_and_freezes_when_published(people, categories, scores, who_scores):
    with rolled_back():
        projects = [Project.objects.create(name=f"项目{i}", category=c, lead_unit=people["unit"])
                    for i, c in enumerate(categories)]
        leaders = people["leaders"]
        review = review_services.review_create(
            user=people["office"], year=2013, quarter=3, date=datetime.date(2013, 9, 25), title="三季度观摩",
            projects=projects, reviewers=[u.leader for u in leaders])
        criteria = list(review.criteria.order_by("id"))
        for step, (project_index, leader_index) in enumerate(who_scores):
            project, user = projects[project_index % len(projects)], leaders[leader_index]
            values = dict(zip((c.pk for c in criteria), scores[step % len(scores)]))
            already = ReviewScore.objects.filter(review=review, reviewer=user.leader, project=project).exists()
            count = ReviewScore.objects.count()
            if already:
                with pytest.raises(Conflict):
                    review_services.review_score(review=review, reviewer=user.leader, project=project, user=user,
                                                 scores=values)
                assert ReviewScore.objects.count() == count
            else:
                review_services.review_score(review=review, reviewer=user.leader, project=project, user=user,
                                             scores=values)

        ranking = review_services.review_ranking(review=review)
        for category, rows in ranking.items():
            for row in rows:
                project_scores = ReviewScore.objects.filter(review=review, project_id=row.project_id)
                assert row.score == review_services.project_review_score(
                    project_scores.select_related("criterion"))
            for better, worse in zip(rows, rows[1:]):
                assert better.score >= worse.score
                assert (better.rank == worse.rank) == (better.score == worse.score)
                assert better.rank <= worse.rank
            assert rows[0].rank == 1

        def frozen():
            return {c: [(r.project_id, r.score, r.rank, r.is_top, r.is_bottom) for r in rows]
                    for c, rows in review_services.review_ranking(review=review).items()}

        before = {c: [(r.project_id, r.score, r.rank, r.is_top, r.is_bottom) for r in rows]
                  for c, rows in ranking.items()}
        review_services.review_publish(review=review, user=people["office"])
        review.refresh_from_db()
        assert frozen() == before
        count = ReviewScore.objects.count()
        for user in leaders:
            with pytest.raises(Conflict):
                review_services.review_score(review=review, reviewer=user.leader, project=projects[-1], user=user,
                                             scores={c.pk: D(50) for c in criteria})
        assert ReviewScore.objects.count() == count
        assert frozen() == before
