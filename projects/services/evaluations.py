"""Half-year (半年初评) and year-end (年终总评) evaluations of projects and their lead units.

A project's total is the sum of four weighted parts, each a share in % times its weight ÷ 100:
- the annual completion rate at June or December, capped at 100 % (60 × completed ÷ annual plan);
- the share of milestones due that year by then that were met on time;
- the share of problems due that year by then that were closed on time;
- the mean of its scores in that year's published reviews up to then (each normalised to 0..100).
A part with nothing to measure (no plan, nothing due, not reviewed) counts as fully met: nothing
was missed. A unit's score is the mean of its projects'. `trace` names every record used."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from simple_history.utils import bulk_create_with_history
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.choices import EvaluationSubject, PublicationStatus, ReportStatus
from projects.exceptions import Conflict
from projects.models import (
    AnnualPlan,
    Evaluation,
    EvaluationResult,
    Milestone,
    MonthlyReport,
    Problem,
    Project,
    ReviewScore,
)
from projects.services.bulletins import month_end, round2
from projects.services.reviews import project_review_score
from projects.permissions import require
from projects.services.validation import clean_or_raise
from projects.audit import audit_event

HUNDRED = Decimal("100")
ZERO = Decimal("0")


@dataclass
class ResultRow:
    subject: str
    name: str
    completion_score: Decimal
    milestone_score: Decimal
    problem_score: Decimal
    review_score: Decimal
    total: Decimal
    project_id: int | None = None
    unit_id: int | None = None
    rank: int = 0
    trace: dict = field(default_factory=dict)


@dataclass
class EvaluationData:
    year: int
    month: int
    projects: list
    units: list


def _share(met, due):
    return HUNDRED if due == 0 else Decimal(met) * HUNDRED / Decimal(due)


def _rank(rows):
    rows.sort(key=lambda r: (-r.total, r.name))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row.total != previous:
            rank = position
        row.rank, previous = rank, row.total
    return rows


def evaluation_compute(*, evaluation):
    """Scores and ranks every non-archived project with an annual plan that year, and its lead unit."""
    year, month = evaluation.year, evaluation.month
    start, end = datetime.date(year, 1, 1), month_end(year, month)
    max_quarter = (month - 1) // 3 + 1
    projects = list(Project.objects.active().filter(annual_plans__year=year)
                    .with_progress(year, month).select_related("lead_unit").order_by("name"))
    ids = [p.pk for p in projects]
    plans = {p.project_id: p for p in AnnualPlan.objects.filter(project_id__in=ids, year=year)
             .prefetch_related("revisions")}
    reports = {}
    for report in MonthlyReport.objects.filter(project_id__in=ids, year=year, month__lte=month,
                                               status=ReportStatus.ACCEPTED).order_by("month"):
        reports[report.project_id] = report  # the latest accepted one wins, as in with_progress
    milestones = defaultdict(list)
    for m in Milestone.objects.filter(project_id__in=ids, planned_date__gte=start, planned_date__lte=end):
        milestones[m.project_id].append(m)
    problems = defaultdict(list)
    for p in Problem.objects.filter(project_id__in=ids, deadline__gte=start, deadline__lte=end):
        problems[p.project_id].append(p)
    scores = defaultdict(lambda: defaultdict(list))
    for s in ReviewScore.objects.filter(project_id__in=ids, review__year=year, review__quarter__lte=max_quarter,
                                        review__status=PublicationStatus.PUBLISHED).select_related("criterion"):
        scores[s.project_id][s.review_id].append(s)

    weights = {
        "completion": evaluation.weight_completion, "milestones": evaluation.weight_milestones,
        "problems": evaluation.weight_problems, "reviews": evaluation.weight_reviews,
    }
    rows = []
    for project in projects:
        plan = plans[project.pk]
        in_force = plan.investment_in_force(month)
        revision = max((r for r in plan.revisions.all() if r.effective_month <= month),
                       key=lambda r: (r.effective_month, r.pk), default=None)
        report = reports.get(project.pk)
        completed = report.completed_ytd if report else ZERO
        completion = HUNDRED if in_force == 0 else min(completed * HUNDRED / in_force, HUNDRED)
        due_m = milestones[project.pk]
        met_m = [m for m in due_m if m.actual_date is not None and m.actual_date <= m.planned_date]
        due_p = problems[project.pk]
        closed_p = [p for p in due_p if p.resolved_on is not None and p.resolved_on <= p.deadline]
        per_review = [project_review_score(group) for _review, group in sorted(scores[project.pk].items())]
        review_share = HUNDRED if not per_review else sum(per_review) / len(per_review)
        parts = {
            "completion": round2(weights["completion"] * completion / HUNDRED),
            "milestones": round2(weights["milestones"] * _share(len(met_m), len(due_m)) / HUNDRED),
            "problems": round2(weights["problems"] * _share(len(closed_p), len(due_p)) / HUNDRED),
            "reviews": round2(weights["reviews"] * review_share / HUNDRED),
        }
        rows.append(ResultRow(
            subject=EvaluationSubject.PROJECT, name=project.name, project_id=project.pk,
            unit_id=project.lead_unit_id, completion_score=parts["completion"], milestone_score=parts["milestones"],
            problem_score=parts["problems"], review_score=parts["reviews"], total=sum(parts.values()),
            trace={
                "period_end": end.isoformat(),
                "annual_plan": plan.pk,
                "plan_revision": revision.pk if revision else None,
                "plan_in_force": str(in_force),
                "reports": [report.pk] if report else [],
                "completed_ytd": str(completed),
                "completion_rate_capped": str(round2(completion)),
                "milestones_due": sorted(m.pk for m in due_m),
                "milestones_met": sorted(m.pk for m in met_m),
                "problems_due": sorted(p.pk for p in due_p),
                "problems_closed_on_time": sorted(p.pk for p in closed_p),
                "review_scores": sorted(s.pk for group in scores[project.pk].values() for s in group),
                "review_mean": str(round2(review_share)),
                "weights": {k: str(v) for k, v in weights.items()},
            },
        ))
    _rank(rows)

    by_unit = defaultdict(list)
    for row in rows:
        if row.unit_id is not None:
            by_unit[row.unit_id].append(row)
    unit_names = {p.lead_unit_id: p.lead_unit.name for p in projects if p.lead_unit_id}
    units = []
    for unit_id, members in by_unit.items():
        n = len(members)
        units.append(ResultRow(
            subject=EvaluationSubject.UNIT, name=unit_names[unit_id], unit_id=unit_id,
            completion_score=round2(sum(r.completion_score for r in members) / n),
            milestone_score=round2(sum(r.milestone_score for r in members) / n),
            problem_score=round2(sum(r.problem_score for r in members) / n),
            review_score=round2(sum(r.review_score for r in members) / n),
            total=round2(sum(r.total for r in members) / n),
            trace={"projects": sorted(r.project_id for r in members)},
        ))
    _rank(units)
    return EvaluationData(year=year, month=month, projects=rows, units=units)


@transaction.atomic
def evaluation_publish(*, evaluation, user):
    """Freeze the results into EvaluationResult; the evaluation is then frozen."""
    require(user, "evaluations", "publish", record=evaluation)
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.is_published:
        raise Conflict(_("This evaluation is already published."), code="published")
    data = evaluation_compute(evaluation=evaluation)
    bulk_create_with_history(model=EvaluationResult, default_user=user, objs=[
        EvaluationResult(
            evaluation=evaluation, subject=row.subject,
            project_id=row.project_id if row.subject == EvaluationSubject.PROJECT else None,
            unit_id=row.unit_id if row.subject == EvaluationSubject.UNIT else None,
            completion_score=row.completion_score, milestone_score=row.milestone_score,
            problem_score=row.problem_score, review_score=row.review_score, total=row.total, rank=row.rank,
            trace=row.trace,
        )
        for row in data.projects + data.units
    ])
    evaluation.status = PublicationStatus.PUBLISHED
    evaluation.published_at = timezone.now()
    evaluation.save()
    audit_event("evaluation.published", user=user, evaluation_id=evaluation.pk, evaluation=str(evaluation))
    return evaluation


@transaction.atomic
def evaluation_save_weights(*, evaluation, user, weight_completion, weight_milestones, weight_problems,
                            weight_reviews):
    """Edit the weights of a draft evaluation."""
    require(user, "evaluations", "update", record=evaluation)
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.is_published:
        raise Conflict(_("This evaluation is already published."), code="published")
    evaluation.weight_completion, evaluation.weight_milestones = weight_completion, weight_milestones
    evaluation.weight_problems, evaluation.weight_reviews = weight_problems, weight_reviews
    clean_or_raise(evaluation)
    evaluation.save()
    return evaluation
