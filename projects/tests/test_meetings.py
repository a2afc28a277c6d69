"""Meetings (周例会 and the others): items, decisions and action items, next week's plans."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from projects.choices import MeetingKind, ProblemOrigin
from projects.exceptions import DomainError, NotAllowed
from projects.models import Leader, Unit
from projects.selectors import weekly_plans_missing
from projects.services.meetings import (
    decision_add,
    decision_create_action_item,
    meeting_create,
    meeting_item_add,
    weekly_plan_file,
)

DAY = datetime.date


@pytest.fixture
def meeting(office, unit, leader_user):
    return meeting_create(user=office, kind=MeetingKind.WEEKLY, date=DAY(2013, 10, 14), title="第42周例会",
                          chair=leader_user.leader, units=[unit], leaders=[leader_user.leader])


def test_office_records_a_weekly_meeting(meeting, office, project, unit):
    item = meeting_item_add(meeting=meeting, user=office, project=project, discussion="主体施工进展顺利")
    assert list(meeting.items.all()) == [item]
    assert list(meeting.units.all()) == [unit]
    assert meeting.chair == Leader.objects.get()


@pytest.mark.parametrize("persona", ["reporter", "leader_user", "auditor"])
def test_only_office_records_meetings(persona, request):
    with pytest.raises(NotAllowed):
        meeting_create(user=request.getfixturevalue(persona), kind=MeetingKind.WEEKLY, date=DAY(2013, 1, 7),
                       title="x")


def test_a_decision_becomes_an_action_item_in_the_ledger(meeting, office, project, other_unit):
    decision = decision_add(meeting=meeting, user=office, text="限期完成拆迁")
    problem = decision_create_action_item(decision=decision, user=office, project=project,
                                          category="land_clearance", title="完成拆迁",
                                          responsible_unit=other_unit, deadline=DAY(2013, 10, 31))
    assert problem.decision == decision and problem.meeting == meeting
    assert problem.origin == ProblemOrigin.MEETING and problem.raised_on == meeting.date
    assert list(decision.action_items.all()) == [problem]


def test_a_reporter_files_its_units_plan_for_next_week(reporter, unit):
    plan = weekly_plan_file(user=reporter, unit=unit, week_start=DAY(2013, 10, 21), content="完成地下室")
    assert plan.filed_by == reporter


def test_a_reporter_cannot_file_for_another_unit(reporter, other_unit):
    with pytest.raises(NotAllowed):
        weekly_plan_file(user=reporter, unit=other_unit, week_start=DAY(2013, 10, 21), content="x")


def test_a_plan_week_starts_on_monday(reporter, unit):
    with pytest.raises(DomainError) as exc:
        weekly_plan_file(user=reporter, unit=unit, week_start=DAY(2013, 10, 22), content="x")
    assert exc.value.field == "week_start"


def test_a_unit_files_one_plan_a_week(reporter, unit):
    weekly_plan_file(user=reporter, unit=unit, week_start=DAY(2013, 10, 21), content="x")
    with pytest.raises(DomainError):
        weekly_plan_file(user=reporter, unit=unit, week_start=DAY(2013, 10, 21), content="y")


def at(*args):
    return timezone.make_aware(datetime.datetime(*args), ZoneInfo(timezone.get_current_timezone_name()))


def test_units_without_next_weeks_plan_are_listed_after_friday_18h(reporter, project, unit, other_unit):
    units = Unit.objects.all()
    # Friday 18 October 2013.
    assert list(weekly_plans_missing(now=at(2013, 10, 18, 17, 59), units=units)) == []
    assert set(weekly_plans_missing(now=at(2013, 10, 18, 18, 0), units=units)) == {unit, other_unit}
    weekly_plan_file(user=reporter, unit=unit, week_start=DAY(2013, 10, 21), content="x")
    assert list(weekly_plans_missing(now=at(2013, 10, 19, 9, 0), units=units)) == [other_unit]
    # By default only units leading a project are chased.
    assert list(weekly_plans_missing(now=at(2013, 10, 19, 9, 0))) == []
