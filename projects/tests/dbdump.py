"""Compare whole databases, and fill one with a record in every table.

    full_dump() -> dict          every row of every model (M2M tables included) as sorted tuples of
                                 column values: equal dumps mean the same records. Use it to prove
                                 "the database is unchanged" (e.g. after a refused import).
    populate_every_model()       one consistent set of records touching every table of the app.
    empty_models(dump)           the models a dump has no row of.
"""

import datetime
from decimal import Decimal

from projects.backup import canonical_dump, load_canonical_dump

__all__ = ["full_dump", "load_canonical_dump", "populate_every_model", "empty_models", "row_count"]


def full_dump(using="default"):
    return canonical_dump(using)


def row_count(dump):
    return sum(len(rows) for rows in dump.values())


def empty_models(dump):
    return sorted(label for label, rows in dump.items() if not rows)


def populate_every_model():
    """Records in every model of projects/models, plus users, groups, tokens, sessions and an admin log
    entry; figures from seeds 000/001 (星凯国际, 2013's "342311"). History rows come from the saves."""
    from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog
    from django.contrib.admin.models import ADDITION, LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.files.base import ContentFile
    from django.db import transaction
    from django.utils import timezone

    from projects import models as m
    from projects.choices import (
        Category, EvaluationKind, EvaluationSubject, KeyLevel, LeadingBody, Light, MeetingKind,
        MilestoneKind, ProblemCategory, ProblemOrigin, ProblemStatus, PublicationStatus, ReportStatus,
        Role, Stage, UnitKind, ZoneKind,
    )

    User = get_user_model()
    at = datetime.datetime(2013, 7, 5, 9, 30, tzinfo=datetime.timezone.utc)
    with transaction.atomic():
        office_group = Group.objects.create(name="项目办")
        office_group.permissions.add(*Permission.objects.filter(content_type__app_label="projects")[:5])
        office = User.objects.create_user("office", password="pw-office-123", is_staff=True)
        office.groups.add(office_group)
        reporter = User.objects.create_user("reporter", password="pw-reporter-123", is_staff=True,
                                            first_name="丽", last_name="王")
        reporter.user_permissions.add(Permission.objects.get(codename="add_monthlyreport"))
        leader_user = User.objects.create_user("leader", password="pw-leader-123")

        drc = m.Unit.objects.create(name="解放区发改委", name_en="Development and Reform Commission")
        wangchu = m.Unit.objects.create(name="王褚街道办事处", name_en="Wangchu Sub-district Office",
                                        kind=UnitKind.SUBDISTRICT, parent=drc)
        zone = m.Zone.objects.create(code="commerce", name="特色商业区", name_en="Featured Commercial District",
                                     kind=ZoneKind.FOUR_ZONES, area_km2=Decimal("3.50"))
        chief = m.Leader.objects.create(name="区长", title="区长", body=LeadingBody.GOVERNMENT, unit=drc,
                                        user=leader_user)
        deputy = m.Leader.objects.create(name="常务副区长", title="常务副区长", body=LeadingBody.GOVERNMENT)
        m.Profile.objects.create(user=office, role=Role.OFFICE)
        m.Profile.objects.create(user=reporter, role=Role.REPORTER, unit=drc)
        m.Profile.objects.create(user=leader_user, role=Role.LEADER)

        programme = m.Programme.objects.create(
            code="2013-342311", year=2013, label="342311", name="项目推进计划", planned_project_count=34,
            planned_reserve=2, planned_preparation=3, planned_new=11, planned_continuing=17, planned_completed=1,
            total_investment_target=Decimal("2300000.00"), annual_investment_target=Decimal("500000.00"),
            reported_as_of=datetime.date(2013, 6, 30), reported_completion_rate=Decimal("52.30"),
        )
        starkai = m.Project.objects.create(
            name="星凯国际城市综合体", name_en="StarKai International City Complex", aliases="星凯国际",
            category=Category.COMMERCE, zone=zone, stage=Stage.CONTINUING, key_level=KeyLevel.CITY,
            total_investment=Decimal("200000.00"), lead_unit=drc, planned_start=datetime.date(2012, 3, 1),
            planned_completion=datetime.date(2015, 12, 31), description="城市综合体",
        )
        phase2 = m.Project.objects.create(name="星凯国际二期", category=Category.COMMERCE, stage=Stage.NEW,
                                          parent=starkai, total_investment=Decimal("80000.50"))
        starkai.leaders.add(chief)
        starkai.cooperating_units.add(wangchu)
        starkai.programmes.add(programme)

        plan = m.AnnualPlan.objects.create(project=starkai, year=2013, planned_investment=Decimal("60000.00"),
                                           target="主体封顶")
        m.PlanRevision.objects.create(plan=plan, effective_month=7, planned_investment=Decimal("55000.25"),
                                      reason="拆迁滞后", revised_on=datetime.date(2013, 7, 2), revised_by=office)
        m.Milestone.objects.create(project=starkai, kind=MilestoneKind.TOPPING_OUT,
                                   planned_date=datetime.date(2013, 10, 31), note="主体封顶")
        report = m.MonthlyReport.objects.create(
            project=starkai, year=2013, month=6, completed_ytd=Decimal("31200.75"), progress_note="主体施工至18层",
            status=ReportStatus.ACCEPTED, reporting_unit=drc, reporter_name="王丽", submitted_at=at,
            submitted_by=reporter, accepted_at=at + datetime.timedelta(days=1), accepted_by=office,
        )
        m.Source.objects.create(document="001.txt", quote="星凯国际", supports="project name",
                                content_type=ContentType.objects.get_for_model(m.Project), object_id=starkai.pk)

        bulletin = m.Bulletin.objects.create(year=2013, month=6, status=PublicationStatus.PUBLISHED,
                                             title="2013年6月重点项目通报", totals={"projects": 1, "rate": "52.00"},
                                             published_at=at, published_by=office)
        m.BulletinEntry.objects.create(
            bulletin=bulletin, project=starkai, category=Category.COMMERCE, stage=Stage.CONTINUING,
            zone_name=zone.name, unit_name=drc.name, planned_investment=Decimal("60000.00"),
            baseline_investment=Decimal("60000.00"), completed_ytd=Decimal("31200.75"),
            completed_month=Decimal("5200.00"), completion_rate=Decimal("52.00"), time_progress=Decimal("50.00"),
            gap_points=Decimal("2.00"), light=Light.YELLOW,
            reasons=[{"code": "report_missing", "text": "本月月报未报送"}], rank_in_category=1,
        )

        meeting = m.Meeting.objects.create(kind=MeetingKind.WEEKLY, date=datetime.date(2013, 7, 1),
                                           title="重点项目周例会", chair=chief, location="区政府")
        meeting.units.add(drc, wangchu)
        meeting.leaders.add(chief, deputy)
        m.MeetingItem.objects.create(meeting=meeting, project=starkai, discussion="加快拆迁")
        decision = m.Decision.objects.create(meeting=meeting, text="王褚街道7月底前完成拆迁")
        m.WeeklyPlan.objects.create(unit=drc, week_start=datetime.date(2013, 7, 8), content="下周工作安排",
                                    meeting=meeting, filed_by=reporter)
        problem = m.Problem.objects.create(
            project=starkai, category=ProblemCategory.LAND_CLEARANCE, title="拆迁滞后", origin=ProblemOrigin.MEETING,
            meeting=meeting, decision=decision, report=report, responsible_unit=wangchu,
            raised_on=datetime.date(2013, 7, 1), deadline=datetime.date(2013, 7, 31),
            status=ProblemStatus.RESOLVED, resolution="已完成拆迁", resolved_on=datetime.date(2013, 7, 28),
        )
        m.ProblemAction.objects.create(problem=problem, date=datetime.date(2013, 7, 10), text="现场协调",
                                       status_after=ProblemStatus.IN_PROGRESS, user=office)
        m.Reminder.objects.create(key=f"problem_due|problem:{problem.pk}|2013-07-31|email|unit:{wangchu.pk}",
                                  kind="problem_due", period="2013-07-31", project=starkai, problem=problem,
                                  unit=wangchu, channel="email", address="wangchu@example.org", message="【问题督办】",
                                  status="sent", attempts=1, sent_at=at)
        minutes = m.Attachment(project=starkai, problem=problem, kind="document", original_name="协调会纪要.pdf",
                               content_type="application/pdf", size=17, sha256="0" * 64, caption="协调会纪要",
                               uploaded_by=reporter)
        minutes.file.save("minutes.pdf", ContentFile(b"%PDF-1.7 minutes."), save=False)
        minutes.save()

        review = m.Review.objects.create(year=2013, quarter=2, date=datetime.date(2013, 6, 28), title="二季度观摩",
                                         status=PublicationStatus.PUBLISHED, published_at=at)
        review.projects.add(starkai, phase2)
        review.reviewers.add(chief)
        criterion = m.ReviewCriterion.objects.create(review=review, name="形象进度", weight=Decimal("40.00"))
        m.ReviewScore.objects.create(review=review, project=starkai, reviewer=chief, criterion=criterion,
                                     score=Decimal("92.50"), comment="进度快")
        m.ReviewRanking.objects.create(review=review, project=starkai, category=Category.COMMERCE,
                                       score=Decimal("92.50"), rank=1, is_top=True)

        evaluation = m.Evaluation.objects.create(year=2013, kind=EvaluationKind.HALF_YEAR,
                                                 status=PublicationStatus.PUBLISHED, published_at=at)
        m.EvaluationResult.objects.create(
            evaluation=evaluation, subject=EvaluationSubject.PROJECT, project=starkai,
            completion_score=Decimal("60.00"), milestone_score=Decimal("15.00"), problem_score=Decimal("10.00"),
            review_score=Decimal("13.88"), total=Decimal("98.88"), rank=1, trace={"reports": [report.pk]},
        )
        m.EvaluationResult.objects.create(
            evaluation=evaluation, subject=EvaluationSubject.UNIT, unit=drc, completion_score=Decimal("60.00"),
            milestone_score=Decimal("15.00"), problem_score=Decimal("10.00"), review_score=Decimal("13.88"),
            total=Decimal("98.88"), rank=1, trace={"projects": [starkai.pk]},
        )

        m.ApiToken.objects.create(user=reporter)
        session = SessionStore()
        session["_auth_user_id"] = str(office.pk)
        session.set_expiry(timezone.now() + datetime.timedelta(days=30))
        session.save()
        LogEntry.objects.log_actions(user_id=office.pk, queryset=[starkai], action_flag=ADDITION,
                                     change_message="Added.", single_object=True)
        # Login throttling (django-axes): a failed login, its attempt record and a login log.
        access = {"user_agent": "pytest", "ip_address": "127.0.0.1", "http_accept": "*/*",
                  "path_info": "/admin/login/"}
        attempt = AccessAttempt.objects.create(username="reporter", get_data="", post_data="username=reporter",
                                               failures_since_start=1, **access)
        AccessAttemptExpiration.objects.create(access_attempt=attempt, expires_at=at + datetime.timedelta(hours=1))
        AccessFailureLog.objects.create(username="reporter", locked_out=False, **access)
        AccessLog.objects.create(username="office", session_hash="0" * 64, **access)
