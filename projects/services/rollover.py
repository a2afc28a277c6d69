"""Opening the next year (年度结转): the office turns year N's project library into year N+1's draft.

For every project with an annual plan in year N (archived projects aside):
- completed ones are closed: a project whose stage is 竣工, or whose completion milestone was met by
  the end of year N, gets stage 竣工 and is not carried;
- every other project is carried into N+1 with a draft annual plan (`AnnualPlan.is_draft`): a new
  start (新建) that started in year N (its start milestone met, or investment reported) becomes
  continuing (续建); other stages stay as they are;
- the draft plan proposes year N's plan in force in December, capped by what remains of the total
  investment after the investment reported so far (the latest accepted report of each year); the
  office edits it before the year's first bulletin;
- a draft programme for N+1 (项目推进计划（草案）) counts the carried projects by stage, the projects
  planned to complete in N+1, their total investment and the sum of the draft plans, and lists them.

`year_rollover_preview` computes all of it without writing; `year_rollover_apply` writes it in one
transaction (a failure leaves nothing) and refuses when year N+1 is already opened (the rollover's
own draft programme or any annual plan of N+1 exists), so running it twice changes nothing. Other
programmes of N+1 do not open it: the library holds official ones from the documents (the 2014
programmes the district adopted in advance) without any plan of 2014."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from projects.choices import MilestoneKind, ReportStatus, Stage
from projects.exceptions import Conflict, DomainError
from projects.models import AnnualPlan, Milestone, MonthlyReport, Programme, Project
from projects.services.roles import require_office

ZERO = Decimal("0")


@dataclass
class CarriedProject:
    project: Project
    stage_before: str
    stage_after: str
    planned_investment: Decimal  # the draft plan of N+1, 万元

    @property
    def stage_after_display(self):
        return Stage(self.stage_after).label

    @property
    def stage_changes(self):
        return self.stage_before != self.stage_after


@dataclass
class RolloverPreview:
    """What opening `next_year` will do; nothing of it is written yet."""

    year: int
    next_year: int
    carried: list = field(default_factory=list)  # [CarriedProject]
    closed: list = field(default_factory=list)  # [Project] completed: marked 竣工, not carried
    programme: dict = field(default_factory=dict)  # the draft programme's fields

    @property
    def counts(self):
        by_stage = {stage: 0 for stage in Stage.values}
        for item in self.carried:
            by_stage[item.stage_after] += 1
        return {
            "carried": len(self.carried),
            "closed": len(self.closed),
            "new_to_continuing": sum(1 for c in self.carried
                                     if c.stage_before == Stage.NEW and c.stage_after == Stage.CONTINUING),
            "by_stage": by_stage,
            "planned_investment": sum((c.planned_investment for c in self.carried), ZERO),
        }


def _programme_code(next_year):
    return f"{next_year}-draft"


def _is_opened(next_year):
    """The rollover's draft programme of `next_year` or an annual plan of that year exists."""
    return (Programme.objects.filter(code=_programme_code(next_year)).exists()
            or AnnualPlan.objects.filter(year=next_year).exists())


def _completed_so_far(project_ids, year):
    """{project id: investment reported up to the end of `year`}: the latest accepted report of each year."""
    latest = (MonthlyReport.objects.filter(project_id__in=project_ids, year__lte=year, status=ReportStatus.ACCEPTED)
              .values("project_id", "year").annotate(month=Max("month")))
    wanted = {(row["project_id"], row["year"], row["month"]) for row in latest}
    totals = {}
    for pid, yr, month, ytd in (MonthlyReport.objects
                                .filter(project_id__in=project_ids, year__lte=year, status=ReportStatus.ACCEPTED)
                                .values_list("project_id", "year", "month", "completed_ytd")):
        if (pid, yr, month) in wanted:
            totals[pid] = totals.get(pid, ZERO) + ytd
    return totals


def _compute(year):
    if not 2000 <= year < 2100:
        raise DomainError(_("The year must be between 2000 and 2099."), field="year", code="invalid")
    next_year = year + 1
    year_end = datetime.date(year, 12, 31)
    plans = list(AnnualPlan.objects.filter(year=year, project__is_archived=False)
                 .select_related("project").prefetch_related("revisions").order_by("project__name"))
    if not plans:
        raise DomainError(_("No project has an annual plan for %(year)s: there is nothing to carry.")
                          % {"year": year}, field="year", code="nothing_to_carry")
    ids = [plan.project_id for plan in plans]
    met = set(Milestone.objects.filter(project_id__in=ids, actual_date__lte=year_end)
              .values_list("project_id", "kind"))
    reported = set(MonthlyReport.objects.filter(project_id__in=ids, year=year, completed_ytd__gt=0)
                   .values_list("project_id", flat=True))
    completed = _completed_so_far(ids, year)

    preview = RolloverPreview(year=year, next_year=next_year)
    for plan in plans:
        project = plan.project
        if project.stage == Stage.COMPLETED or (project.id, MilestoneKind.COMPLETION) in met:
            preview.closed.append(project)
            continue
        stage_after = project.stage
        if project.stage == Stage.NEW and ((project.id, MilestoneKind.START) in met or project.id in reported):
            stage_after = Stage.CONTINUING
        proposal = plan.investment_in_force(12)
        if project.total_investment is not None:
            remaining = max(project.total_investment - completed.get(project.id, ZERO), ZERO)
            proposal = min(proposal, remaining)
        preview.carried.append(CarriedProject(project=project, stage_before=project.stage, stage_after=stage_after,
                                              planned_investment=proposal))

    counts = preview.counts
    preview.programme = {
        "code": _programme_code(next_year),
        "year": next_year,
        "label": "草案",
        "name": f"{next_year}年重点项目推进计划（草案）",
        "name_en": f"{next_year} key project programme (draft)",
        "description": f"由{year}年结转：续建及未开工项目{counts['carried']}个，{year}年竣工{counts['closed']}个不再结转。",
        "planned_project_count": counts["carried"],
        "planned_reserve": counts["by_stage"][Stage.RESERVE],
        "planned_preparation": counts["by_stage"][Stage.PREPARATION],
        "planned_new": counts["by_stage"][Stage.NEW],
        "planned_continuing": counts["by_stage"][Stage.CONTINUING],
        "planned_completed": sum(1 for c in preview.carried if c.project.planned_completion
                                 and c.project.planned_completion.year == next_year),
        "total_investment_target": sum((c.project.total_investment or ZERO for c in preview.carried), ZERO),
        "annual_investment_target": counts["planned_investment"],
    }
    return preview


def _refuse_if_opened(next_year):
    if _is_opened(next_year):
        raise Conflict(_("Year %(year)s is already opened (it has the draft programme of a rollover or annual "
                         "plans); nothing was changed.") % {"year": next_year}, code="already_opened")


def year_rollover_preview(*, year, user):
    """What opening year+1 would do, without writing anything (office only)."""
    require_office(user)
    _refuse_if_opened(year + 1)
    return _compute(year)


@transaction.atomic
def year_rollover_apply(*, year, user):
    """Open year+1: close the completed projects, carry the others with draft plans, create the draft
    programme. All or nothing; refused when year+1 is already opened."""
    require_office(user)
    # Serialises two offices pressing the button at once: the second finds the year opened.
    list(Programme.objects.select_for_update().filter(year=year + 1))
    _refuse_if_opened(year + 1)
    preview = _compute(year)
    for project in preview.closed:
        if project.stage != Stage.COMPLETED:
            project.stage = Stage.COMPLETED
            project.save(update_fields=["stage", "updated_at"])
    for item in preview.carried:
        if item.stage_changes:
            item.project.stage = item.stage_after
            item.project.save(update_fields=["stage", "updated_at"])
        AnnualPlan.objects.create(project=item.project, year=preview.next_year,
                                  planned_investment=item.planned_investment, is_draft=True,
                                  target=_("Draft carried over from %(year)s; to be confirmed.") % {"year": year})
    programme = Programme.objects.create(**preview.programme)
    programme.projects.add(*[item.project for item in preview.carried])
    preview.programme["id"] = programme.pk
    return preview
