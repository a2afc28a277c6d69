"""Reads with logic: querysets of the domain models."""

from decimal import Decimal

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import models
from django.db.models import DecimalField, F, FilteredRelation, Func, OuterRef, Q, Subquery, Value
from django.db.models import ForeignKey
from django.db.models.functions import Coalesce, NullIf
from django.db.models.sql.constants import LOUTER
from django.db.models.sql.datastructures import Join

MONEY_OUTPUT = DecimalField(max_digits=14, decimal_places=2)
RATE_OUTPUT = DecimalField(max_digits=12, decimal_places=4)
# Aliases of the joined plan of the year and report of the month (with_progress).
PLAN = "progress_plan"
REPORT = "progress_report"


class Percent(Func):
    """100 × a ÷ b in SQL. The literal 100.0 keeps SQLite from integer division when both
    money columns hold whole numbers."""

    template = "(100.0 * %(expressions)s)"
    arg_joiner = " / "
    output_field = RATE_OUTPUT


def count_neutral_joins(query):
    """Aliases of the joins of `query` that add no row and remove none: the plan and report joins
    of `with_progress`, and LEFT OUTER joins along a foreign key (to a unique column)."""
    return [
        alias for alias, join in query.alias_map.items()
        if alias in (PLAN, REPORT) or (isinstance(join, Join) and join.join_type == LOUTER
                                       and join.filtered_relation is None and isinstance(join.join_field, ForeignKey))
    ]


def joins_to_drop(query, aliases):
    """`aliases` less those a join kept in the query hangs from."""
    aliases = list(aliases)
    while True:
        parents = {join.parent_alias for alias, join in query.alias_map.items()
                   if alias not in aliases and query.alias_refcount.get(alias) and isinstance(join, Join)}
        kept = [alias for alias in aliases if alias not in parents]
        if kept == aliases:
            return aliases
        aliases = kept


class ProjectQuerySet(models.QuerySet):
    def active(self):
        """Projects that are not archived: what default lists show."""
        return self.filter(is_archived=False)

    def for_unit(self, unit):
        """Projects where `unit` is the lead unit or a cooperating unit."""
        return self.filter(Q(lead_unit=unit) | Q(cooperating_units=unit)).distinct()

    def count(self):
        """COUNT(*) without the joins that cannot change it, when nothing filters on them: the joins
        of `with_progress` (each joins at most one row: a plan per project and year, a report chosen
        by id; the report join evaluates its subquery for every project) and LEFT OUTER joins along
        a foreign key (at most one row), such as the zone and unit names the list selects (the
        list's pagination counts the whole filtered collection: 7 of 7.3 ms at 10,000 projects on
        SQLite were those two joins)."""
        if self._result_cache is not None:
            return len(self._result_cache)
        query = self.query
        joined = [alias for alias in count_neutral_joins(query) if query.alias_refcount.get(alias)]
        if not joined or query.distinct or query.combinator or query.is_sliced or query.group_by is not None:
            return super().count()
        try:
            where_sql, _params = query.get_compiler(self.db).compile(query.where)
        except (EmptyResultSet, FullResultSet):  # no condition at all, or one that is always false
            where_sql = ""
        joined = joins_to_drop(query, [alias for alias in joined if alias not in where_sql])
        if not joined:
            return super().count()
        query = query.chain()
        query.set_annotation_mask(())
        for alias in joined:
            query.alias_refcount[alias] = 0
        return query.get_count(using=self.db)

    def page_ids(self):
        """`values_list("pk", flat=True)` in this queryset's order, for paging: without the joins
        that cannot change which rows come or their order (as count() leaves them out) unless a
        filter or the ordering names them. The list pages these ids, then computes its per-row
        figures (the progress and many-to-many subqueries) for the page's rows only: with LIMIT and
        OFFSET on the full query, PostgreSQL evaluates them for every row skipped by the offset too,
        so a deep page cost as many rows as its offset."""
        ids = self.values_list("pk", flat=True)
        query = ids.query
        joined = [alias for alias in count_neutral_joins(query) if query.alias_refcount.get(alias)]
        if not joined or query.distinct or query.combinator or query.is_sliced or query.group_by is not None:
            return ids
        ordering = [str(term).lstrip("-") for term in (query.order_by or self.model._meta.ordering)]
        if any(term in query.annotations or not term.replace("_", "").isalnum() for term in ordering):
            return ids  # ordered by a figure of with_progress (or an expression): keep every join
        try:
            where_sql, _params = query.get_compiler(self.db).compile(query.where)
        except (EmptyResultSet, FullResultSet):
            where_sql = ""
        joined = joins_to_drop(query, [alias for alias in joined if alias not in where_sql])
        if joined:
            query.set_annotation_mask(())
            for alias in joined:
                query.alias_refcount[alias] = 0
        return ids

    def with_progress(self, year, month):
        """Annotates each project with its standing at the end of `month` of `year`, in one query:

        - `plan_baseline`: the annual plan as first set (万元), NULL without a plan that year;
        - `plan_in_force`: the latest plan revision effective by `month`, else the baseline;
        - `completed_ytd`: the accepted report of `month`, else the latest accepted one before it
          (carried forward), else 0;
        - `report_month`: the month of the report used, NULL if none;
        - `completion_rate`: completed_ytd ÷ plan_in_force × 100 (%), NULL when the plan is 0 or missing.
        """
        from projects.choices import ReportStatus
        from projects.models import MonthlyReport, PlanRevision

        # Each figure is computed once a row: the plan of the year and the report used are joined
        # (at most one row each: unique per project and year, and a report chosen by its id), so
        # the baseline, the YTD and the month are columns; only the revision in force is a
        # subquery, looked up by the plan's id.
        revisions = PlanRevision.objects.filter(
            plan=OuterRef(f"{PLAN}__pk"), effective_month__lte=month
        ).order_by("-effective_month", "-id")
        report = MonthlyReport.objects.filter(
            project=OuterRef("pk"), year=year, month__lte=month, status=ReportStatus.ACCEPTED
        ).order_by("-month")
        qs = self.alias(
            **{
                PLAN: FilteredRelation("annual_plans", condition=Q(annual_plans__year=year)),
                REPORT: FilteredRelation("reports", condition=Q(reports__year=year, reports__pk=Subquery(report.values("pk")[:1]))),
            }
        ).annotate(
            plan_baseline=F(f"{PLAN}__planned_investment"),
            plan_in_force=Coalesce(
                Subquery(revisions.values("planned_investment")[:1], output_field=MONEY_OUTPUT),
                F(f"{PLAN}__planned_investment"),
                output_field=MONEY_OUTPUT,
            ),
            completed_ytd=Coalesce(
                F(f"{REPORT}__completed_ytd"),
                Value(Decimal("0"), output_field=MONEY_OUTPUT),
                output_field=MONEY_OUTPUT,
            ),
            report_month=F(f"{REPORT}__month"),
        )
        # Plans are never negative (check constraints), so NULLIF(plan, 0) is "plan > 0" and the
        # revision subquery runs once more, not twice.
        return qs.annotate(
            completion_rate=Percent(F("completed_ytd"), NullIf(F("plan_in_force"), Value(0), output_field=MONEY_OUTPUT))
        )

    def with_month_figures(self, year, month):
        """`with_progress` plus `completed_before` (the accepted YTD carried to the end of the
        previous month, 0 in January) and `completed_month` (当月完成 = completed_ytd − completed_before),
        still in one query."""
        from projects.choices import ReportStatus
        from projects.models import MonthlyReport

        earlier = MonthlyReport.objects.filter(
            project=OuterRef("pk"), year=year, month__lt=month, status=ReportStatus.ACCEPTED
        ).order_by("-month")
        return self.with_progress(year, month).annotate(
            completed_before=Coalesce(
                Subquery(earlier.values("completed_ytd")[:1], output_field=MONEY_OUTPUT),
                Value(Decimal("0"), output_field=MONEY_OUTPUT),
                output_field=MONEY_OUTPUT,
            ),
            completed_month=models.ExpressionWrapper(
                F("completed_ytd") - F("completed_before"), output_field=MONEY_OUTPUT
            ),
        )



def with_light(queryset, year, month):
    """`with_progress(year, month)` plus `gap_points` and `light` ("green" / "yellow" / "red"), the
    monthly bulletin's rule in SQL (services.bulletins._LightRule): red when more than
    TRACKER_LIGHT_RED_POINTS behind time progress or with a milestone or problem overdue at the end
    of the month; yellow when TRACKER_LIGHT_YELLOW_POINTS or more behind, or without an accepted
    report for the month; else green. NULL without a plan that year. Still one query."""
    import calendar
    import datetime

    from django.conf import settings
    from django.db.models import Case, CharField, Exists, When

    from projects.models import Milestone, Problem

    end = datetime.date(year, month, calendar.monthrange(year, month)[1])
    progress = (Decimal(month) * 100 / 12).quantize(Decimal("0.01"))
    overdue_milestone = Milestone.objects.filter(project=OuterRef("pk"), planned_date__lte=end).filter(
        Q(actual_date__isnull=True) | Q(actual_date__gt=end))
    overdue_problem = Problem.objects.filter(project=OuterRef("pk"), deadline__lt=end).filter(
        Q(resolved_on__isnull=True) | Q(resolved_on__gt=end))
    gap = F("completion_rate") - Value(progress, output_field=RATE_OUTPUT)
    return queryset.with_progress(year, month).annotate(gap_points=gap).annotate(light=Case(
        When(plan_in_force__isnull=True, then=Value(None)),
        When(Q(gap_points__lt=-settings.TRACKER_LIGHT_RED_POINTS) | Exists(overdue_milestone) | Exists(overdue_problem),
             then=Value("red")),
        When(Q(gap_points__lte=-settings.TRACKER_LIGHT_YELLOW_POINTS) | ~Q(report_month=month)
             | Q(report_month__isnull=True), then=Value("yellow")),
        default=Value("green"), output_field=CharField(),
    ))
