"""Monthly reports (月汇报): save a draft, submit, accept, return.

Only accepted reports count in bulletins. Year-to-date figures may not fall below the previous
report of the same year unless the report is a correction with a reason."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.choices import PublicationStatus, ReportStatus
from projects.exceptions import Conflict, DomainError
from projects.models import Bulletin, MonthlyReport
from projects.permissions import require
from projects.services.roles import unit_of
from projects.services.validation import clean_or_raise


def previous_report(*, project, year, month, exclude_pk=None):
    """The latest report of the same project and year before `month`, else None."""
    qs = MonthlyReport.objects.filter(project=project, year=year, month__lt=month)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("-month").first()


def next_report(*, project, year, month, exclude_pk=None):
    """The earliest report of the same project and year after `month`, else None."""
    qs = MonthlyReport.objects.filter(project=project, year=year, month__gt=month)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("month").first()


def ytd_rule_error(*, completed_ytd, previous_ytd, is_correction, correction_reason, next_ytd=None,
                   next_is_correction=False, next_month=None):
    """The rule on year-to-date figures, shared by report_save and the Excel import: a YTD below
    the previous report's is a correction and needs a reason; and a YTD above a later month's
    would turn that later report into an unexplained decrease, so the later month is corrected
    first. Returns the message, or None."""
    if previous_ytd is not None and completed_ytd < previous_ytd and not (
        is_correction and (correction_reason or "").strip()
    ):
        return _("The year-to-date figure (%(ytd)s) is lower than the previous report's (%(previous)s); "
                 "file it as a correction with a reason.") % {"ytd": completed_ytd, "previous": previous_ytd}
    if next_ytd is not None and completed_ytd > next_ytd and not next_is_correction:
        return _("The year-to-date figure (%(ytd)s) is higher than the report of month %(month)s (%(next)s); "
                 "correct that month first.") % {"ytd": completed_ytd, "month": next_month, "next": next_ytd}
    return None


def report_period_fixed(report):
    """True while the report is submitted and once it has been accepted (FIXED_FIELDS of the role
    table): a correction of an accepted month stays in that month, even as a draft."""
    return report.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED) or report.accepted_at is not None


def report_fixed_fields(report, *, project, year, month):
    """{field: message} for the fields of `report` that a save may not change (FIXED_FIELDS of the
    role table, every role): its project never, its period while submitted and once accepted."""
    fixed = {}
    if getattr(project, "pk", project) != report.project_id:
        fixed["project"] = _("A report never moves to another project: enter a report of that project instead.")
    if report_period_fixed(report):
        message = _("A submitted or accepted report keeps its period (%(year)s-%(month)02d): enter another month "
                    "as a report of its own.") % {"year": report.year, "month": report.month}
        for name, sent in (("year", year), ("month", month)):
            if sent != getattr(report, name):
                fixed[name] = message
    return fixed


@transaction.atomic
def report_save(*, user, project, year, month, completed_ytd, progress_note="", problems_raised="",
                is_correction=False, correction_reason="", report=None):
    """Create a draft report, or edit one. Editing an accepted report turns it into a draft correction."""
    require(user, "reports", "create" if report is None else "update", record=report, data={"project": project})
    if report is None:
        report = MonthlyReport(project=project, year=year, month=month)
    else:
        report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
        fixed = report_fixed_fields(report, project=project, year=year, month=month)
        if "project" in fixed:
            raise DomainError(fixed["project"], field="project", code="fixed")
        if fixed:
            raise DomainError(next(iter(fixed.values())), field=list(fixed), code="fixed")
        if report.status == ReportStatus.SUBMITTED:
            raise Conflict(_("A submitted report must be accepted or returned before it is edited."),
                           code="report_submitted")
        if report.status == ReportStatus.ACCEPTED:
            is_correction = True
        report.year, report.month = year, month
    if is_correction and not (correction_reason or "").strip():
        raise DomainError(_("A correction needs a reason."), field="correction_reason", code="reason_required")

    previous = previous_report(project=project, year=year, month=month, exclude_pk=report.pk)
    later = next_report(project=project, year=year, month=month, exclude_pk=report.pk)
    message = ytd_rule_error(completed_ytd=completed_ytd, previous_ytd=previous and previous.completed_ytd,
                             is_correction=is_correction, correction_reason=correction_reason,
                             next_ytd=later and later.completed_ytd,
                             next_is_correction=bool(later and later.is_correction), next_month=later and later.month)
    if message:
        raise DomainError(message, field="completed_ytd", code="ytd_decreased")

    report.completed_ytd = completed_ytd
    report.progress_note = progress_note
    report.problems_raised = problems_raised
    report.is_correction = is_correction
    report.correction_reason = correction_reason if is_correction else ""
    report.status = ReportStatus.DRAFT
    report.reporting_unit = unit_of(user) or project.lead_unit
    report.reporter_name = user.get_full_name() or user.get_username()
    clean_or_raise(report)
    report.save()
    return report


@transaction.atomic
def report_submit(*, report, user):
    report = MonthlyReport.objects.select_for_update().select_related("project").get(pk=report.pk)
    require(user, "reports", "submit", record=report)
    if report.status != ReportStatus.DRAFT:
        raise Conflict(_("Only a draft report can be submitted."), code="not_draft")
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = user
    report.return_reason = ""
    clean_or_raise(report)
    report.save()
    return report


@transaction.atomic
def report_accept(*, report, user):
    """Accept a submitted report. An accepted correction of a month that a published bulletin
    already covers marks that bulletin superseded; the bulletin itself stays frozen."""
    require(user, "reports", "accept", record=report)
    report = MonthlyReport.objects.select_for_update().select_related("project").get(pk=report.pk)
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict(_("Only a submitted report can be accepted."), code="not_submitted")
    report.status = ReportStatus.ACCEPTED
    report.accepted_at = timezone.now()
    report.accepted_by = user
    clean_or_raise(report)
    report.save()
    if report.is_correction:
        _supersede_bulletins(report)
    return report


def _supersede_bulletins(report):
    now = timezone.now()
    note = _("Correction of %(project)s %(year)s-%(month)02d accepted: %(reason)s") % {
        "project": report.project.name, "year": report.year, "month": report.month,
        "reason": report.correction_reason,
    }
    bulletins = Bulletin.objects.select_for_update().filter(
        year=report.year, month__gte=report.month, status=PublicationStatus.PUBLISHED
    )
    for bulletin in bulletins:
        bulletin.superseded_at = now
        bulletin.superseded_note = f"{bulletin.superseded_note}\n{note}".strip()
        bulletin.save(update_fields=["superseded_at", "superseded_note"])


@transaction.atomic
def report_return(*, report, user, reason):
    """Send a submitted report back to its unit as a draft, with the reason."""
    require(user, "reports", "return", record=report)
    if not (reason or "").strip():
        raise DomainError(_("Say why the report is returned."), field="reason", code="reason_required")
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict(_("Only a submitted report can be returned."), code="not_submitted")
    report.status = ReportStatus.DRAFT
    report.return_reason = reason
    clean_or_raise(report)
    report.save()
    return report
