"""Viewsets of the API: declarative, one per resource, registered on one router (api/urls.py).

Actions of the mechanism
------------------------
A state change beyond plain CRUD is a service function `<entity>_<action>(*, <entity>, user, **input)`
(projects/services/*.py) exposed as `POST /api/<collection>/{id}/<action>/`. Wire one in three lines:

    @extend_schema(request=ReturnSerializer, responses=MonthlyReportSerializer)
    @action(detail=True, methods=["post"])
    def return_(self, request, pk=None):           # url_path="return"
        return service_action(self, request, reports.report_return, ReturnSerializer)

`service_action` fetches the object (with the viewset's object permissions), validates the request
body with the given serializer, calls the service inside a transaction with the validated fields
as keyword arguments, and answers with the refreshed object. Domain errors (DomainError 400 with
its field, NotAllowed 403, Conflict 409) become the one error shape in api/exceptions.py.
Who may run an action (and every other operation) is the role table, projects/permissions.py:
add the action's row there (a test fails for an operation of the schema without one); the service
consults the same table.
"""


from django.db import connection, transaction
from django.db.models import Max, Prefetch, ProtectedError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers as drf_serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404 as drf_get_object_or_404
from rest_framework.exceptions import AuthenticationFailed, NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from projects import filtersets
from projects import models as m
from projects.api.schema import OptionalParameter
from projects.api import serializers as s
from projects.api.audit import ArchiveActionsMixin, AuditMixin, WriteRulesMixin, check_preconditions
from projects.api.exceptions import ConflictError, ErrorSerializer, protected_message
from projects.api import project_list
from projects.api.pagination import ProjectPagination, ReportCursorPagination
from projects.choices import ReportStatus, Role
from projects.oc4ids import project_package
from projects.permissions import check_target
from projects.services import archive as archive_services
from projects.services import bulletins as bulletin_services
from projects.services import evaluations as evaluation_services
from projects.services import library as library_services
from projects.services import problems as problem_services
from projects.services import reports as report_services
from projects.services import reviews as review_services
from projects.security import LockedOut


def service_action(view, request, service, serializer_class=None):
    """Runs `service(<entity>=obj, user=request.user, **validated)` on the view's object and
    answers with the refreshed object; see the module docstring."""
    obj = view.get_object()
    data = {}
    if serializer_class is not None:
        serializer = serializer_class(data=request.data, context=view.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
    entity = service.__name__.split("_", 1)[0]
    with transaction.atomic():
        # Like PUT/PATCH: If-Match (412) or `version` in the body (409) naming an older version; any
        # If-Match but * on a record without a version (412).
        check_preconditions(request, type(obj), obj)
        service(**{entity: obj}, user=request.user, **data)
    return Response(view.get_serializer(view.get_object()).data)


class LookupMixin:
    """Objects are looked up in the view's queryset, unfiltered: query filters narrow lists only.
    An id that is not a number (/api/reports/abc/) is a missing object (404), like DRF's own lookup."""

    def get_object(self):
        obj = drf_get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, obj)
        return obj


class TrackerViewSet(LookupMixin, WriteRulesMixin, AuditMixin, viewsets.ModelViewSet):
    """CRUD with the role table (projects/permissions.py) and the model's rules.

    resource         the row of the role table (the collection's URL segment)
    recorded_by      the field that records the user who created the object
    """

    resource = None
    recorded_by = None

    def perform_create(self, serializer):
        check_target(self.request, self, serializer.validated_data)
        extra = {self.recorded_by: self.request.user} if self.recorded_by else {}
        with transaction.atomic():
            serializer.save(**extra)

    def perform_update(self, serializer):
        check_target(self.request, self, serializer.validated_data, instance=serializer.instance)
        with transaction.atomic():
            serializer.save()

    def perform_destroy(self, instance):
        try:
            with transaction.atomic():
                instance.delete()
        except ProtectedError:
            raise ConflictError(protected_message(instance), code="protected") from None


class TrackerReadOnlyViewSet(LookupMixin, AuditMixin, viewsets.ReadOnlyModelViewSet):
    """Records frozen by a service (published bulletins, rankings, results): read only."""


# --- the project library -----------------------------------------------------------------------


class ZoneViewSet(TrackerViewSet):
    resource = "zones"
    queryset = m.Zone.objects.all()
    serializer_class = s.ZoneSerializer
    filterset_class = filtersets.ZoneFilterSet


class UnitViewSet(ArchiveActionsMixin, TrackerViewSet):
    resource = "units"
    archive_services = (archive_services.unit_archive, archive_services.unit_unarchive)
    queryset = m.Unit.objects.all()
    serializer_class = s.UnitSerializer
    filterset_class = filtersets.UnitFilterSet


class LeaderViewSet(ArchiveActionsMixin, TrackerViewSet):
    resource = "leaders"
    archive_services = (archive_services.leader_archive, archive_services.leader_unarchive)
    queryset = m.Leader.objects.all()
    serializer_class = s.LeaderSerializer
    filterset_class = filtersets.LeaderFilterSet


class ProgrammeViewSet(TrackerViewSet):
    resource = "programmes"
    queryset = m.Programme.objects.all()
    serializer_class = s.ProgrammeSerializer
    filterset_class = filtersets.ProgrammeFilterSet


class ProgressQuerySerializer(drf_serializers.Serializer):
    progress_year = drf_serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    progress_month = drf_serializers.IntegerField(min_value=1, max_value=12, required=False)


PROGRESS_PARAMETERS = [
    OptionalParameter("progress_year", {"type": "integer", "minimum": 2000, "maximum": 2100},
                      description=_("Year of the progress figures (default: this year).")),
    OptionalParameter("progress_month", {"type": "integer", "minimum": 1, "maximum": 12}, description=_(
        "Month of the progress figures (default: the latest month of this year with accepted reports, else 12).")),
]


def progress_period(request):
    """(year, month) of the progress figures asked for in the query string, with the defaults."""
    query = ProgressQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    year = query.validated_data.get("progress_year") or timezone.localdate().year
    month = query.validated_data.get("progress_month")
    if month is None:
        latest = m.MonthlyReport.objects.filter(year=year, status=ReportStatus.ACCEPTED).aggregate(Max("month"))
        month = latest["month__max"] or 12
    return year, month


PROJECT_QUERYSET = m.Project.objects.select_related("zone", "lead_unit").prefetch_related(
    "leaders", "cooperating_units", "programmes"
)


@extend_schema_view(list=extend_schema(parameters=PROGRESS_PARAMETERS),
                    retrieve=extend_schema(parameters=PROGRESS_PARAMETERS))
class ProjectViewSet(TrackerViewSet):
    """Projects of the library. Archived projects are hidden from the list unless
    `include_archived=true`; a project others depend on is archived, never deleted."""

    resource = "projects"
    queryset = PROJECT_QUERYSET
    serializer_class = s.ProjectSerializer
    filterset_class = filtersets.ProjectFilterSet
    pagination_class = ProjectPagination
    extra_query_params = ("progress_year", "progress_month")

    def get_queryset(self):
        year, month = self.progress
        queryset = super().get_queryset().with_progress(year, month)
        if self.action != "list":
            queryset = queryset.prefetch_related(
                Prefetch("annual_plans", m.AnnualPlan.objects.select_related("project")),
                Prefetch("milestones", m.Milestone.objects.select_related("project")),
                Prefetch("sources", m.Source.objects.select_related("content_type")),
            )
        return queryset

    @property
    def progress(self):
        if not hasattr(self, "_progress"):
            self._progress = progress_period(self.request) if self.request else (timezone.localdate().year, 12)
        return self._progress

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "progress": self.progress}

    def get_serializer_class(self):
        return s.ProjectListSerializer if self.action == "list" else s.ProjectSerializer

    def list(self, request, *args, **kwargs):
        # Rows as dictionaries, shaped by ProjectListSerializer's fields (bench B1: no model instances).
        serializer = self.get_serializer()
        queryset = self.filter_queryset(self.get_queryset())
        # The page's ids first, then the figures of those rows only (a deep page costs a page).
        ids = self.paginate_queryset(queryset.page_ids())
        page = project_list.page_values(queryset, ids, serializer)
        return self.get_paginated_response(project_list.rows(page, serializer))

    @extend_schema(request=s.ArchiveSerializer, responses=s.ProjectSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Archive the project: it leaves the default lists and keeps all its records."""
        return service_action(self, request, library_services.project_archive, s.ArchiveSerializer)

    @extend_schema(request=s.ArchiveSerializer, responses=s.ProjectSerializer)
    @action(detail=True, methods=["post"])
    def unarchive(self, request, pk=None):
        """Bring an archived project back into the default lists."""
        return service_action(self, request, library_services.project_unarchive, s.ArchiveSerializer)


class AnnualPlanViewSet(TrackerViewSet):
    resource = "annual-plans"
    queryset = m.AnnualPlan.objects.select_related("project")
    serializer_class = s.AnnualPlanSerializer
    filterset_class = filtersets.AnnualPlanFilterSet


class PlanRevisionViewSet(TrackerViewSet):
    resource = "plan-revisions"
    queryset = m.PlanRevision.objects.select_related("plan")
    serializer_class = s.PlanRevisionSerializer
    filterset_class = filtersets.PlanRevisionFilterSet
    recorded_by = "revised_by"


class MilestoneViewSet(TrackerViewSet):
    resource = "milestones"
    queryset = m.Milestone.objects.select_related("project")
    serializer_class = s.MilestoneSerializer
    filterset_class = filtersets.MilestoneFilterSet


class SourceViewSet(TrackerViewSet):
    resource = "sources"
    queryset = m.Source.objects.select_related("content_type")
    serializer_class = s.SourceSerializer
    filterset_class = filtersets.SourceFilterSet


# --- the tracking mechanism -------------------------------------------------------------------


class MonthlyReportViewSet(TrackerViewSet):
    """Monthly reports, the newest entered first, paged with a cursor (filter by year and month)."""

    resource = "reports"
    queryset = m.MonthlyReport.objects.select_related("project")
    serializer_class = s.MonthlyReportSerializer
    filterset_class = filtersets.MonthlyReportFilterSet
    pagination_class = ReportCursorPagination
    SAVED_FIELDS = ("project", "year", "month", "completed_ytd", "progress_note", "problems_raised",
                    "is_correction", "correction_reason")

    # Writes go through report_save, which holds the rules the admin follows too: the unit check,
    # a year-to-date figure below the previous month's only as a correction with a reason, and an
    # accepted report edited becomes a draft correction.
    def perform_create(self, serializer):
        check_target(self.request, self, serializer.validated_data)
        data = {f: serializer.validated_data[f] for f in self.SAVED_FIELDS if f in serializer.validated_data}
        with transaction.atomic():
            serializer.instance = report_services.report_save(user=self.request.user, **data)

    def perform_update(self, serializer):
        report = serializer.instance
        check_target(self.request, self, serializer.validated_data, instance=report)
        data = {f: serializer.validated_data.get(f, getattr(report, f)) for f in self.SAVED_FIELDS}
        with transaction.atomic():
            serializer.instance = report_services.report_save(user=self.request.user, report=report, **data)

    @extend_schema(request=s.NoInputSerializer, responses=s.MonthlyReportSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a draft report to the project office (a reporter of the project's unit, or office)."""
        return service_action(self, request, report_services.report_submit, s.NoInputSerializer)

    @extend_schema(request=s.NoInputSerializer, responses=s.MonthlyReportSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept a submitted report (office); only accepted reports count in bulletins."""
        return service_action(self, request, report_services.report_accept, s.NoInputSerializer)

    @extend_schema(request=s.ReturnSerializer, responses=s.MonthlyReportSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """Return a submitted report to its unit as a draft, with the reason (office)."""
        return service_action(self, request, report_services.report_return, s.ReturnSerializer)


class BulletinViewSet(TrackerReadOnlyViewSet):
    """Monthly bulletins; compiled and published by the office through the mechanism's actions."""

    resource = "bulletins"
    queryset = m.Bulletin.objects.all()
    serializer_class = s.BulletinSerializer
    filterset_class = filtersets.BulletinFilterSet

    @extend_schema(request=s.NoInputSerializer, responses=s.BulletinSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish (freeze) the bulletin (office). Later corrections do not change it."""
        return service_action(self, request, bulletin_services.bulletin_publish, s.NoInputSerializer)


class BulletinEntryViewSet(TrackerReadOnlyViewSet):
    resource = "bulletin-entries"
    queryset = m.BulletinEntry.objects.select_related("project")
    serializer_class = s.BulletinEntrySerializer
    filterset_class = filtersets.BulletinEntryFilterSet


class MeetingViewSet(TrackerViewSet):
    resource = "meetings"
    queryset = m.Meeting.objects.prefetch_related("units", "leaders")
    serializer_class = s.MeetingSerializer
    filterset_class = filtersets.MeetingFilterSet

    def get_queryset(self):
        # The project filter joins through the items; a meeting is listed once.
        return super().get_queryset().distinct()


class MeetingItemViewSet(TrackerViewSet):
    resource = "meeting-items"
    queryset = m.MeetingItem.objects.select_related("project")
    serializer_class = s.MeetingItemSerializer
    filterset_class = filtersets.MeetingItemFilterSet


class DecisionViewSet(TrackerViewSet):
    resource = "decisions"
    queryset = m.Decision.objects.all()
    serializer_class = s.DecisionSerializer
    filterset_class = filtersets.DecisionFilterSet


class WeeklyPlanViewSet(TrackerViewSet):
    resource = "weekly-plans"
    queryset = m.WeeklyPlan.objects.select_related("unit")
    serializer_class = s.WeeklyPlanSerializer
    filterset_class = filtersets.WeeklyPlanFilterSet
    recorded_by = "filed_by"


class ProblemViewSet(TrackerViewSet):
    resource = "problems"
    queryset = m.Problem.objects.select_related("project")
    serializer_class = s.ProblemSerializer
    filterset_class = filtersets.ProblemFilterSet

    @extend_schema(request=s.ProblemCloseSerializer, responses=s.ProblemSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the problem with its resolution and date (the responsible unit or office)."""
        return service_action(self, request, problem_services.problem_close, s.ProblemCloseSerializer)

    @extend_schema(request=s.ProblemEscalateSerializer, responses=s.ProblemSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        """Lift the problem to the leadership, saying why."""
        return service_action(self, request, problem_services.problem_escalate, s.ProblemEscalateSerializer)


class ProblemActionViewSet(TrackerViewSet):
    """问题的办理记录（问题台账）：新记录的 status_after（待办 open / 办理中 in_progress）会改变问题的状态；提级和销号是问题本身的
    escalate、close 操作。 / The steps taken on a problem (its ledger). A new step's status_after (open or
    in progress) moves the problem to that status; escalating and closing are the problem's own escalate
    and close actions."""

    resource = "problem-actions"
    queryset = m.ProblemAction.objects.all()
    serializer_class = s.ProblemActionSerializer
    filterset_class = filtersets.ProblemActionFilterSet
    recorded_by = "user"

    def perform_create(self, serializer):
        check_target(self.request, self, serializer.validated_data)
        data = serializer.validated_data
        with transaction.atomic():
            serializer.instance = problem_services.problem_act(
                problem=data["problem"], user=self.request.user, text=data["text"],
                status_after=data.get("status_after") or None, date=data.get("date"))


class ReviewViewSet(TrackerViewSet):
    resource = "reviews"
    queryset = m.Review.objects.prefetch_related("projects", "reviewers")
    serializer_class = s.ReviewSerializer
    filterset_class = filtersets.ReviewFilterSet

    @extend_schema(request=s.NoInputSerializer, responses=s.ReviewSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish (freeze) the review's ranking (office): 激励先进，鞭策后进."""
        return service_action(self, request, review_services.review_publish, s.NoInputSerializer)


class ReviewCriterionViewSet(TrackerViewSet):
    resource = "review-criteria"
    queryset = m.ReviewCriterion.objects.all()
    serializer_class = s.ReviewCriterionSerializer
    filterset_class = filtersets.ReviewCriterionFilterSet


class ReviewScoreViewSet(TrackerViewSet):
    """Scores of a review. A leader scores as itself, on reviews it is a reviewer of."""

    resource = "review-scores"
    queryset = m.ReviewScore.objects.all()
    serializer_class = s.ReviewScoreSerializer
    filterset_class = filtersets.ReviewScoreFilterSet


class ReviewRankingViewSet(TrackerReadOnlyViewSet):
    resource = "review-rankings"
    queryset = m.ReviewRanking.objects.select_related("project")
    serializer_class = s.ReviewRankingSerializer
    filterset_class = filtersets.ReviewRankingFilterSet


class EvaluationViewSet(TrackerViewSet):
    resource = "evaluations"
    queryset = m.Evaluation.objects.all()
    serializer_class = s.EvaluationSerializer
    filterset_class = filtersets.EvaluationFilterSet

    @extend_schema(request=s.NoInputSerializer, responses=s.EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish (freeze) the evaluation's scores and ranking (office)."""
        return service_action(self, request, evaluation_services.evaluation_publish, s.NoInputSerializer)


class EvaluationResultViewSet(TrackerReadOnlyViewSet):
    resource = "evaluation-results"
    queryset = m.EvaluationResult.objects.all()
    serializer_class = s.EvaluationResultSerializer
    filterset_class = filtersets.EvaluationResultFilterSet


# --- lists nested under their parent -------------------------------------------------------------


class ChildList(generics.ListAPIView):
    """A parent's children, e.g. /api/projects/{project_pk}/milestones/: the flat collection
    narrowed to one parent (404 when the parent does not exist)."""

    parent_model = None
    parent_field = None

    def get_queryset(self):
        key = next(iter(self.kwargs))
        get_object_or_404(self.parent_model, pk=self.kwargs[key])
        return super().get_queryset().filter(**{self.parent_field: self.kwargs[key]})


def child_list(viewset, parent_model, parent_field):
    """A ChildList view with the viewset's queryset, serializer and filters."""
    return type(
        f"{parent_model.__name__}{viewset.__name__.removesuffix('ViewSet')}List",
        (ChildList,),
        {
            "queryset": viewset.queryset,
            "serializer_class": viewset.serializer_class,
            "filterset_class": viewset.filterset_class,
            "pagination_class": getattr(viewset, "pagination_class", ChildList.pagination_class),
            "parent_model": parent_model,
            "parent_field": parent_field,
            "resource": viewset.resource,
            "__doc__": viewset.__doc__ or viewset.serializer_class.Meta.model.__doc__,
        },
    ).as_view()


# --- open data, accounts, health ---------------------------------------------------------------


@extend_schema(responses={200: OpenApiTypes.OBJECT})
class OC4IDSView(generics.ListAPIView):
    resource = "oc4ids"

    """The filtered projects as an OC4IDS 0.9.5 project package (Open Contracting for Infrastructure
    Data Standard); takes the same filters as /api/projects/. Amounts are in yuan (CNY). A package
    holds at least one project, so filters that match none answer 404."""

    queryset = PROJECT_QUERYSET
    filterset_class = filtersets.ProjectFilterSet
    pagination_class = None
    filters_in_schema = True

    def list(self, request, *args, **kwargs):
        projects = self.filter_queryset(self.get_queryset())
        if not projects.exists():
            raise NotFound(_("No project matches the filters."))
        return Response(project_package(projects, request=request))


class TokenView(APIView):
    """Tokens for machines: POST username and password for a new token, which expires after
    TRACKER_API_TOKEN_DAYS days; DELETE revokes the token the request is sent with (with a
    session: all of the account's tokens). The database keeps only a hash of each token."""

    resource = "auth-token"
    # OPTIONS describes the endpoint to whoever may POST to it (anyone); nobody "reads" tokens.
    operations = {"POST": "create", "DELETE": "delete", "OPTIONS": "create"}

    @extend_schema(request=s.TokenRequestSerializer, responses={
        200: s.TokenSerializer,
        401: OpenApiResponse(ErrorSerializer, description="用户名或密码错误。 / Wrong username or password."),
        429: OpenApiResponse(ErrorSerializer, description="登录失败次数过多，已暂时锁定（TRACKER_LOGIN_FAILURE_LIMIT）："
                                                          "见 Retry-After。 / Locked out after too many failed logins "
                                                          "(TRACKER_LOGIN_FAILURE_LIMIT); see Retry-After."),
    })
    def post(self, request):
        from django.contrib.auth import authenticate
        from django.contrib.auth.signals import user_logged_in

        from projects.models.tokens import issue_token

        data = s.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request, so that django-axes counts the failure by username and address.
        user = authenticate(request._request, **data.validated_data)
        if getattr(request._request, "axes_locked_out", False):
            # Answered here in the API's error shape rather than by axes' middleware.
            request._request.axes_locked_out = False
            raise LockedOut()
        if user is None:
            raise AuthenticationFailed(_("Unable to log in with the given username and password."))
        # A login like the admin's: last_login is recorded and axes clears the failure count.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token, text = issue_token(user)
        return Response(s.TokenSerializer({"token": text, "expiry": token.expiry}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        """Revoke the token this request is sent with: later requests with it are answered 401. With
        a session (the browsable API), every token of the account is revoked."""
        from projects.models.tokens import ApiToken, revoke_tokens

        tokens = ApiToken.objects.filter(user=request.user)
        if request.auth is not None and getattr(request.auth, "digest", None):
            tokens = tokens.filter(digest=request.auth.digest)
        revoke_tokens(tokens)
        return Response(status=status.HTTP_204_NO_CONTENT)


class HealthView(APIView):
    """Liveness and readiness for load balancers and monitoring: the database answers a read and
    accepts a write (an UPDATE of one row of django_migrations, rolled back), so that a read-only
    database, a full disk or a lost connection answer 503 naming what failed."""

    resource = "health"
    authentication_classes = []

    @extend_schema(responses={200: s.HealthSerializer, 503: s.HealthSerializer})
    def get(self, request):
        checks = {"database": "ok", "database_write": "ok"}
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception as exc:  # noqa: BLE001 - any database failure means "not healthy"
            checks = {"database": "error", "database_write": "error", "error": _health_error(exc)}
        else:
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("UPDATE django_migrations SET app = app "
                                       "WHERE id = (SELECT MIN(id) FROM django_migrations)")
                    transaction.set_rollback(True)
            except Exception as exc:  # noqa: BLE001 - read-only database, disk full, lock timeout
                checks = {"database": "ok", "database_write": "error", "error": _health_error(exc)}
        if "error" in checks:
            from projects.api.exceptions import RETRY_AFTER_SECONDS, log_outage

            log_outage(request, Exception(checks["error"]))
            response = Response({"status": "error", **checks}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return Response({"status": "ok", **checks})


def _health_error(exc):
    """What failed, in a line: the driver's message names read-only, disk full, refused connections."""
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"[:300]
