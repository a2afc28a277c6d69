"""The problem ledger (问题台账): log, act, escalate, close. Each problem keeps its own history
of actions (一企一策、一事一议); overdue problems turn the project red in the bulletin."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.choices import ProblemOrigin, ProblemStatus
from projects.exceptions import Conflict, DomainError
from projects.models import Problem, ProblemAction
from projects.permissions import allows, require
from projects.services.validation import clean_or_raise


def problem_may_act(user, problem):
    """True when the role table lets `user` record an action on `problem` (projects/permissions.py),
    and it is open. For showing buttons; the services check again."""
    return allows(user, "problem-actions", "create", data={"problem": problem}) and \
        problem.status != ProblemStatus.RESOLVED


def problem_may_close(user, problem):
    """True when the role table lets `user` close `problem` (office staff or the responsible unit)."""
    return allows(user, "problems", "close", record=problem) and problem.status != ProblemStatus.RESOLVED


def _locked_open(problem):
    problem = Problem.objects.select_for_update().select_related("project", "responsible_unit").get(pk=problem.pk)
    if problem.status == ProblemStatus.RESOLVED:
        raise Conflict(_("This problem is already closed."), code="closed")
    return problem


def _record(problem, user, text, status_after="", date=None):
    action = ProblemAction(problem=problem, date=date or timezone.localdate(), text=text,
                           status_after=status_after or "", user=user)
    clean_or_raise(action)
    action.save()
    return action


@transaction.atomic
def problem_log(*, user, project, category, title, responsible_unit, deadline, raised_on=None, description="",
                origin=ProblemOrigin.OTHER, meeting=None, decision=None, report=None):
    """Enter a problem in the ledger with its responsible unit and deadline (首问负责、限时办结)."""
    require(user, "problems", "create", data={"project": project, "responsible_unit": responsible_unit})
    problem = Problem(project=project, category=category, title=title, description=description, origin=origin,
                      meeting=meeting, decision=decision, report=report, responsible_unit=responsible_unit,
                      raised_on=raised_on or timezone.localdate(), deadline=deadline)
    clean_or_raise(problem)
    problem.save()
    _record(problem, user, _("Logged."), ProblemStatus.OPEN, date=problem.raised_on)
    return problem


# The statuses a recorded step may move a problem to; escalating and resolving are actions of their
# own (problem_escalate, problem_close), with their own row in the role table and a reason.
ACT_STATUSES = (ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS)


@transaction.atomic
def problem_act(*, problem, user, text, status_after=None, date=None):
    """Add a step to the problem's history, optionally moving it to open / in progress."""
    problem = _locked_open(problem)
    require(user, "problem-actions", "create", data={"problem": problem})
    if not (text or "").strip():
        raise DomainError(_("Say what was done."), field="text", code="required")
    if status_after == ProblemStatus.RESOLVED:
        raise DomainError(_("Close a problem with its resolution instead."), field="status_after", code="use_action")
    if status_after == ProblemStatus.ESCALATED:
        raise DomainError(_("Escalate a problem with its escalate action, saying why, instead."),
                          field="status_after", code="use_action")
    if status_after and status_after not in ACT_STATUSES:
        raise DomainError(_("A step moves a problem to open or in progress only."), field="status_after",
                          code="invalid_choice")
    if status_after:
        problem.status = status_after
        clean_or_raise(problem)
        problem.save()
    return _record(problem, user, text, status_after, date=date)


@transaction.atomic
def problem_escalate(*, problem, user, text):
    """Lift a problem to the leadership (big problems go up from the weekly meeting)."""
    problem = _locked_open(problem)
    require(user, "problems", "escalate", record=problem)
    if problem.status == ProblemStatus.ESCALATED:
        raise Conflict(_("This problem is already escalated."), code="escalated")
    if not (text or "").strip():
        raise DomainError(_("Say why the problem is escalated."), field="text", code="required")
    problem.status = ProblemStatus.ESCALATED
    clean_or_raise(problem)
    problem.save()
    _record(problem, user, text, ProblemStatus.ESCALATED)
    return problem


@transaction.atomic
def problem_close(*, problem, user, resolution, resolved_on):
    problem = _locked_open(problem)
    require(user, "problems", "close", record=problem)
    if not (resolution or "").strip():
        raise DomainError(_("Say how the problem was resolved."), field="resolution", code="required")
    problem.status = ProblemStatus.RESOLVED
    problem.resolution = resolution
    problem.resolved_on = resolved_on
    clean_or_raise(problem)
    problem.save()
    _record(problem, user, resolution, ProblemStatus.RESOLVED, date=resolved_on)
    return problem
