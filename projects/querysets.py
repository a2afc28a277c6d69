"""Reads with logic: querysets of the domain models."""

from decimal import Decimal

from django.db import models
from django.db.models import Case, DecimalField, F, Func, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

MONEY_OUTPUT = DecimalField(max_digits=14, decimal_places=2)
RATE_OUTPUT = DecimalField(max_digits=12, decimal_places=4)


class Percent(Func):
    """100 × a ÷ b in SQL. The literal 100.0 keeps SQLite from integer division when both
    money columns hold whole numbers."""

    template = "(100.0 * %(expressions)s)"
    arg_joiner = " / "
    output_field = RATE_OUTPUT


class ProjectQuerySet(models.QuerySet):
    def active(self):
        """Projects that are not archived: what default lists show."""
        return self.filter(is_archived=False)

    def for_unit(self, unit):
        """Projects where `unit` is the lead unit or a cooperating unit."""
        return self.filter(Q(lead_unit=unit) | Q(cooperating_units=unit)).distinct()

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
        from projects.models import AnnualPlan, MonthlyReport, PlanRevision

        plans = AnnualPlan.objects.filter(project=OuterRef("pk"), year=year)
        revisions = PlanRevision.objects.filter(
            plan__project=OuterRef("pk"), plan__year=year, effective_month__lte=month
        ).order_by("-effective_month", "-id")
        reports = MonthlyReport.objects.filter(
            project=OuterRef("pk"), year=year, month__lte=month, status=ReportStatus.ACCEPTED
        ).order_by("-month")
        qs = self.annotate(
            plan_baseline=Subquery(plans.values("planned_investment")[:1], output_field=MONEY_OUTPUT),
            plan_in_force=Coalesce(
                Subquery(revisions.values("planned_investment")[:1], output_field=MONEY_OUTPUT),
                F("plan_baseline"),
                output_field=MONEY_OUTPUT,
            ),
            completed_ytd=Coalesce(
                Subquery(reports.values("completed_ytd")[:1], output_field=MONEY_OUTPUT),
                Value(Decimal("0"), output_field=MONEY_OUTPUT),
                output_field=MONEY_OUTPUT,
            ),
            report_month=Subquery(reports.values("month")[:1]),
        )
        return qs.annotate(
            completion_rate=Case(
                When(
                    plan_in_force__gt=0,
                    then=Percent(F("completed_ytd"), F("plan_in_force")),
                ),
                default=None,
                output_field=RATE_OUTPUT,
            )
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

