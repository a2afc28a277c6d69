"""Half-year and year-end evaluations: hand-worked scores, ranking, traceability, publication."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from projects.choices import EvaluationKind, EvaluationSubject
from projects.exceptions import Conflict, NotAllowed
from projects.models import (
    AnnualPlan,
    Evaluation,
    EvaluationResult,
    Milestone,
    MonthlyReport,
    PlanRevision,
    Problem,
    Project,
    ReviewScore,
)
from projects.services.evaluations import evaluation_compute, evaluation_publish
from projects.services.plans import plan_revise
from projects.services.reviews import project_review_score, review_create, review_publish, review_score

D = Decimal
DAY = datetime.date


def problem(project, unit, deadline, resolved_on=None):
    return Problem.objects.create(project=project, category="other", title="p", responsible_unit=unit,
                                  raised_on=DAY(2013, 1, 1), deadline=deadline, resolved_on=resolved_on,
                                  status="resolved" if resolved_on else "open")


def reviewed(office, leader_user, project, quarter, value):
    review = review_create(user=office, year=2013, quarter=quarter, date=DAY(2013, quarter * 3, 20),
                           title=f"Q{quarter}", projects=[project], reviewers=[leader_user.leader])
    review_score(review=review, reviewer=leader_user.leader, project=project, user=leader_user,
                 scores={c.pk: D(value) for c in review.criteria.all()})
    return review


@pytest.fixture
def world(office, leader_user, unit, other_unit, accepted_report):
    p = Project.objects.create(name="P", lead_unit=unit)
    plan = AnnualPlan.objects.create(project=p, year=2013, planned_investment=D("10000"))
    plan_revise(plan=plan, user=office, effective_month=4, planned_investment=D("8000"), reason="调减",
                revised_on=DAY(2013, 4, 1))
    accepted_report(p, 2013, 5, "5000")
    accepted_report(p, 2013, 6, "6000")                                  # 6000 / 8000 = 75 % → 45.00
    Milestone.objects.create(project=p, kind="signing", planned_date=DAY(2013, 3, 1), actual_date=DAY(2013, 2, 28))
    Milestone.objects.create(project=p, kind="start", planned_date=DAY(2013, 5, 1), actual_date=DAY(2013, 5, 10))
    Milestone.objects.create(project=p, kind="topping_out", planned_date=DAY(2013, 6, 30))
    Milestone.objects.create(project=p, kind="completion", planned_date=DAY(2013, 8, 1))  # not yet due
    problem(p, unit, DAY(2013, 4, 30), DAY(2013, 4, 20))                   # closed on time
    problem(p, unit, DAY(2013, 5, 31), DAY(2013, 6, 10))                   # closed late → 1/2 → 5.00
    problem(p, unit, DAY(2013, 9, 30))                                     # not yet due
    for quarter, value in ((1, 80), (2, 90), (3, 10)):                     # Q3 is after June
        review_publish(review=reviewed(office, leader_user, p, quarter, value), user=office)
    q = Project.objects.create(name="Q", lead_unit=unit)
    AnnualPlan.objects.create(project=q, year=2013, planned_investment=D("1000"))
    accepted_report(q, 2013, 6, "2000")                                   # 200 % capped at 100 %
    r = Project.objects.create(name="R", lead_unit=other_unit)
    AnnualPlan.objects.create(project=r, year=2013, planned_investment=D("5000"))
    return p, q, r


def test_hand_worked_half_year_scores(world, unit, other_unit):
    p, q, r = world
    data = evaluation_compute(evaluation=Evaluation.objects.create(year=2013, kind=EvaluationKind.HALF_YEAR))
    rows = {row.name: row for row in data.projects}
    assert (rows["P"].completion_score, rows["P"].milestone_score, rows["P"].problem_score,
            rows["P"].review_score, rows["P"].total) == (D("45.00"), D("5.00"), D("5.00"), D("12.75"), D("67.75"))
    assert rows["Q"].total == D("100.00")
    assert (rows["R"].completion_score, rows["R"].total) == (D("0.00"), D("40.00"))
    assert [(row.name, row.rank) for row in data.projects] == [("Q", 1), ("P", 2), ("R", 3)]
    units = {row.unit_id: row for row in data.units}
    assert units[unit.pk].total == D("83.88")           # (67.75 + 100) ÷ 2 = 83.875, half-up
    assert units[unit.pk].completion_score == D("52.50")
    assert (units[unit.pk].rank, units[other_unit.pk].rank, units[other_unit.pk].total) == (1, 2, D("40.00"))


def test_year_end_uses_december_and_every_review(world):
    p, _, _ = world
    data = evaluation_compute(evaluation=Evaluation.objects.create(year=2013, kind=EvaluationKind.YEAR_END))
    row = next(row for row in data.projects if row.name == "P")
    assert row.trace["period_end"] == "2013-12-31"
    assert row.review_score == D("9.00")                # mean of 80, 90, 10 = 60 → 15 × 60 %
    assert len(row.trace["milestones_due"]) == 4 and len(row.trace["problems_due"]) == 3


def test_weights_are_editable(world):
    evaluation = Evaluation.objects.create(year=2013, kind=EvaluationKind.HALF_YEAR, weight_completion=D("100"),
                                           weight_milestones=D("0"), weight_problems=D("0"), weight_reviews=D("0"))
    rows = {row.name: row for row in evaluation_compute(evaluation=evaluation).projects}
    assert rows["P"].total == D("75.00")


def recompute(trace, weights):
    """The project's total from the records its trace names, without the service."""
    hundred = D(100)
    in_force = PlanRevision.objects.get(pk=trace["plan_revision"]).planned_investment if trace["plan_revision"] \
        else AnnualPlan.objects.get(pk=trace["annual_plan"]).planned_investment
    completed = sum((MonthlyReport.objects.get(pk=i).completed_ytd for i in trace["reports"]), D(0))
    completion = hundred if in_force == 0 else min(completed * hundred / in_force, hundred)
    due = Milestone.objects.filter(pk__in=trace["milestones_due"])
    met = [m for m in due if m.actual_date and m.actual_date <= m.planned_date]
    assert sorted(m.pk for m in met) == trace["milestones_met"]
    m_share = hundred if not due else D(len(met)) * hundred / len(due)
    due_p = Problem.objects.filter(pk__in=trace["problems_due"])
    closed = [p for p in due_p if p.resolved_on and p.resolved_on <= p.deadline]
    p_share = hundred if not due_p else D(len(closed)) * hundred / len(due_p)
    scores = ReviewScore.objects.filter(pk__in=trace["review_scores"]).select_related("criterion")
    assert scores.count() == len(trace["review_scores"])
    by_review = {}
    for s in scores:
        by_review.setdefault(s.review_id, []).append(s)
    per_review = [project_review_score(group) for group in by_review.values()]
    r_share = hundred if not per_review else sum(per_review) / len(per_review)

    def part(weight, share):
        return (D(weight) * share / hundred).quantize(D("0.01"), rounding=ROUND_HALF_UP)

    return (part(weights["completion"], completion) + part(weights["milestones"], m_share)
            + part(weights["problems"], p_share) + part(weights["reviews"], r_share))


def test_every_published_number_traces_back_to_existing_records(world, office):
    evaluation = Evaluation.objects.create(year=2013, kind=EvaluationKind.HALF_YEAR)
    evaluation_publish(evaluation=evaluation, user=office)
    results = EvaluationResult.objects.filter(evaluation=evaluation)
    assert results.filter(subject=EvaluationSubject.PROJECT).count() == 3
    assert results.filter(subject=EvaluationSubject.UNIT).count() == 2
    for result in results.filter(subject=EvaluationSubject.PROJECT):
        assert recompute(result.trace, result.trace["weights"]) == result.total
    p = results.get(project__name="P")
    assert len(p.trace["reports"]) == 1 and MonthlyReport.objects.get(pk=p.trace["reports"][0]).month == 6
    assert len(p.trace["review_scores"]) == 6
    for result in results.filter(subject=EvaluationSubject.UNIT):
        totals = [results.get(project_id=i).total for i in result.trace["projects"]]
        assert result.total == (sum(totals) / len(totals)).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_publishing_freezes_the_evaluation(world, office, accepted_report):
    p, q, r = world
    evaluation = Evaluation.objects.create(year=2013, kind=EvaluationKind.HALF_YEAR)
    evaluation_publish(evaluation=evaluation, user=office)
    accepted_report(r, 2013, 6, "5000")
    assert EvaluationResult.objects.get(evaluation=evaluation, project=r).total == D("40.00")
    with pytest.raises(Conflict):
        evaluation_publish(evaluation=evaluation, user=office)


@pytest.mark.parametrize("persona", ["reporter", "leader_user", "auditor"])
def test_only_office_publishes(world, persona, request):
    evaluation = Evaluation.objects.create(year=2013, kind=EvaluationKind.HALF_YEAR)
    with pytest.raises(NotAllowed):
        evaluation_publish(evaluation=evaluation, user=request.getfixturevalue(persona))
    assert not EvaluationResult.objects.exists()
