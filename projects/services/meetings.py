"""Meetings of the mechanism (周例会 and the others), their decisions and next week's plans."""

from django.db import transaction
from django.utils.translation import gettext as _

from projects.choices import ProblemOrigin
from projects.exceptions import DomainError
from projects.models import Decision, Meeting, MeetingItem, WeeklyPlan
from projects.services.problems import problem_log
from projects.permissions import require
from projects.services.validation import clean_or_raise


@transaction.atomic
def meeting_create(*, user, kind, date, title, chair=None, units=(), leaders=(), location="", notes=""):
    require(user, "meetings", "create")
    meeting = Meeting(kind=kind, date=date, title=title, chair=chair, location=location, notes=notes)
    clean_or_raise(meeting)
    meeting.save()
    meeting.units.set(units)
    meeting.leaders.set(leaders)
    return meeting


@transaction.atomic
def meeting_item_add(*, meeting, user, project, discussion):
    """Record a project discussed at the meeting and what was said of it."""
    require(user, "meeting-items", "create", data={"project": project})
    item = MeetingItem(meeting=meeting, project=project, discussion=discussion)
    clean_or_raise(item)
    item.save()
    return item


@transaction.atomic
def decision_add(*, meeting, user, text):
    require(user, "decisions", "create")
    decision = Decision(meeting=meeting, text=text)
    clean_or_raise(decision)
    decision.save()
    return decision


@transaction.atomic
def decision_create_action_item(*, decision, user, project, category, title, responsible_unit, deadline,
                                description=""):
    """Turn a decision into an action item: a problem in the ledger raised at the decision's meeting."""
    require(user, "decisions", "update", record=decision)
    return problem_log(user=user, project=project, category=category, title=title, description=description,
                       responsible_unit=responsible_unit, deadline=deadline, raised_on=decision.meeting.date,
                       origin=ProblemOrigin.MEETING, meeting=decision.meeting, decision=decision)


@transaction.atomic
def weekly_plan_file(*, user, unit, week_start, content, meeting=None):
    """File next week's plan (下周工作安排) for a unit: its own reporter or office staff."""
    require(user, "weekly-plans", "create", data={"unit": unit})
    if week_start.weekday() != 0:
        raise DomainError(_("A week starts on a Monday."), field="week_start", code="not_monday")
    plan = WeeklyPlan(unit=unit, week_start=week_start, content=content, meeting=meeting, filed_by=user)
    clean_or_raise(plan, exclude=["filed_at"])
    plan.save()
    return plan
