"""The problem ledger (问题台账): log, act, escalate, close; overdue flags for projects and units."""

from django.utils.translation import gettext as _

import datetime

import pytest

from projects.choices import ProblemStatus
from projects.exceptions import Conflict, DomainError, NotAllowed
from projects.models import Problem, Project
from projects.selectors import problems_of_unit, problems_overdue, projects_with_overdue_flag
from projects.services.problems import problem_act, problem_close, problem_escalate, problem_log

DAY = datetime.date


def log(user, project, unit, deadline=DAY(2013, 6, 30), **kwargs):
    return problem_log(user=user, project=project, category="land_clearance", title="征地拆迁",
                       responsible_unit=unit, raised_on=DAY(2013, 6, 1), deadline=deadline, **kwargs)


def test_a_reporter_logs_a_problem_of_its_project(reporter, project, other_unit):
    problem = log(reporter, project, other_unit)
    assert problem.status == ProblemStatus.OPEN
    assert [a.status_after for a in problem.actions.all()] == [ProblemStatus.OPEN]


def test_a_reporter_of_another_unit_cannot_log(outsider, project, unit):
    with pytest.raises(NotAllowed):
        log(outsider, project, unit)


def test_an_auditor_writes_nothing(auditor, office, project, unit):
    with pytest.raises(NotAllowed):
        log(auditor, project, unit)
    problem = log(office, project, unit)
    with pytest.raises(NotAllowed):
        problem_act(problem=problem, user=auditor, text="x")


def test_a_deadline_before_raising_is_refused(office, project, unit):
    with pytest.raises(DomainError):
        log(office, project, unit, deadline=DAY(2013, 5, 1))


def test_each_problem_keeps_its_own_history(office, reporter, outsider, project, unit, other_unit):
    first = log(office, project, other_unit)
    second = log(office, project, unit)
    problem_act(problem=first, user=outsider, text="对接国土局", status_after=ProblemStatus.IN_PROGRESS)
    problem_act(problem=second, user=reporter, text="协调电力")
    first.refresh_from_db()
    assert first.status == ProblemStatus.IN_PROGRESS
    logged = str(_("Logged."))  # recorded in the language active when the problem was logged
    assert [a.text for a in first.actions.all()] == [logged, "对接国土局"]
    assert [a.text for a in second.actions.all()] == [logged, "协调电力"]


def test_acting_cannot_resolve_and_needs_text(office, project, unit):
    problem = log(office, project, unit)
    with pytest.raises(DomainError):
        problem_act(problem=problem, user=office, text="done", status_after=ProblemStatus.RESOLVED)
    with pytest.raises(DomainError):
        problem_act(problem=problem, user=office, text=" ")


def test_escalate_then_close(office, leader_user, project, unit):
    problem = log(office, project, unit)
    problem = problem_escalate(problem=problem, user=leader_user, text="提交区长办公会")
    assert problem.status == ProblemStatus.ESCALATED
    with pytest.raises(Conflict):
        problem_escalate(problem=problem, user=office, text="again")
    with pytest.raises(NotAllowed):
        problem_close(problem=problem, user=leader_user, resolution="x", resolved_on=DAY(2013, 6, 20))
    problem = problem_close(problem=problem, user=office, resolution="已完成拆迁", resolved_on=DAY(2013, 6, 20))
    assert problem.status == ProblemStatus.RESOLVED and problem.resolved_on == DAY(2013, 6, 20)
    assert [a.status_after for a in problem.actions.order_by("id")] == ["open", "escalated", "resolved"]


def test_a_closed_problem_is_frozen(office, project, unit):
    problem = log(office, project, unit)
    problem_close(problem=problem, user=office, resolution="ok", resolved_on=DAY(2013, 6, 2))
    with pytest.raises(Conflict):
        problem_act(problem=problem, user=office, text="x")
    with pytest.raises(Conflict):
        problem_close(problem=problem, user=office, resolution="ok", resolved_on=DAY(2013, 6, 2))


def test_closing_needs_a_resolution_and_a_date_after_raising(office, project, unit):
    problem = log(office, project, unit)
    with pytest.raises(DomainError) as exc:
        problem_close(problem=problem, user=office, resolution="", resolved_on=DAY(2013, 6, 2))
    assert exc.value.field == "resolution"
    with pytest.raises(DomainError):
        problem_close(problem=problem, user=office, resolution="ok", resolved_on=DAY(2013, 5, 2))


def test_the_responsible_unit_acts_and_closes_on_another_units_project(outsider, office, project, other_unit):
    problem = log(office, project, other_unit)
    problem_act(problem=problem, user=outsider, text="办理中")
    assert problem_close(problem=problem, user=outsider, resolution="ok", resolved_on=DAY(2013, 6, 9)).status \
        == ProblemStatus.RESOLVED


def test_overdue_problems_are_flagged_on_the_project_and_for_the_unit(office, project, unit, other_unit):
    overdue = log(office, project, other_unit, deadline=DAY(2013, 6, 10))
    log(office, project, other_unit, deadline=DAY(2013, 7, 10))
    closed = log(office, project, unit, deadline=DAY(2013, 6, 5))
    problem_close(problem=closed, user=office, resolution="ok", resolved_on=DAY(2013, 6, 8))
    calm = Project.objects.create(name="calm", lead_unit=other_unit)
    on = DAY(2013, 6, 15)
    assert list(problems_overdue(on)) == [overdue]
    flags = {p.name: p.has_overdue_problem for p in projects_with_overdue_flag(on=on)}
    assert flags == {project.name: True, calm.name: False}
    view = list(problems_of_unit(other_unit, on=on))
    assert view[0] == overdue and view[0].is_overdue
    assert [p.is_overdue for p in view] == [True, False]
    # The lead unit sees every problem of its project.
    assert {p.pk for p in problems_of_unit(unit, on=on)} == set(Problem.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("status", [ProblemStatus.ESCALATED, ProblemStatus.RESOLVED])
def test_an_action_moves_a_problem_only_to_open_or_in_progress(office, reporter, project, unit, status):
    problem = log(office, project, unit)
    with pytest.raises(DomainError) as exc:
        problem_act(problem=problem, user=reporter, text="已协调", status_after=status)
    assert exc.value.field == "status_after" and exc.value.code == "use_action"
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN and problem.actions.count() == 1
    assert problem_act(problem=problem, user=reporter, text="推进中", status_after=ProblemStatus.IN_PROGRESS)
