"""Object factories for the generic admin tests: one callable per model registered in the admin.

`FACTORIES[Model](n)` creates and returns the n-th object of `Model` (with whatever it needs), so
that a test can make 5 or 50 distinct objects. A model registered in the admin without a factory
here makes test_admin_library fail: add one when you register a ModelAdmin (e.g. in
projects/admin/tracking.py)."""

import datetime
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from projects.choices import Category, MilestoneKind, Role, Stage
from projects.models import (
    Reminder,
    AnnualPlan,
    Bulletin,
    BulletinEntry,
    Decision,
    Evaluation,
    EvaluationResult,
    Leader,
    Meeting,
    MeetingItem,
    MonthlyReport,
    Problem,
    ProblemAction,
    Review,
    ReviewCriterion,
    ReviewRanking,
    ReviewScore,
    WeeklyPlan,
    Milestone,
    PlanRevision,
    Profile,
    Programme,
    Project,
    Source,
    Unit,
    Zone,
)


def make_zone(n):
    return Zone.objects.create(code=f"zone-{n}", name=f"园区{n}", name_en=f"Zone {n}")


def make_unit(n):
    return Unit.objects.create(name=f"责任单位{n}", name_en=f"Unit {n}")


def make_leader(n):
    return Leader.objects.create(name=f"分包领导{n}", title="副区长", body="government", unit=make_unit(f"L{n}"))


def make_programme(n):
    return Programme.objects.create(code=f"programme-{n}", year=2013, label=f"34231{n}", name=f"项目推进计划{n}")


def make_project(n):
    """A project with everything a changelist row shows: zone, lead unit, a cooperating unit,
    a leader, a programme, an annual plan and a source."""
    project = Project.objects.create(
        name=f"重点项目{n}", name_en=f"Key project {n}", aliases=f"项目{n}", category=Category.INDUSTRY,
        stage=Stage.CONTINUING, zone=make_zone(f"P{n}"), lead_unit=make_unit(f"P{n}"),
        total_investment=Decimal("200000"),
    )
    project.cooperating_units.add(make_unit(f"C{n}"))
    project.leaders.add(make_leader(f"P{n}"))
    project.programmes.add(make_programme(f"P{n}"))
    AnnualPlan.objects.create(project=project, year=2013, planned_investment=Decimal("60000"))
    make_source_for(project, n)
    return project


def make_plain_project(n):
    return Project.objects.create(name=f"项目{n}", name_en=f"Project {n}")


def make_annual_plan(n):
    plan = AnnualPlan.objects.create(project=make_plain_project(f"A{n}"), year=2013,
                                     planned_investment=Decimal("60000"))
    PlanRevision.objects.create(plan=plan, effective_month=7, planned_investment=Decimal("55000"),
                                reason="计划调整", revised_on=datetime.date(2013, 7, 1))
    return plan


def make_plan_revision(n):
    plan = AnnualPlan.objects.create(project=make_plain_project(f"R{n}"), year=2013,
                                     planned_investment=Decimal("60000"))
    return PlanRevision.objects.create(plan=plan, effective_month=7, planned_investment=Decimal("55000"),
                                       reason="计划调整", revised_on=datetime.date(2013, 7, 1),
                                       revised_by=make_user(f"R{n}"))


def make_milestone(n):
    return Milestone.objects.create(project=make_plain_project(f"M{n}"), kind=MilestoneKind.START,
                                    planned_date=datetime.date(2013, 3, 1))


def make_source_for(record, n):
    return Source.objects.create(document="000.txt", quote=f"引文{n}", supports="总投资",
                                 content_type=ContentType.objects.get_for_model(record), object_id=record.pk)


def make_source(n):
    return make_source_for(make_plain_project(f"S{n}"), n)


def make_user(n):
    # No password: hashing one for each of 50 users would dominate the test's run time.
    return get_user_model().objects.create(username=f"user-{n}", password="!")


def make_profile(n):
    return Profile.objects.create(user=make_user(f"P{n}"), role=Role.REPORTER, unit=make_unit(f"U{n}"))


def make_report(n):
    return MonthlyReport.objects.create(project=make_plain_project(f"MR{n}"), year=2013, month=10,
                                        completed_ytd=Decimal("100"))


def _index(n):
    """The number in a factory key ("E12" → 12), for models unique by year and period."""
    return int("".join(ch for ch in str(n) if ch.isdigit()) or 0)


def make_bulletin(n):
    return Bulletin.objects.create(year=2000 + _index(n) % 100, month=10)


def make_bulletin_entry(n):
    project = make_plain_project(f"BE{n}")
    return BulletinEntry.objects.create(
        bulletin=make_bulletin(f"E{n}"), project=project, category=project.category, stage=project.stage,
        planned_investment=Decimal("100"), baseline_investment=Decimal("100"), completed_ytd=Decimal("50"),
        completed_month=Decimal("5"), completion_rate=Decimal("50"), time_progress=Decimal("83.33"),
        gap_points=Decimal("-33.33"), light="red", rank_in_category=1,
    )


def make_meeting(n):
    return Meeting.objects.create(kind="weekly", date=datetime.date(2013, 10, 4), title=f"周例会{n}")


def make_meeting_item(n):
    return MeetingItem.objects.create(meeting=make_meeting(f"I{n}"), project=make_plain_project(f"MI{n}"),
                                      discussion="加快进度")


def make_decision(n):
    return Decision.objects.create(meeting=make_meeting(f"D{n}"), text="限期解决征地问题")


def make_weekly_plan(n):
    return WeeklyPlan.objects.create(unit=make_unit(f"W{n}"), week_start=datetime.date(2013, 10, 7),
                                     content="下周工作安排")


def make_problem(n):
    return Problem.objects.create(project=make_plain_project(f"PR{n}"), category="land_clearance",
                                  title=f"征地问题{n}", responsible_unit=make_unit(f"PR{n}"),
                                  raised_on=datetime.date(2013, 9, 1), deadline=datetime.date(2013, 10, 1))


def make_problem_action(n):
    return ProblemAction.objects.create(problem=make_problem(f"A{n}"), date=datetime.date(2013, 9, 5),
                                        text="现场协调")


def make_review(n):
    index = _index(n)
    return Review.objects.create(year=2000 + index // 4 % 100, quarter=index % 4 + 1,
                                 date=datetime.date(2013, 9, 1), title=f"季观摩{n}")


def make_review_criterion(n):
    return ReviewCriterion.objects.create(review=make_review(n), name="工作进展", weight=Decimal("40"))


def make_review_score(n):
    criterion = make_review_criterion(n)
    return ReviewScore.objects.create(review=criterion.review, project=make_plain_project(f"RS{n}"),
                                      reviewer=make_leader(f"RS{n}"), criterion=criterion, score=Decimal("80"))


def make_review_ranking(n):
    project = make_plain_project(f"RK{n}")
    return ReviewRanking.objects.create(review=make_review(n), project=project, category=project.category,
                                        score=Decimal("80"), rank=1, is_top=True)


def make_evaluation(n):
    index = _index(n)
    return Evaluation.objects.create(year=2000 + index % 100, kind="half_year" if index % 2 else "year_end")


def make_evaluation_result(n):
    return EvaluationResult.objects.create(
        evaluation=make_evaluation(n), subject="project", project=make_plain_project(f"ER{n}"),
        completion_score=Decimal("60"), milestone_score=Decimal("15"), problem_score=Decimal("10"),
        review_score=Decimal("10"), total=Decimal("95"), rank=1, trace={"reports": []},
    )


def make_reminder(n):
    problem = make_problem(f"RM{n}")
    return Reminder.objects.create(key=f"problem_overdue|problem:{problem.pk}|2013-10-01|email|unit:{n}",
                                   kind="problem_overdue", period="2013-10-01", project=problem.project,
                                   problem=problem, unit=problem.responsible_unit, channel="email",
                                   address=f"unit{n}@example.org", status="sent", attempts=1)


def make_attachment(n):
    """A document on a report, written straight to the default storage (the checks are tested in test_attachments)."""
    from django.core.files.base import ContentFile

    from projects.models import Attachment

    report = make_report(f"AT{n}")
    attachment = Attachment(project=report.project, report=report, kind="document", original_name=f"纪要{n}.pdf",
                            content_type="application/pdf", size=8, sha256="0" * 64)
    attachment.file.save("a.pdf", ContentFile(b"%PDF-1.7"), save=False)
    attachment.save()
    return attachment


def make_api_token(n):
    from projects.models import ApiToken

    return ApiToken.objects.create(user=make_user(f"T{n}"))[0]


FACTORIES = {
    __import__("projects.models", fromlist=["ApiToken"]).ApiToken: make_api_token,
    Reminder: make_reminder,
    MonthlyReport: make_report,
    Bulletin: make_bulletin,
    BulletinEntry: make_bulletin_entry,
    Meeting: make_meeting,
    MeetingItem: make_meeting_item,
    Decision: make_decision,
    WeeklyPlan: make_weekly_plan,
    Problem: make_problem,
    ProblemAction: make_problem_action,
    Review: make_review,
    ReviewCriterion: make_review_criterion,
    ReviewScore: make_review_score,
    ReviewRanking: make_review_ranking,
    Evaluation: make_evaluation,
    EvaluationResult: make_evaluation_result,
    Zone: make_zone,
    Unit: make_unit,
    Leader: make_leader,
    Programme: make_programme,
    Project: make_project,
    AnnualPlan: make_annual_plan,
    PlanRevision: make_plan_revision,
    Milestone: make_milestone,
    Source: make_source,
    Profile: make_profile,
    __import__("projects.models", fromlist=["Attachment"]).Attachment: make_attachment,
}


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def project_models(site):
    """The models of app `projects` registered on `site`, in a stable order."""
    return sorted((m for m in site._registry if m._meta.app_label == "projects"), key=lambda m: m._meta.model_name)


def _form_values(form):
    """What a browser would post back for `form` as rendered."""
    data = {}
    for name in form.fields:
        bound = form[name]
        value = bound.value()
        key = bound.html_name
        widget = bound.field.widget
        if isinstance(widget, forms.MultiWidget):
            parts = value if isinstance(value, (list, tuple)) else widget.decompress(value)
            for index, suffix in enumerate(widget.widgets_names):
                part = parts[index] if index < len(parts) else None
                data[key + suffix] = "" if part is None else str(part)
            continue
        if value is None:
            data[key] = [] if isinstance(bound.field, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)) else ""
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, (list, tuple)):
            data[key] = [str(getattr(v, "pk", v)) for v in value]
        else:
            data[key] = str(getattr(value, "pk", value))
    return data


def admin_form_data(response, **changes):
    """The POST data of an admin add/change page as rendered in `response` (main form, every
    inline's management form and rows), with `changes` applied (keys are HTML field names)."""
    data = _form_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_values(formset.management_form))
        for form in formset.forms:
            data.update(_form_values(form))
    data.update(changes)
    return data
