"""Every API collection through the generic resource test (projects/tests/api_utils.py)."""

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from projects.models import (
    AnnualPlan,
    Bulletin,
    BulletinEntry,
    Decision,
    Evaluation,
    EvaluationResult,
    Leader,
    Meeting,
    MeetingItem,
    Milestone,
    MonthlyReport,
    PlanRevision,
    Problem,
    ProblemAction,
    Programme,
    Project,
    Review,
    ReviewCriterion,
    ReviewRanking,
    ReviewScore,
    Source,
    Unit,
    WeeklyPlan,
    Zone,
)
from projects.tests.api_utils import ResourceTests, api, fast_passwords, users, world  # noqa: F401

DAY = datetime.date(2013, 1, 1)


def day(i):
    return DAY + datetime.timedelta(days=i)


def extra_project(i):
    return Project.objects.create(name=f"附加项目{i}", stage="new")


class TestZones(ResourceTests):
    basename, model = "zone", Zone
    create_data = {"code": "new-zone", "name": "新区", "name_en": "New zone", "kind": "other"}
    update_data = {"name_en": "Renamed zone"}

    def make(self, world, i):
        return Zone.objects.create(code=f"z{i}", name=f"区{i}")

    def filters(self, world):
        return [({"code": "z1"}, 1), ({"q": "区2"}, 1)]


class TestUnits(ResourceTests):
    basename, model = "unit", Unit
    create_data = {"name": "解放区住建局", "kind": "bureau"}
    update_data = {"name_en": "Housing Bureau"}

    def make(self, world, i):
        return Unit.objects.create(name=f"单位{i}", parent=world.unit)

    def filters(self, world):
        return [({"name": "单位1"}, 1), ({"parent_name": world.unit.name}, 3)]


class TestLeaders(ResourceTests):
    basename, model = "leader", Leader
    create_data = {"name": "区政协主席", "body": "cppcc"}
    update_data = {"title": "主席"}

    def make(self, world, i):
        return Leader.objects.create(name=f"领导{i}", body="party", unit=world.unit)

    def filters(self, world):
        return [({"body": "party"}, 3), ({"unit_name": world.unit.name}, 3), ({"name": "领导0"}, 1)]


class TestProgrammes(ResourceTests):
    basename, model = "programme", Programme
    create_data = {"code": "342311", "year": 2013, "label": "342311", "name": "2013年项目推进计划",
                   "total_investment_target": "2540000.00"}
    update_data = {"reported_completion_rate": "103.00"}

    def make(self, world, i):
        return Programme.objects.create(code=f"p{i}", year=2010 + i % 5, label=str(i), name=f"计划{i}")

    def filters(self, world):
        return [({"code": "p1"}, 1), ({"year": 2012}, 1)]


class TestProjects(ResourceTests):
    basename, model = "project", Project
    update_data = {"name_en": "Renamed", "total_investment": "123456.78"}

    def get_create_data(self, world):
        return {"name": "爱乐游智能物联网机器人项目", "name_en": "Aileyou intelligent IoT robotics plant",
                "category": "industry", "stage": "new", "total_investment": "150000.00", "zone": world.zone.pk,
                "lead_unit": world.unit.pk, "cooperating_units": [world.other_unit.pk]}

    def make(self, world, i):
        project = Project.objects.create(name=f"项目{i}", stage="continuing", total_investment=Decimal(100000 + i),
                                         lead_unit=world.unit, zone=world.zone)
        project.cooperating_units.add(world.other_unit)
        project.leaders.add(world.leader)
        return project

    def filters(self, world):
        return [
            ({"stage": "continuing", "total_investment_min": "100001"}, 4),  # 项目1, 项目2, 星凯, 锦江
            ({"q": "项目1"}, 1),
            ({"q": "StarKai"}, 1),
            ({"q": "星凯国际"}, 1),
            ({"unit": world.other_unit.pk}, 4),  # three cooperate, 锦江 leads
            ({"unit_name": world.unit.name}, 4),
            ({"lead_unit": world.other_unit.pk}, 1),
            ({"zone_code": world.zone.code}, 4),
            ({"leader": world.leader.pk}, 3),
            ({"leader_name": world.leader.name}, 3),
            ({"plan_year": 2013}, 1),
            ({"total_investment_max": "100000"}, 1),
            ({"category": "commerce"}, 2),
        ]


class TestAnnualPlans(ResourceTests):
    basename, model = "annualplan", AnnualPlan
    update_data = {"target": "主体封顶"}

    def get_create_data(self, world):
        return {"project": world.project.pk, "year": 2014, "planned_investment": "55000.00"}

    def make(self, world, i):
        return AnnualPlan.objects.create(project=world.other_project, year=2000 + i, planned_investment=Decimal(i))

    def filters(self, world):
        return [({"project": world.other_project.pk}, 3), ({"project_name": world.other_project.name}, 3),
                ({"year": 2001}, 1), ({"year_min": 2001, "year_max": 2013}, 3)]


class TestPlanRevisions(ResourceTests):
    basename, model = "planrevision", PlanRevision
    update_data = {"reason": "年中调整"}

    def get_create_data(self, world):
        return {"plan": world.plan.pk, "effective_month": 7, "planned_investment": "65000.00", "reason": "调整",
                "revised_on": "2013-06-30"}

    def make(self, world, i):
        return PlanRevision.objects.create(plan=world.plan, effective_month=1 + i % 12, planned_investment=Decimal(i),
                                           reason="调整", revised_on=day(i))

    def filters(self, world):
        return [({"project": world.project.pk}, 3), ({"effective_month": 2}, 1), ({"year": 2013}, 3)]


class TestMilestones(ResourceTests):
    basename, model = "milestone", Milestone
    update_data = {"actual_date": "2013-04-01"}

    def get_create_data(self, world):
        return {"project": world.project.pk, "kind": "start", "planned_date": "2013-03-01"}

    def make(self, world, i):
        return Milestone.objects.create(project=world.project, kind="topping_out", planned_date=day(i))

    def filters(self, world):
        return [({"project": world.project.pk}, 3), ({"project_name": world.project.name}, 3),
                ({"planned_date_after": "2013-01-02"}, 2), ({"kind": "start"}, 0), ({"reached": "false"}, 3)]


class TestSources(ResourceTests):
    basename, model = "source", Source
    update_data = {"supports": "total investment"}

    def get_create_data(self, world):
        return {"document": "000.txt", "quote": "星凯国际", "record_type": "project", "record_id": world.project.pk}

    def make(self, world, i):
        return Source.objects.create(document=f"00{i}.txt", quote="星凯国际", record=world.project)

    def filters(self, world):
        return [({"record_type": "project", "record_id": world.project.pk}, 3), ({"document": "001.txt"}, 1)]


class TestReports(ResourceTests):
    basename, model = "report", MonthlyReport
    update_data = {"progress_note": "主体已封顶", "completed_ytd": "62000.00"}

    def get_create_data(self, world):
        return {"project": world.project.pk, "year": 2013, "month": 10, "completed_ytd": "62000.00",
                "progress_note": "主体已封顶"}

    def make(self, world, i):
        return MonthlyReport.objects.create(project=world.project, year=2000 + i, month=1, completed_ytd=Decimal(i))

    def filters(self, world):
        return [({"year": 2001}, 1), ({"project": world.project.pk}, 3), ({"project_name": world.project.name}, 3),
                ({"status": "draft", "year_min": 2001}, 2), ({"project": world.other_project.pk}, 0)]


class TestBulletins(ResourceTests):
    basename, model = "bulletin", Bulletin
    read_only = True
    create_data = {"year": 2014, "month": 1}
    update_data = {"title": "x"}

    def make(self, world, i):
        return Bulletin.objects.create(year=2000 + i, month=1)

    def filters(self, world):
        return [({"year": 2001}, 1), ({"month": 10}, 1)]


class TestBulletinEntries(ResourceTests):
    basename, model = "bulletinentry", BulletinEntry
    read_only = True
    create_data = {}
    update_data = {"light": "red"}

    def make(self, world, i):
        return BulletinEntry.objects.create(
            bulletin=world.bulletin, project=extra_project(i), category="commerce", stage="continuing",
            planned_investment=Decimal(100), baseline_investment=Decimal(100), completed_ytd=Decimal(i),
            completed_month=Decimal(1), time_progress=Decimal("83.33"), light="green" if i else "red",
        )

    def filters(self, world):
        return [({"bulletin": world.bulletin.pk}, 3), ({"light": "red"}, 1), ({"year": 2013, "month": 10}, 3)]


class TestMeetings(ResourceTests):
    basename, model = "meeting", Meeting
    update_data = {"location": "区政府三楼会议室"}

    def get_create_data(self, world):
        return {"kind": "weekly", "date": "2013-05-13", "title": "第十九次周例会", "units": [world.unit.pk],
                "leaders": [world.leader.pk], "chair": world.leader.pk}

    def make(self, world, i):
        meeting = Meeting.objects.create(kind="monthly_report", date=day(i), title=f"月汇报{i}", chair=world.leader)
        meeting.units.add(world.unit)
        return meeting

    def filters(self, world):
        return [({"kind": "monthly_report"}, 3), ({"date_after": "2013-01-02", "date_before": "2013-01-03"}, 2),
                ({"chair_name": world.leader.name}, 3)]


class TestMeetingItems(ResourceTests):
    basename, model = "meetingitem", MeetingItem
    update_data = {"discussion": "加快进度"}

    def get_create_data(self, world):
        return {"meeting": world.meeting.pk, "project": world.project.pk, "discussion": "主体施工"}

    def make(self, world, i):
        return MeetingItem.objects.create(meeting=world.meeting, project=world.project, discussion=f"讨论{i}")

    def filters(self, world):
        return [({"meeting": world.meeting.pk}, 3), ({"project_name": world.project.name}, 3),
                ({"project": world.other_project.pk}, 0)]


class TestDecisions(ResourceTests):
    basename, model = "decision", Decision
    update_data = {"text": "限期解决"}

    def get_create_data(self, world):
        return {"meeting": world.meeting.pk, "text": "协调供电"}

    def make(self, world, i):
        return Decision.objects.create(meeting=world.meeting, text=f"决定{i}")

    def filters(self, world):
        return [({"meeting": world.meeting.pk}, 3), ({"date_after": "2013-05-07"}, 0)]


class TestWeeklyPlans(ResourceTests):
    basename, model = "weeklyplan", WeeklyPlan
    update_data = {"content": "完成土方"}

    def get_create_data(self, world):
        return {"unit": world.unit.pk, "week_start": "2013-05-13", "content": "下周工作安排"}

    def make(self, world, i):
        return WeeklyPlan.objects.create(unit=world.unit, week_start=day(7 * i), content=f"安排{i}")

    def filters(self, world):
        return [({"unit": world.unit.pk}, 3), ({"unit_name": world.unit.name}, 3),
                ({"week_start_after": "2013-01-08"}, 2)]


class TestProblems(ResourceTests):
    basename, model = "problem", Problem
    update_data = {"title": "征地拆迁（续）"}

    def get_create_data(self, world):
        return {"project": world.project.pk, "category": "land_clearance", "title": "征地拆迁",
                "responsible_unit": world.unit.pk, "raised_on": "2013-05-06", "deadline": "2013-06-30"}

    def make(self, world, i):
        return Problem.objects.create(project=world.project, category="utilities", title=f"问题{i}",
                                      responsible_unit=world.unit, raised_on=day(i), deadline=day(i + 30))

    def filters(self, world):
        return [({"category": "utilities"}, 3), ({"project": world.project.pk}, 4),
                ({"deadline_before": "2013-02-01"}, 2), ({"responsible_unit_name": world.unit.name}, 4),
                ({"q": "问题1"}, 1), ({"status": "resolved"}, 0)]


class TestProblemActions(ResourceTests):
    basename, model = "problemaction", ProblemAction
    update_data = {"text": "已协调"}

    def get_create_data(self, world):
        return {"problem": world.problem.pk, "date": "2013-05-10", "text": "现场办公"}

    def make(self, world, i):
        return ProblemAction.objects.create(problem=world.problem, date=day(i), text=f"措施{i}")

    def filters(self, world):
        return [({"problem": world.problem.pk}, 3), ({"project": world.project.pk}, 3),
                ({"project_name": world.other_project.name}, 0)]

    def test_a_leader_comments_on_a_problem(self, api, world):
        response = self.as_user(api, world, "leader").post(self.list_url(), self.get_create_data(world), format="json")
        assert response.status_code == 201, response.content
        assert response.json()["user"] == world.users["leader"].pk


class TestReviews(ResourceTests):
    basename, model = "review", Review
    update_data = {"title": "二季度项目观摩"}

    def get_create_data(self, world):
        return {"year": 2013, "quarter": 2, "date": "2013-06-20", "title": "二季度观摩",
                "projects": [world.project.pk], "reviewers": [world.leader.pk]}

    def make(self, world, i):
        return Review.objects.create(year=2000 + i, quarter=1, date=day(i), title=f"观摩{i}")

    def filters(self, world):
        return [({"year": 2001}, 1), ({"quarter": 1}, 3)]


class TestReviewCriteria(ResourceTests):
    basename, model = "reviewcriterion", ReviewCriterion
    update_data = {"weight": "0.30"}

    def get_create_data(self, world):
        return {"review": world.review.pk, "name": "形象进度", "weight": "0.30"}

    def make(self, world, i):
        return ReviewCriterion.objects.create(review=world.review, name=f"标准{i}", weight=Decimal("0.1"))

    def filters(self, world):
        return [({"review": world.review.pk}, 4), ({"name": "标准1"}, 1)]


class TestReviewScores(ResourceTests):
    basename, model = "reviewscore", ReviewScore
    update_data = {"score": "90.00"}

    def get_create_data(self, world):
        return {"review": world.review.pk, "project": world.project.pk, "reviewer": world.leader.pk,
                "criterion": world.criterion.pk, "score": "88.00"}

    def make(self, world, i):
        criterion = ReviewCriterion.objects.create(review=world.review, name=f"标准{i}", weight=Decimal("0.1"))
        return ReviewScore.objects.create(review=world.review, project=world.project, reviewer=world.leader,
                                          criterion=criterion, score=Decimal(80))

    def filters(self, world):
        return [({"review": world.review.pk}, 3), ({"reviewer_name": world.leader.name}, 3),
                ({"project": world.other_project.pk}, 0)]

    def test_a_leader_scores_as_itself(self, api, world):
        response = self.as_user(api, world, "leader").post(self.list_url(), self.get_create_data(world), format="json")
        assert response.status_code == 201, response.content

    def test_a_leader_cannot_score_as_another_leader(self, api, world):
        other = Leader.objects.create(name="区委书记", body="party")
        world.review.reviewers.add(other)
        data = {**self.get_create_data(world), "reviewer": other.pk}
        response = self.as_user(api, world, "leader").post(self.list_url(), data, format="json")
        assert response.status_code == 403
        assert not ReviewScore.objects.exists()

    def test_a_leader_cannot_score_a_review_it_does_not_sit_on(self, api, world):
        world.review.reviewers.clear()
        response = self.as_user(api, world, "leader").post(self.list_url(), self.get_create_data(world), format="json")
        assert response.status_code == 403

    def test_a_second_score_on_the_same_criterion_is_a_400(self, api, world):
        client = self.as_user(api, world, "office")
        assert client.post(self.list_url(), self.get_create_data(world), format="json").status_code == 201
        response = client.post(self.list_url(), self.get_create_data(world), format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "unique"


class TestReviewRankings(ResourceTests):
    basename, model = "reviewranking", ReviewRanking
    read_only = True
    update_data = {"rank": 1}

    def make(self, world, i):
        return ReviewRanking.objects.create(review=world.review, project=extra_project(i), category="commerce",
                                            score=Decimal(90 - i % 50), rank=i + 1, is_top=i == 0)

    def filters(self, world):
        return [({"review": world.review.pk}, 3), ({"is_top": "true"}, 1)]


class TestEvaluations(ResourceTests):
    basename, model = "evaluation", Evaluation
    create_data = {"year": 2013, "kind": "half_year"}
    update_data = {"weight_reviews": "20.00"}

    def make(self, world, i):
        return Evaluation.objects.create(year=2000 + i, kind="half_year")

    def filters(self, world):
        return [({"year": 2001}, 1), ({"kind": "half_year"}, 3)]


class TestEvaluationResults(ResourceTests):
    basename, model = "evaluationresult", EvaluationResult
    read_only = True
    update_data = {"rank": 1}

    def make(self, world, i):
        return EvaluationResult.objects.create(
            evaluation=world.evaluation, subject="project", project=extra_project(i), completion_score=Decimal(60),
            milestone_score=Decimal(10), problem_score=Decimal(10), review_score=Decimal(10), total=Decimal(90),
            rank=i + 1, trace={"reports": [i]},
        )

    def filters(self, world):
        return [({"evaluation": world.evaluation.pk}, 3), ({"subject": "unit"}, 0)]
