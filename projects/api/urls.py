"""The API's URLs: one router for the collections, a few explicit paths for nested lists, open
data, tokens, health and the schema."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from projects import models as m
from projects.api import attachments, rollover, exports, imports, views
from projects.api.dashboard import DashboardView
from projects.api.me import MeView
from projects.api.todo import MyTodoView

app_name = "api"


class SchemaView(SpectacularAPIView):
    resource = "schema"  # the role table's row (projects/permissions.py)


class SwaggerView(SpectacularSwaggerView):
    resource = "schema"


class RedocView(SpectacularRedocView):
    resource = "schema"


router = DefaultRouter()
router.register("zones", views.ZoneViewSet, basename="zone")
router.register("units", views.UnitViewSet, basename="unit")
router.register("leaders", views.LeaderViewSet, basename="leader")
router.register("programmes", views.ProgrammeViewSet, basename="programme")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("annual-plans", views.AnnualPlanViewSet, basename="annualplan")
router.register("plan-revisions", views.PlanRevisionViewSet, basename="planrevision")
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("sources", views.SourceViewSet, basename="source")
router.register("reports", views.MonthlyReportViewSet, basename="report")
router.register("bulletins", views.BulletinViewSet, basename="bulletin")
router.register("bulletin-entries", views.BulletinEntryViewSet, basename="bulletinentry")
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("meeting-items", views.MeetingItemViewSet, basename="meetingitem")
router.register("decisions", views.DecisionViewSet, basename="decision")
router.register("weekly-plans", views.WeeklyPlanViewSet, basename="weeklyplan")
router.register("problems", views.ProblemViewSet, basename="problem")
router.register("problem-actions", views.ProblemActionViewSet, basename="problemaction")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("review-criteria", views.ReviewCriterionViewSet, basename="reviewcriterion")
router.register("review-scores", views.ReviewScoreViewSet, basename="reviewscore")
router.register("review-rankings", views.ReviewRankingViewSet, basename="reviewranking")
router.register("evaluations", views.EvaluationViewSet, basename="evaluation")
router.register("evaluation-results", views.EvaluationResultViewSet, basename="evaluationresult")
router.register("attachments", attachments.AttachmentViewSet, basename="attachment")

nested = [
    ("projects/<int:project_pk>/annual-plans/", views.AnnualPlanViewSet, m.Project, "project", "project-annual-plans"),
    ("projects/<int:project_pk>/milestones/", views.MilestoneViewSet, m.Project, "project", "project-milestones"),
    ("projects/<int:project_pk>/reports/", views.MonthlyReportViewSet, m.Project, "project", "project-reports"),
    ("projects/<int:project_pk>/problems/", views.ProblemViewSet, m.Project, "project", "project-problems"),
    ("bulletins/<int:bulletin_pk>/entries/", views.BulletinEntryViewSet, m.Bulletin, "bulletin", "bulletin-entries"),
    ("meetings/<int:meeting_pk>/items/", views.MeetingItemViewSet, m.Meeting, "meeting", "meeting-items"),
    ("meetings/<int:meeting_pk>/decisions/", views.DecisionViewSet, m.Meeting, "meeting", "meeting-decisions"),
    ("problems/<int:problem_pk>/actions/", views.ProblemActionViewSet, m.Problem, "problem", "problem-actions"),
    ("reviews/<int:review_pk>/scores/", views.ReviewScoreViewSet, m.Review, "review", "review-scores"),
    ("reviews/<int:review_pk>/rankings/", views.ReviewRankingViewSet, m.Review, "review", "review-rankings"),
    ("evaluations/<int:evaluation_pk>/results/", views.EvaluationResultViewSet, m.Evaluation, "evaluation",
     "evaluation-results"),
]

urlpatterns = [
    path("health/", views.HealthView.as_view(), name="health"),
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path("oc4ids/", views.OC4IDSView.as_view(), name="oc4ids"),
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("years/rollover/", rollover.YearRolloverView.as_view(), name="year-rollover"),
    path("me/todo/", MyTodoView.as_view(), name="me-todo"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", RedocView.as_view(url_name="api:schema", template_name="api/redoc.html"), name="redoc"),
    *[path(route, views.child_list(viewset, parent, field), name=name)
      for route, viewset, parent, field, name in nested],
    # Excel downloads; before the router, whose detail routes would take "xlsx" for an id.
    path("bulletins/<int:pk>/xlsx/", exports.BulletinXlsxView.as_view(), name="bulletin-xlsx"),
    path("problems/xlsx/", exports.ProblemXlsxView.as_view(), name="problem-xlsx"),
    path("reviews/<int:pk>/ranking-xlsx/", exports.ReviewRankingXlsxView.as_view(), name="review-ranking-xlsx"),
    path("evaluations/<int:pk>/xlsx/", exports.EvaluationXlsxView.as_view(), name="evaluation-xlsx"),
    # Excel in and out; before the router, whose detail routes would take "template" for an id.
    path("reports/template/", imports.ReportTemplateView.as_view(), name="report-template"),
    path("reports/import/", imports.ReportImportView.as_view(), name="report-import"),
    path("projects/xlsx/", imports.LibraryExportView.as_view(), name="project-xlsx"),
    path("projects/import/", imports.LibraryImportView.as_view(), name="project-import"),
    path("", include(router.urls)),
]
