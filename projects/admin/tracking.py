"""Admin screens of the tracking mechanism. Every state change goes through projects.services;
a refused change shows as a form error or an error message. No changelist runs a query per row."""

from dataclasses import replace

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.admin.exports import (
    BulletinExportsMixin,
    EvaluationExportsMixin,
    ProblemExportsMixin,
    ReviewExportsMixin,
)
from projects.admin.attachments import ProblemAttachmentInline, ReportAttachmentInline
from projects.admin.imports import ReportImportAdminMixin
from projects.admin.common import ROW_TEXTAREA, InlineRoleMixin, TableAdminMixin, in_page_language, state_badge
from projects.admin.reminders import ReminderInline, report_reminders
from projects.admin.workflow import Step, WorkflowAdminMixin
from projects.admin.history import AuditAdminMixin
from projects.choices import Category, ProblemStatus, ReportStatus, Role
from projects.exceptions import DomainError
from projects.models import (
    AnnualPlan,
    Bulletin,
    BulletinEntry,
    Decision,
    Evaluation,
    EvaluationResult,
    Meeting,
    MeetingItem,
    Milestone,
    MonthlyReport,
    PlanRevision,
    Problem,
    ProblemAction,
    Project,
    Programme,
    Review,
    ReviewCriterion,
    ReviewRanking,
    ReviewScore,
    WeeklyPlan,
)
from projects.selectors import report_form_context, reporting_month, reports_with_month_figure
from projects.services.bulletins import (bulletin_create, bulletin_data, bulletin_publish, in_rank_order,
                                         programme_compare)
from projects.services.warning import warning_window
from projects.services.evaluations import evaluation_compute, evaluation_publish, evaluation_save_weights
from projects.services.meetings import decision_create_action_item, weekly_plan_file
from projects.services.problems import (
    problem_act,
    problem_close,
    problem_escalate,
    problem_log,
    problem_may_act,
    problem_may_close,
)
from projects.services.reports import report_accept, report_return, report_save, report_submit
from projects.services.rankings import bottom_size
from projects.services.reviews import group_label, review_create, review_publish, review_ranking, review_score
from projects.permissions import allows
from projects.services.roles import leader_of, role_of, unit_of
from projects.services.validation import clean_or_raise

LIGHT_COLOURS = {"green": "#2e7d32", "yellow": "#b28704", "red": "#c62828"}


def light_badge(light, label):
    return format_html('<span style="color:#fff;background:{};padding:1px 6px;border-radius:3px">{}</span>',
                       LIGHT_COLOURS.get(light, "#777"), label)


def standing_badge(row):
    """A ranking row's standing as a word: 激励先进 (green), 鞭策后进 (red), or nothing."""
    if row.is_top:
        return state_badge(_("Top (reward)"), "good")
    if row.is_bottom:
        return state_badge(_("Bottom (spur on)"), "bad")
    return ""


def error_text(exc):
    return "; ".join(str(m) for m in exc.messages)


class RoleAdmin(AuditAdminMixin, TableAdminMixin, admin.ModelAdmin):
    """Permissions follow the role table (projects/permissions.py), like the API's; the services
    then check unit and state (a submitted or accepted report is never deleted)."""

    def _role(self, request):
        return role_of(request.user)


class ReadOnlyAdmin(RoleAdmin):

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ServiceFormAdmin(RoleAdmin):
    """The form's clean() saves through `save_via_service`; a DomainError becomes a form error and
    the change is not made. save_model() has nothing left to do."""

    def save_via_service(self, request, form, obj):
        raise NotImplementedError

    def get_form(self, request, obj=None, **kwargs):
        base = super().get_form(request, obj, **kwargs)
        model_admin = self

        class ServiceForm(base):
            def clean(self):
                cleaned = super().clean()
                if self.errors:
                    return cleaned
                try:
                    with transaction.atomic():
                        self.instance = model_admin.save_via_service(request, self, obj)
                except DomainError as exc:
                    field = exc.field if exc.field in self.fields else None
                    self.add_error(field, exc.messages)
                else:
                    self._saved_by_service = True
                return cleaned

            def _post_clean(self):
                if not getattr(self, "_saved_by_service", False):
                    super()._post_clean()

        return ServiceForm

    def save_model(self, request, obj, form, change):
        """Saved by the service in the form's clean()."""


def form_action(modeladmin, request, queryset, *, form_class, title, apply, done):
    """An admin action that first asks for input (a reason, a resolution) on an intermediate page."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        ok = 0
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data)
                ok += 1
            except DomainError as exc:
                modeladmin.message_user(request, f"{obj}: {error_text(exc)}", messages.ERROR)
        if ok:
            modeladmin.message_user(request, done % {"count": ok}, messages.SUCCESS)
        return None
    return TemplateResponse(request, "admin/projects/action_form.html", {
        **modeladmin.admin_site.each_context(request),
        "title": title, "form": form, "queryset": queryset, "opts": modeladmin.model._meta,
        "action": request.POST.get("action"), "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    })


def apply_each(modeladmin, request, queryset, apply, done):
    ok = 0
    for obj in queryset:
        try:
            apply(obj)
            ok += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {error_text(exc)}", messages.ERROR)
    if ok:
        modeladmin.message_user(request, done % {"count": ok}, messages.SUCCESS)


def confirm_view(modeladmin, request, obj, *, title, question, apply, done):
    """GET asks, POST does it (publish buttons)."""
    if request.method == "POST":
        try:
            apply()
            modeladmin.message_user(request, done, messages.SUCCESS)
        except DomainError as exc:
            modeladmin.message_user(request, error_text(exc), messages.ERROR)
        return HttpResponseRedirect(reverse(
            f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk]))
    return TemplateResponse(request, "admin/projects/confirm.html", {
        **modeladmin.admin_site.each_context(request), "title": title, "question": question, "object": obj,
        "opts": obj._meta,
    })


class UnitScopedMixin:
    """A unit reporter sees only its unit's records: those of projects its unit leads or cooperates
    on (and, with `responsible_unit_field`, those its unit is responsible for). Another unit's record
    is not found by its URL either (the admin says it does not exist), and the project choices of
    a new record are the unit's projects."""

    responsible_unit_field = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if role_of(request.user) != Role.REPORTER:
            return queryset
        unit = unit_of(request.user)
        if unit is None:
            return queryset.none()
        scope = Q(project__in=Project.objects.for_unit(unit).values("pk"))
        if self.responsible_unit_field:
            scope |= Q(**{self.responsible_unit_field: unit})
        return queryset.filter(scope)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project" and role_of(request.user) == Role.REPORTER:
            unit = unit_of(request.user)
            kwargs["queryset"] = Project.objects.for_unit(unit) if unit else Project.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# Monthly reports ---------------------------------------------------------------------------------


class ReturnForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for return"), widget=forms.Textarea)


class UnitFilter(admin.SimpleListFilter):
    title = gettext_lazy("unit")
    parameter_name = "unit"

    def lookups(self, request, model_admin):
        from projects.models import Unit

        return [(u.pk, u.name) for u in Unit.objects.filter(is_archived=False).only("pk", "name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(Q(project__lead_unit=self.value()) | Q(reporting_unit=self.value()))
        return queryset


def report_context_lines(context, year, month):
    """The lines shown above the report form (report_form_context in words)."""
    from projects.templatetags.tracker_figures import wan

    lines = []
    previous = context["previous"]
    if previous is not None:
        lines.append(_("Previous report (%(year)s-%(month)02d, %(status)s): %(ytd)s 万元 completed this year.") % {
            "year": previous.year, "month": previous.month, "status": previous.get_status_display(),
            "ytd": wan(previous.completed_ytd)})
    elif month == 1:
        lines.append(_("January: the year-to-date figure starts from zero."))
    else:
        lines.append(_("No earlier report this year: the year-to-date figure counts from January."))
    if context["plan_in_force"] is None:
        lines.append(_("No annual plan for %(year)s.") % {"year": year})
    else:
        lines.append(_("Annual plan %(year)s in force in month %(month)s: %(plan)s 万元; by time progress "
                       "(%(progress)s%%) %(due)s 万元 should be completed.") % {
            "year": year, "month": month, "plan": wan(context["plan_in_force"]),
            "progress": context["time_progress"], "due": wan(context["planned_to_date"])})
    return lines


class ReportFormContextMixin:
    """The previous month's YTD and the plan beside the report form: rendered with the page when
    the project is known (a report, ?project= on the add form, a form sent back with errors) and
    fetched from /admin/projects/monthlyreport/form-context/?project=&year=&month= when the clerk
    picks another project or month (static projects/reports/report_form.js)."""

    def get_urls(self):
        return [
            path("form-context/", self.admin_site.admin_view(self.form_context_view),
                 name="projects_monthlyreport_form_context"),
        ] + super().get_urls()

    def _context_for(self, request, project_id, year, month, exclude_pk=None):
        try:
            year, month = int(year), int(month)
            if not (2000 <= year <= 2100 and 1 <= month <= 12):
                return None
            project = self.formfield_for_foreignkey(MonthlyReport._meta.get_field("project"), request) \
                .queryset.get(pk=int(project_id))
        except (TypeError, ValueError, Project.DoesNotExist):
            return None
        context = report_form_context(project=project, year=year, month=month, exclude_pk=exclude_pk)
        return report_context_lines(context, year, month)

    def form_context_view(self, request):
        from django.http import JsonResponse

        lines = self._context_for(request, request.GET.get("project"), request.GET.get("year"),
                                  request.GET.get("month"), request.GET.get("report") or None)
        return JsonResponse({"lines": lines or []})

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        year, month = reporting_month()
        initial.setdefault("year", year)
        initial.setdefault("month", month)
        return initial

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra = extra_context or {}
        data = request.POST if request.method == "POST" else request.GET
        obj = self.get_object(request, object_id) if object_id else None
        if obj is not None and request.method != "POST":
            project_id, year, month = obj.project_id, obj.year, obj.month
        else:
            initial = self.get_changeform_initial_data(request) if obj is None else {}
            project_id = data.get("project") or (obj and obj.project_id)
            year = data.get("year") or (obj.year if obj else initial.get("year"))
            month = data.get("month") or (obj.month if obj else initial.get("month"))
        extra["report_context"] = self._context_for(request, project_id, year, month, obj and obj.pk)
        extra["report_context_url"] = reverse("admin:projects_monthlyreport_form_context")
        return super().changeform_view(request, object_id, form_url, extra)


@admin.register(MonthlyReport)
class MonthlyReportAdmin(WorkflowAdminMixin, ReportFormContextMixin, UnitScopedMixin, ReportImportAdminMixin,
                         ServiceFormAdmin):
    list_display = ["project", "period", "ytd", "month_figure", "status", "correction", "submitted_at"]
    list_filter = ["status", "year", "month", UnitFilter, "is_correction"]
    list_select_related = ["project"]
    search_fields = ["project__name", "project__aliases"]
    autocomplete_fields = ["project"]
    fields = ["project", "year", "month", "completed_ytd", "progress_note", "problems_raised", "is_correction",
              "correction_reason", "status", "return_reason", "reporting_unit", "submitted_at", "accepted_at",
              "reminders"]
    readonly_fields = ["status", "return_reason", "reporting_unit", "submitted_at", "accepted_at", "reminders"]
    inlines = [ReportAttachmentInline]

    def get_inlines(self, request, obj):
        """Photos belong to a report that exists: the add form has no (read-only) photo inline,
        whose missing management form would refuse every new report."""
        return self.inlines if obj is not None else []
    actions = ["submit", "accept", "send_back"]
    change_form_template = "admin/projects/monthlyreport/change_form.html"

    def get_queryset(self, request):
        return reports_with_month_figure(super().get_queryset(request))

    def has_change_permission(self, request, obj=None):
        """A submitted report waits for the office: it is accepted or returned, not edited."""
        if obj is not None and obj.status == ReportStatus.SUBMITTED:
            return False
        return super().has_change_permission(request, obj)

    def workflow_steps(self, request):
        user = request.user
        office = role_of(user) == Role.OFFICE
        return [
            Step("submit", _("Submit"), done=_("Report submitted."),
                 allowed=lambda r, o: o.status == ReportStatus.DRAFT and allows(user, "reports", "submit", record=o),
                 apply=lambda r, o, d: report_submit(report=o, user=user)),
            Step("accept", _("Accept"), done=_("Report accepted."), primary=True,
                 allowed=lambda r, o: o.status == ReportStatus.SUBMITTED and office,
                 apply=lambda r, o, d: report_accept(report=o, user=user)),
            Step("return", _("Return"), done=_("Report returned to its unit."), form_class=ReturnForm,
                 allowed=lambda r, o: o.status == ReportStatus.SUBMITTED and office,
                 apply=lambda r, o, d: report_return(report=o, user=user, reason=d["reason"])),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        writable = self.has_add_permission(request) if add else self.has_change_permission(request, obj)
        may_write = role_of(request.user) in (Role.OFFICE, Role.REPORTER)
        context["save_and_submit"] = bool(writable and may_write)
        context["save_and_accept"] = bool(writable and role_of(request.user) == Role.OFFICE)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=gettext_lazy("year-month"), ordering="year")
    def period(self, obj):
        return f"{obj.year}-{obj.month:02d}"

    @admin.display(description=gettext_lazy("YTD (万元)"), ordering="completed_ytd")
    def ytd(self, obj):
        return f"{obj.completed_ytd:,.2f}"

    @admin.display(description=gettext_lazy("this month (万元)"))
    def month_figure(self, obj):
        return f"{obj.completed_month:,.2f}"

    @admin.display(description=gettext_lazy("reminders sent"))
    def reminders(self, obj):
        return report_reminders(obj)

    @admin.display(description=gettext_lazy("correction"), ordering="is_correction")
    def correction(self, obj):
        return state_badge(_("correction"), "warn") if obj.is_correction else ""

    def save_via_service(self, request, form, obj):
        """Saves the draft; with "Save and submit" submits it, with "Save, submit and accept" (the
        office entering a unit's figures itself) also accepts it: all or nothing."""
        data = form.cleaned_data
        report = report_save(
            user=request.user, project=data["project"], year=data["year"], month=data["month"],
            completed_ytd=data["completed_ytd"], progress_note=data.get("progress_note", ""),
            problems_raised=data.get("problems_raised", ""), is_correction=data.get("is_correction", False),
            correction_reason=data.get("correction_reason", ""), report=obj,
        )
        if "_save_and_submit" in request.POST or "_save_and_accept" in request.POST:
            report = report_submit(report=report, user=request.user)
        if "_save_and_accept" in request.POST:
            report = report_accept(report=report, user=request.user)
        return report

    def _step_message(self, request):
        if "_save_and_accept" in request.POST:
            self.message_user(request, _("Report submitted and accepted."), messages.SUCCESS)
        elif "_save_and_submit" in request.POST:
            self.message_user(request, _("Report submitted."), messages.SUCCESS)

    def response_add(self, request, obj, post_url_continue=None):
        self._step_message(request)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._step_message(request)
        return super().response_change(request, obj)

    @admin.action(description=gettext_lazy("Submit selected reports"))
    def submit(self, request, queryset):
        apply_each(self, request, queryset, lambda r: report_submit(report=r, user=request.user),
                   _("%(count)s report(s) submitted."))

    @admin.action(description=gettext_lazy("Accept selected reports"))
    def accept(self, request, queryset):
        apply_each(self, request, queryset, lambda r: report_accept(report=r, user=request.user),
                   _("%(count)s report(s) accepted."))

    @admin.action(description=gettext_lazy("Return selected reports (asks for a reason)"))
    def send_back(self, request, queryset):
        return form_action(self, request, queryset, form_class=ReturnForm, title=_("Return reports"),
                           apply=lambda r, d: report_return(report=r, user=request.user, reason=d["reason"]),
                           done=_("%(count)s report(s) returned."))


# Bulletins ---------------------------------------------------------------------------------------


@admin.register(Bulletin)
class BulletinAdmin(BulletinExportsMixin, ServiceFormAdmin):
    list_display = ["__str__", "title", "status", "published_at", "superseded"]
    list_filter = ["status", "year"]
    fields = ["year", "month", "title", "summary"]
    change_form_template = "admin/projects/bulletin/change_form.html"

    @admin.display(description=gettext_lazy("superseded"), ordering="superseded_at")
    def superseded(self, obj):
        return state_badge(_("superseded by a correction"), "warn") if obj.superseded_at is not None else ""

    def get_readonly_fields(self, request, obj=None):
        return ["year", "month", "title", "summary"] if obj and obj.is_published else ["year", "month"] if obj else []

    def save_via_service(self, request, form, obj):
        if obj is None:
            data = form.cleaned_data
            return bulletin_create(year=data["year"], month=data["month"], user=request.user,
                                   title=data.get("title", ""), summary=data.get("summary", ""))
        if obj.is_published:
            raise DomainError(_("A published bulletin never changes."))
        form.instance.title = form.cleaned_data.get("title", "")
        form.instance.summary = form.cleaned_data.get("summary", "")
        clean_or_raise(form.instance)
        form.instance.save()
        return form.instance

    def get_urls(self):
        return [
            path("<int:pk>/publish/", self.admin_site.admin_view(self.publish_view), name="projects_bulletin_publish"),
            path("programme-compare/<int:pk>/", self.admin_site.admin_view(self.programme_compare_view),
                 name="projects_programme_compare"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        bulletin = self.get_object(request, object_id)
        extra = extra_context or {}
        if bulletin is not None:
            data = in_page_language(bulletin_data(bulletin=bulletin))
            data.rows = in_rank_order(data.rows)
            extra.update(data=data, lights=LIGHT_COLOURS,
                         bottom=sorted((row for rows in data.bottom.values() for row in rows),
                                       key=lambda r: (r.completion_rate, r.project_name)),
                         bottom_size=bottom_size(),
                         category_totals=[{**t, "label": dict(Category.choices).get(t["label"], t["label"])}
                                          for t in data.totals.get("category", [])],
                         programmes=Programme.objects.filter(year=bulletin.year).only("pk", "code", "name", "year"),
                         can_publish=role_of(request.user) == Role.OFFICE and not bulletin.is_published,
                         warning_window=warning_window())
        return super().change_view(request, object_id, form_url, extra)

    def publish_view(self, request, pk):
        bulletin = get_object_or_404(Bulletin, pk=pk)
        return confirm_view(self, request, bulletin, title=_("Publish bulletin %s") % bulletin,
                            question=_("Publishing freezes the rows and totals; they never change afterwards."),
                            apply=lambda: bulletin_publish(bulletin=bulletin, user=request.user),
                            done=_("Bulletin published."))

    def programme_compare_view(self, request, pk):
        """The comparison at the end of the month it was opened from (?year=&month=, as the bulletin
        links it); without one (or with a month that is not one), the month the documents report."""
        programme = get_object_or_404(Programme, pk=pk)
        year = month = None
        try:
            year, month = int(request.GET["year"]), int(request.GET["month"])
        except (KeyError, ValueError):
            pass
        if not (year and 2000 <= year <= 2100 and month and 1 <= month <= 12):
            year = month = None
        comparison = programme_compare(programme=programme, year=year, month=month)
        bulletin = Bulletin.objects.filter(year=comparison.year, month=comparison.month).first()
        return TemplateResponse(request, "admin/projects/programme_compare.html", {
            **self.admin_site.each_context(request), "title": _("Documents and data: %s") % programme,
            "comparison": comparison, "programme": programme, "bulletin": bulletin, "opts": Programme._meta,
        })


@admin.register(BulletinEntry)
class BulletinEntryAdmin(ReadOnlyAdmin):
    list_display = ["bulletin", "project", "category", "completed_ytd", "completion_rate", "gap_points",
                    "coloured_light", "rank_in_category"]
    list_filter = ["bulletin", "light", "category"]
    list_select_related = ["bulletin", "project"]
    exclude = ["reasons", "forecast"]
    readonly_fields = ["reasons_text", "forecast_text"]

    @admin.display(description=gettext_lazy("early warning"))
    def forecast_text(self, obj):
        """The early warning kept at publication, as the bulletin words it (not the stored numbers)."""
        from projects.services.warning import Forecast, short_text

        forecast = Forecast.from_stored(obj.forecast)
        if forecast is None or forecast.year_end_rate is None:
            return "-"
        return short_text(forecast.year_end_rate, *forecast.changes_after(obj.light))

    @admin.display(description=gettext_lazy("reasons"))
    def reasons_text(self, obj):
        """The reasons for the light as the bulletin words them (not the stored codes)."""
        texts = [reason.get("text") or reason.get("code", "") for reason in obj.reasons or []]
        return "；".join(text for text in texts if text) or "-"

    @admin.display(description=gettext_lazy("light"), ordering="light")
    def coloured_light(self, obj):
        return light_badge(obj.light, obj.get_light_display())


# Meetings ----------------------------------------------------------------------------------------


class MeetingItemInline(InlineRoleMixin, admin.TabularInline):
    model = MeetingItem
    extra = 0
    formfield_overrides = ROW_TEXTAREA
    autocomplete_fields = ["project"]  # over a hundred projects: found by typing, not scrolled to


class DecisionInline(InlineRoleMixin, admin.TabularInline):
    model = Decision
    extra = 0
    show_change_link = True
    formfield_overrides = ROW_TEXTAREA


@admin.register(Meeting)
class MeetingAdmin(RoleAdmin):
    list_display = ["date", "title", "kind", "chair", "item_count", "decision_count"]
    list_filter = ["kind", "date"]
    list_select_related = ["chair"]
    search_fields = ["title", "notes"]
    filter_horizontal = ["units", "leaders"]
    inlines = [MeetingItemInline, DecisionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            n_items=Count("items", distinct=True), n_decisions=Count("decisions", distinct=True))

    @admin.display(description=gettext_lazy("projects discussed"), ordering="n_items")
    def item_count(self, obj):
        return obj.n_items

    @admin.display(description=gettext_lazy("decisions"), ordering="n_decisions")
    def decision_count(self, obj):
        return obj.n_decisions


@admin.register(Decision)
class DecisionAdmin(RoleAdmin):
    list_display = ["__str__", "meeting", "action_item_count"]
    list_select_related = ["meeting"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_actions=Count("action_items"))

    @admin.display(description=gettext_lazy("action items"))
    def action_item_count(self, obj):
        return obj.n_actions


@admin.register(WeeklyPlan)
class WeeklyPlanAdmin(ServiceFormAdmin):
    list_display = ["unit", "week_start", "filed_at", "filed_by"]
    list_filter = ["week_start", "unit"]
    list_select_related = ["unit", "filed_by"]
    fields = ["unit", "week_start", "content", "meeting"]

    def get_readonly_fields(self, request, obj=None):
        return ["unit", "week_start"] if obj else []

    def save_via_service(self, request, form, obj):
        data = form.cleaned_data
        if obj is None:
            return weekly_plan_file(user=request.user, unit=data["unit"], week_start=data["week_start"],
                                    content=data["content"], meeting=data.get("meeting"))
        form.instance.content, form.instance.meeting = data["content"], data.get("meeting")
        clean_or_raise(form.instance, exclude=["filed_at"])
        form.instance.save()
        return form.instance


# Problem ledger ----------------------------------------------------------------------------------


class ProblemActionInline(InlineRoleMixin, admin.TabularInline):
    model = ProblemAction
    extra = 0
    fields = ["date", "text", "status_after", "user"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ActForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("What was done"), widget=forms.Textarea)
    status_after = forms.ChoiceField(
        label=gettext_lazy("Status after"), required=False,
        choices=[("", "—"), (ProblemStatus.OPEN, ProblemStatus.OPEN.label),
                 (ProblemStatus.IN_PROGRESS, ProblemStatus.IN_PROGRESS.label)])


class EscalateForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Why it goes to the leadership"), widget=forms.Textarea)


class CloseForm(forms.Form):
    resolution = forms.CharField(label=gettext_lazy("Resolution"), widget=forms.Textarea)
    resolved_on = forms.DateField(label=gettext_lazy("Resolved on"), initial=timezone.localdate)


@admin.register(Problem)
class ProblemAdmin(WorkflowAdminMixin, UnitScopedMixin, ProblemExportsMixin, ServiceFormAdmin):
    responsible_unit_field = "responsible_unit"
    list_display = ["title", "project", "category", "responsible_unit", "deadline", "status", "overdue"]
    list_filter = ["status", "category", "origin", "responsible_unit"]
    list_select_related = ["project", "responsible_unit"]
    search_fields = ["title", "description", "project__name"]
    fields = ["project", "category", "title", "description", "origin", "meeting", "decision", "responsible_unit",
              "raised_on", "deadline", "status", "resolution", "resolved_on"]
    readonly_fields = ["status", "resolution", "resolved_on"]
    inlines = [ProblemActionInline, ProblemAttachmentInline, ReminderInline]

    def get_inlines(self, request, obj):
        """Actions and photos belong to a problem that exists (see MonthlyReportAdmin.get_inlines)."""
        return self.inlines if obj is not None else [ProblemActionInline]
    actions = ["act", "escalate", "close"]
    autocomplete_fields = ["project", "responsible_unit"]
    change_form_template = "admin/projects/problem/change_form.html"

    def workflow_steps(self, request):
        user = request.user
        return [
            Step("act", _("Record an action"), done=_("Action recorded."), form_class=ActForm,
                 allowed=lambda r, o: problem_may_act(user, o),
                 apply=lambda r, o, d: problem_act(problem=o, user=user, text=d["text"],
                                                   status_after=d["status_after"] or None)),
            Step("escalate", _("Escalate to the leadership"), done=_("Problem escalated."), form_class=EscalateForm,
                 allowed=lambda r, o: problem_may_act(user, o) and o.status != ProblemStatus.ESCALATED,
                 apply=lambda r, o, d: problem_escalate(problem=o, user=user, text=d["text"])),
            Step("close", _("Close with a resolution"), done=_("Problem closed."), form_class=CloseForm,
                 allowed=lambda r, o: problem_may_close(user, o),
                 apply=lambda r, o, d: problem_close(problem=o, user=user, resolution=d["resolution"],
                                                     resolved_on=d["resolved_on"])),
        ]

    def get_queryset(self, request):
        today = timezone.localdate()
        overdue = Problem.objects.filter(pk=OuterRef("pk"), deadline__lt=today).exclude(status=ProblemStatus.RESOLVED)
        return super().get_queryset(request).annotate(is_overdue=Exists(overdue))

    @admin.display(description=gettext_lazy("overdue"), ordering="is_overdue")
    def overdue(self, obj):
        return state_badge(_("overdue"), "bad") if obj.is_overdue else ""

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return self.fields  # afterwards a problem changes only through its actions

    def save_via_service(self, request, form, obj):
        if obj is not None:
            raise DomainError(_("Use the actions to record progress, escalate or close a problem."))
        data = form.cleaned_data
        if data.get("decision"):
            return decision_create_action_item(
                decision=data["decision"], user=request.user, project=data["project"], category=data["category"],
                title=data["title"], responsible_unit=data["responsible_unit"], deadline=data["deadline"],
                description=data.get("description", ""))
        return problem_log(user=request.user, project=data["project"], category=data["category"],
                           title=data["title"], description=data.get("description", ""),
                           origin=data["origin"], meeting=data.get("meeting"), decision=data.get("decision"),
                           responsible_unit=data["responsible_unit"], raised_on=data["raised_on"],
                           deadline=data["deadline"])

    @admin.action(description=gettext_lazy("Record an action"))
    def act(self, request, queryset):
        return form_action(self, request, queryset, form_class=ActForm, title=_("Record an action"),
                           apply=lambda p, d: problem_act(problem=p, user=request.user, text=d["text"],
                                                          status_after=d["status_after"] or None),
                           done=_("Action recorded on %(count)s problem(s)."))

    @admin.action(description=gettext_lazy("Escalate to the leadership"))
    def escalate(self, request, queryset):
        return form_action(self, request, queryset, form_class=EscalateForm, title=_("Escalate problems"),
                           apply=lambda p, d: problem_escalate(problem=p, user=request.user, text=d["text"]),
                           done=_("%(count)s problem(s) escalated."))

    @admin.action(description=gettext_lazy("Close with a resolution"))
    def close(self, request, queryset):
        return form_action(self, request, queryset, form_class=CloseForm, title=_("Close problems"),
                           apply=lambda p, d: problem_close(problem=p, user=request.user,
                                                            resolution=d["resolution"],
                                                            resolved_on=d["resolved_on"]),
                           done=_("%(count)s problem(s) closed."))


# Quarterly reviews -------------------------------------------------------------------------------


class ReviewCriterionInline(InlineRoleMixin, admin.TabularInline):
    model = ReviewCriterion
    extra = 0

    def _editable(self, request, obj):
        return obj is not None and not obj.is_published and role_of(request.user) == Role.OFFICE

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj) and not obj.scores.exists()

    def has_view_permission(self, request, obj=None):
        return True


class ScoreForm(forms.Form):
    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"] = forms.ModelChoiceField(label=gettext_lazy("project"),
                                                        queryset=review.projects.all())
        for criterion in review.criteria.all():
            self.fields[f"c{criterion.pk}"] = forms.DecimalField(
                label=f"{criterion.name} (0–{criterion.max_score}, ×{criterion.weight})",
                min_value=0, max_value=criterion.max_score, decimal_places=2)
        self.fields["comment"] = forms.CharField(label=gettext_lazy("comment"), required=False,
                                                 widget=forms.Textarea)


@admin.register(Review)
class ReviewAdmin(ReviewExportsMixin, ServiceFormAdmin):
    list_display = ["title", "year", "quarter", "date", "status", "project_count"]
    list_filter = ["status", "year"]
    filter_horizontal = ["projects", "reviewers"]
    fields = ["year", "quarter", "date", "title", "projects", "reviewers"]
    change_form_template = "admin/projects/review/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_projects=Count("projects", distinct=True))

    @admin.display(description=gettext_lazy("projects"), ordering="n_projects")
    def project_count(self, obj):
        return obj.n_projects

    def get_inlines(self, request, obj):
        return [ReviewCriterionInline, ReminderInline] if obj is not None else []

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None and obj.is_published else []

    def save_via_service(self, request, form, obj):
        data = form.cleaned_data
        if obj is None:
            return review_create(user=request.user, year=data["year"], quarter=data["quarter"], date=data["date"],
                                 title=data["title"], projects=data["projects"], reviewers=data["reviewers"])
        if obj.is_published:
            raise DomainError(_("A published review never changes."))
        for name in ("year", "quarter", "date", "title"):
            setattr(form.instance, name, data[name])
        clean_or_raise(form.instance)
        form.instance.save()
        return form.instance

    def get_urls(self):
        return [
            path("<int:pk>/publish/", self.admin_site.admin_view(self.publish_view), name="projects_review_publish"),
            path("<int:pk>/score/", self.admin_site.admin_view(self.score_view), name="projects_review_score"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        review = self.get_object(request, object_id)
        extra = extra_context or {}
        if review is not None:
            extra.update(ranking=[{"key": key, "label": group_label(key), "rows": in_page_language(rows)}
                                  for key, rows in review_ranking(review=review).items()],
                         can_publish=role_of(request.user) == Role.OFFICE and not review.is_published,
                         can_score=leader_of(request.user) is not None and not review.is_published)
        return super().change_view(request, object_id, form_url, extra)

    def publish_view(self, request, pk):
        review = get_object_or_404(Review, pk=pk)
        return confirm_view(self, request, review, title=_("Publish %s") % review,
                            question=_("Publishing freezes the ranking; no score can be added afterwards."),
                            apply=lambda: review_publish(review=review, user=request.user),
                            done=_("Ranking published."))

    def score_view(self, request, pk):
        review = get_object_or_404(Review, pk=pk)
        form = ScoreForm(request.POST or None, review=review)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                reviewer = leader_of(request.user)
                if reviewer is None:
                    raise DomainError(_("Only leaders score."))
                review_score(review=review, reviewer=reviewer, project=data["project"], user=request.user,
                             comment=data["comment"],
                             scores={int(k[1:]): v for k, v in data.items() if k.startswith("c") and k[1:].isdigit()})
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.messages)
            else:
                self.message_user(request, _("Scores recorded."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:projects_review_change", args=[review.pk]))
        return TemplateResponse(request, "admin/projects/review/score.html", {
            **self.admin_site.each_context(request), "title": _("Score: %s") % review, "form": form,
            "object": review, "opts": Review._meta,
        })


@admin.register(ReviewScore)
class ReviewScoreAdmin(ReadOnlyAdmin):
    list_display = ["review", "project", "reviewer", "criterion", "score", "scored_at"]
    list_filter = ["review", "reviewer"]
    list_select_related = ["review", "project", "reviewer", "criterion"]


@admin.register(ReviewRanking)
class ReviewRankingAdmin(ReadOnlyAdmin):
    list_display = ["review", "category", "rank", "project", "score", "standing"]
    list_filter = ["review", "category", "is_top", "is_bottom"]
    list_select_related = ["review", "project"]

    @admin.display(description=gettext_lazy("standing"), ordering="rank")
    def standing(self, obj):
        return standing_badge(obj)


# Evaluations -------------------------------------------------------------------------------------


@admin.register(Evaluation)
class EvaluationAdmin(EvaluationExportsMixin, ServiceFormAdmin):
    list_display = ["__str__", "year", "kind", "status", "published_at"]
    list_filter = ["status", "kind", "year"]
    fields = ["year", "kind", "weight_completion", "weight_milestones", "weight_problems", "weight_reviews"]
    change_form_template = "admin/projects/evaluation/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return self.fields if obj.is_published else ["year", "kind"]

    def save_via_service(self, request, form, obj):
        data = form.cleaned_data
        if obj is None:
            if role_of(request.user) != Role.OFFICE:
                raise DomainError(_("Only project office staff may do this."))
            evaluation = Evaluation(**{name: data[name] for name in self.fields})
            clean_or_raise(evaluation)
            evaluation.save()
            return evaluation
        return evaluation_save_weights(evaluation=obj, user=request.user, weight_completion=data["weight_completion"],
                                       weight_milestones=data["weight_milestones"],
                                       weight_problems=data["weight_problems"], weight_reviews=data["weight_reviews"])

    def get_urls(self):
        return [
            path("<int:pk>/publish/", self.admin_site.admin_view(self.publish_view),
                 name="projects_evaluation_publish"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        evaluation = self.get_object(request, object_id)
        extra = extra_context or {}
        if evaluation is not None:
            if evaluation.is_published:
                results = evaluation.results.select_related("project", "unit")
                projects = [r for r in results if r.subject == "project"]
                units = [r for r in results if r.subject == "unit"]
                for r in projects + units:
                    r.name = r.project.display_name if r.project else r.unit.name
            else:
                data = evaluation_compute(evaluation=evaluation)
                projects, units = data.projects, data.units
                names = {p.pk: p.display_name for p in Project.objects.filter(
                    pk__in=[r.project_id for r in projects])}
                projects = [replace(r, name=names.get(r.project_id, r.name)) for r in projects]
            extra.update(project_results=sorted(projects, key=lambda r: r.rank),
                         unit_results=sorted(units, key=lambda r: r.rank),
                         can_publish=role_of(request.user) == Role.OFFICE and not evaluation.is_published)
        return super().change_view(request, object_id, form_url, extra)

    def publish_view(self, request, pk):
        evaluation = get_object_or_404(Evaluation, pk=pk)
        return confirm_view(self, request, evaluation, title=_("Publish %s") % evaluation,
                            question=_("Publishing freezes the results."),
                            apply=lambda: evaluation_publish(evaluation=evaluation, user=request.user),
                            done=_("Evaluation published."))


@admin.register(EvaluationResult)
class EvaluationResultAdmin(ReadOnlyAdmin):
    list_display = ["evaluation", "subject", "rank", "project", "unit", "total"]
    list_filter = ["evaluation", "subject"]
    list_select_related = ["evaluation", "project", "unit"]
    fields = ["evaluation", "subject", "project", "unit", "completion_score", "milestone_score", "problem_score",
              "review_score", "total", "rank", "trace_lines"]

    @admin.display(description=gettext_lazy("trace"))
    def trace_lines(self, obj):
        """What the score was computed from, in words and with links to the records (not the stored JSON)."""
        return trace_html(obj.trace or {})


def _record_links(model, pks):
    from projects.admin.common import admin_link

    objects = {o.pk: o for o in model.objects.filter(pk__in=pks or [])}
    if not objects:
        return _("none")
    return format_html_join("、", "{}", ((admin_link(objects[pk]),) for pk in pks if pk in objects))


def trace_html(trace):
    """An evaluation result's trace as labelled lines: the plan, the report and figures the completion
    score rests on, the milestones, problems and review scores counted, and the weights."""
    from projects.templatetags.tracker_figures import rate, wan

    lines = []
    if "projects" in trace:
        lines.append((_("Projects averaged"), _record_links(Project, trace["projects"])))
    if "period_end" in trace:
        weights = trace.get("weights", {})
        lines += [
            (_("Period ending"), trace["period_end"]),
            (_("Annual plan"), _record_links(AnnualPlan, [trace.get("annual_plan")])),
            (_("Plan revision in force"), _record_links(PlanRevision, [trace.get("plan_revision")])
             if trace.get("plan_revision") else _("none")),
            (_("Plan in force (10,000 yuan)"), wan(trace.get("plan_in_force"))),
            (_("Monthly report"), _record_links(MonthlyReport, trace.get("reports", []))),
            (_("Completed this year (10,000 yuan)"), wan(trace.get("completed_ytd"))),
            (_("Annual completion rate (capped at 100%)"), f"{rate(trace.get('completion_rate_capped'))}%"),
            (_("Milestones due"), _record_links(Milestone, trace.get("milestones_due", []))),
            (_("Milestones met on time"), _record_links(Milestone, trace.get("milestones_met", []))),
            (_("Problems due"), _record_links(Problem, trace.get("problems_due", []))),
            (_("Problems closed on time"), _record_links(Problem, trace.get("problems_closed_on_time", []))),
            (_("Review scores counted"), str(len(trace.get("review_scores", [])))),
            (_("Mean review score"), rate(trace.get("review_mean"))),
            (_("Weights"), _("annual completion rate %(completion)s / milestones met on time %(milestones)s / "
                             "problems closed on time %(problems)s / review scores %(reviews)s") % {
                key: rate(weights.get(key)) for key in ("completion", "milestones", "problems", "reviews")}),
        ]
    return format_html('<table class="trk-trace">{}</table>', format_html_join(
        "", "<tr><th>{}</th><td>{}</td></tr>", lines))
