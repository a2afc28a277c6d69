"""Admin screens of the project library (项目库), as the project office (项目办) keeps it."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _

from projects.admin.common import (
    ConstraintMessagesForm,
    HistoryAdmin,
    ProjectCountMixin,
    SourceInline,
    TrackerAdmin,
    TrackerInline,
    admin_link,
    changelist_link,
    project_count_text,
    state_badge,
    yi_column,
)
from projects.admin.imports import LibraryImportAdminMixin
from projects.admin.reminders import ReminderInline
from projects.documents import document_title, supports_labels
from projects.admin.sheet import ProjectSheetAdminMixin
from projects.choices import MilestoneKind, Role
from projects.models import (
    AnnualPlan,
    Leader,
    Milestone,
    PlanRevision,
    Profile,
    Programme,
    Project,
    Source,
    Unit,
    Zone,
)

User = get_user_model()


def links(objects):
    """Comma-separated links to the change pages of `objects`."""
    objects = list(objects)
    if not objects:
        return "-"
    return format_html_join(", ", "{}", ((admin_link(obj),) for obj in objects))


class ArchivedColumnMixin:
    """An archived record is marked 已归档 in the list; an active one is not marked (a tick or a
    cross on every active record would read as something wrong)."""

    @admin.display(description=_("archived"), ordering="is_archived")
    def archived(self, obj):
        return state_badge(gettext("archived"), "neutral") if obj.is_archived else ""


@admin.register(Zone)
class ZoneAdmin(ProjectCountMixin, HistoryAdmin):
    list_display = ("name", "code", "name_en", "kind", "area_km2", "project_count_link", "source_count")
    list_display_links = ("name", "code")
    list_filter = ("kind",)
    search_fields = ("name", "name_en", "code")
    inlines = [SourceInline]
    project_lookup = "zone__id__exact"

    def get_queryset_annotations(self):
        return {
            "project_count": Count("projects", distinct=True),
            "source_count": Count("sources", distinct=True),
        }

    @admin.display(description=_("sources"), ordering="source_count")
    def source_count(self, obj):
        return obj.source_count


@admin.register(Unit)
class UnitAdmin(ArchivedColumnMixin, HistoryAdmin):
    list_display = ("name", "name_en", "kind", "parent_link", "led_projects_link", "cooperating_projects_link",
                    "archived")
    list_filter = ("kind", "is_archived")
    search_fields = ("name", "name_en")
    list_select_related = ("parent",)
    # A group robot's webhook (企业微信, 钉钉) is https; a URL typed without a scheme gets it.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    autocomplete_fields = ("parent",)
    inlines = [SourceInline]

    def get_exclude(self, request, obj=None):
        """The robot's webhook URL holds its key: only the project office sees and sets it."""
        exclude = list(super().get_exclude(request, obj) or ())
        return exclude if self._role(request) == Role.OFFICE else [*exclude, "webhook_url"]

    def get_queryset_annotations(self):
        return {
            "led_count": Count("led_projects", distinct=True),
            "cooperating_count": Count("cooperating_projects", distinct=True),
        }

    @admin.display(description=_("parent unit"), ordering="parent__name")
    def parent_link(self, obj):
        return admin_link(obj.parent)

    @admin.display(description=_("projects led"), ordering="led_count")
    def led_projects_link(self, obj):
        return changelist_link(Project, project_count_text(obj.led_count), lead_unit__id__exact=obj.pk)

    @admin.display(description=_("projects cooperated on"), ordering="cooperating_count")
    def cooperating_projects_link(self, obj):
        return changelist_link(Project, project_count_text(obj.cooperating_count),
                               cooperating_units__id__exact=obj.pk)


@admin.register(Leader)
class LeaderAdmin(ArchivedColumnMixin, ProjectCountMixin, HistoryAdmin):
    list_display = ("name", "title", "body", "unit_link", "user", "project_count_link", "archived")
    list_filter = ("body", "is_archived", ("unit", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "title", "unit__name")
    list_select_related = ("unit", "user")
    autocomplete_fields = ("unit", "user")
    inlines = [SourceInline]
    project_lookup = "leaders__id__exact"

    def get_queryset_annotations(self):
        return {"project_count": Count("projects", distinct=True)}

    @admin.display(description=_("unit"), ordering="unit__name")
    def unit_link(self, obj):
        return admin_link(obj.unit)


@admin.register(Programme)
class ProgrammeAdmin(ProjectCountMixin, HistoryAdmin):
    list_display = ("label", "year", "name", "planned_project_count", "total_target_yi", "annual_target_yi",
                    "reported_total_yi", "reported_completed_yi", "reported_completion_rate", "project_count_link")
    list_display_links = ("label", "name")
    list_filter = ("year",)
    search_fields = ("label", "name", "name_en", "code")
    inlines = [SourceInline]
    project_lookup = "programmes__id__exact"
    fieldsets = (
        (None, {"fields": ("code", "year", "label", "name", "name_en", "description")}),
        (_("Planned counts by stage"), {"fields": (
            "planned_project_count", "planned_reserve", "planned_preparation", "planned_new",
            "planned_continuing", "planned_completed",
        )}),
        (_("Investment targets (万元)"), {"fields": ("total_investment_target", "annual_investment_target")}),
        (_("Reported outcome"), {"fields": (
            "reported_as_of", "reported_project_count", "reported_total_investment",
            "reported_completed_investment", "reported_completion_rate",
            "comparison_link",
        )}),
    )
    readonly_fields = ("comparison_link",)

    total_target_yi = yi_column("total_investment_target", _("total investment target"))
    annual_target_yi = yi_column("annual_investment_target", _("annual investment target"))
    reported_total_yi = yi_column("reported_total_investment", _("reported total investment"))
    reported_completed_yi = yi_column("reported_completed_investment", _("reported completed investment"))

    def get_queryset_annotations(self):
        return {"project_count": Count("projects", distinct=True)}

    @admin.display(description=_("documents and data"))
    def comparison_link(self, obj):
        """A link to the page that sets the figures the documents state beside those computed."""
        if obj is None or obj.pk is None:
            return "-"
        return format_html('<a href="{}">{}</a>', reverse("admin:projects_programme_compare", args=[obj.pk]),
                           _("Compare the reported figures with the data"))


class PlanYearFilter(admin.SimpleListFilter):
    """Projects with an annual plan (年度投资计划) for the chosen year."""

    title = _("year with an annual plan")
    parameter_name = "plan_year"

    def lookups(self, request, model_admin):
        years = AnnualPlan.objects.order_by("-year").values_list("year", flat=True).distinct()
        return [(str(year), str(year)) for year in years]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(annual_plans__year=self.value())
        return queryset


class AnnualPlanInline(TrackerInline):
    model = AnnualPlan
    fields = ("year", "planned_investment", "target", "version", "change_link")
    readonly_fields = ("version", "change_link")

    @admin.display(description=_("revisions"))
    def change_link(self, obj):
        if obj.pk is None:
            return "-"
        return admin_link(obj, _("Revisions and sources"))


class MilestoneInline(TrackerInline):
    model = Milestone
    fields = ("kind", "name", "planned_date", "actual_date", "note")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Six columns in a row of a 1440-px screen, in either language.
        if db_field.name == "name":
            kwargs["widget"] = forms.TextInput(attrs={"size": 26})
        elif db_field.name == "note":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "cols": 28})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


# Chosen by the clerk for every new project: the model's defaults (其他, 储备) are not offered as a
# preselected answer on the add form.
CHOSEN_ON_ADD = ("category", "stage")


class ProjectForm(ConstraintMessagesForm):
    class Meta:
        model = Project
        fields = "__all__"
        widgets = {
            "aliases": forms.Textarea(attrs={"rows": 3, "cols": 40}),
            "description": forms.Textarea(attrs={"rows": 5, "cols": 80}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            for name in CHOSEN_ON_ADD:
                field = self.fields.get(name)
                if field is None:
                    continue
                field.required = True
                field.choices = [("", "---------"), *[c for c in field.choices if c[0] != ""]]
                if name not in (kwargs.get("initial") or {}):  # ?stage=new in the add link still presets it
                    self.initial[name] = ""


@admin.register(Project)
class ProjectAdmin(ProjectSheetAdminMixin, LibraryImportAdminMixin, HistoryAdmin):
    form = ProjectForm
    change_form_template = "admin/projects/project/change_form.html"
    list_display = ("name", "category", "stage", "zone_link", "lead_unit_link", "total_investment_yi",
                    "standing", "leader_links", "programme_labels", "source_count")
    list_filter = (
        "stage",
        "category",
        "zone",
        "key_level",
        ("lead_unit", admin.RelatedOnlyFieldListFilter),
        ("cooperating_units", admin.RelatedOnlyFieldListFilter),
        ("leaders", admin.RelatedOnlyFieldListFilter),
        "programmes",
        PlanYearFilter,
        "is_archived",
    )
    search_fields = ("name", "name_en", "aliases", "code")
    list_select_related = ("zone", "lead_unit")
    list_prefetch_related = ("leaders", "programmes")
    autocomplete_fields = ("zone", "lead_unit", "parent")
    filter_horizontal = ("leaders", "cooperating_units", "programmes")
    inlines = [AnnualPlanInline, MilestoneInline, SourceInline, ReminderInline]

    def related_histories(self, obj):
        """The project's History page also lists the changes of its annual plans, their revisions and
        its milestones (deleted ones included), each entry naming its record."""
        from django.utils.translation import gettext

        plans = AnnualPlan.history.filter(project_id=obj.pk)
        plan_years = dict(plans.values_list("id", "year").distinct())
        kinds = dict(MilestoneKind.choices)

        def plan_label(row):
            return f"{gettext('annual plan')} {row.year}"

        def revision_label(row):
            return gettext("plan revision of %(year)s, from month %(month)s") % {
                "year": plan_years.get(row.plan_id, "?"), "month": row.effective_month}

        def milestone_label(row):
            return "：".join(str(part) for part in (gettext("milestone"), kinds.get(row.kind, row.kind), row.name)
                            if part)

        def newest_first(rows):
            return rows.select_related("history_user", "history_user__profile").order_by("-history_date", "-history_id")

        return [
            (AnnualPlan, newest_first(plans), plan_label),
            (PlanRevision, newest_first(PlanRevision.history.filter(plan_id__in=list(plan_years))), revision_label),
            (Milestone, newest_first(Milestone.history.filter(project_id=obj.pk)), milestone_label),
        ]

    fieldsets = (
        (_("Identity"), {"fields": ("code", "name", "name_en", "aliases")}),
        (_("Classification"), {"fields": ("category", "zone", "stage", "key_level", "programmes", "is_archived")}),
        (_("Money and dates"), {"fields": ("total_investment", "planned_start", "planned_completion")}),
        (_("Responsibility"), {"fields": ("leaders", "lead_unit", "cooperating_units", "parent")}),
        (_("Description"), {"fields": ("description",)}),
        (_("Record"), {"fields": ("version", "created_at", "updated_at"), "classes": ("collapse",)}),
    )

    total_investment_yi = yi_column("total_investment", _("total investment"))

    def get_queryset_annotations(self):
        return {"source_count": Count("sources", distinct=True)}

    def get_changelist(self, request, **kwargs):
        """The changelist adds the standing of the latest month with accepted reports (light and
        completion rate, as the bulletin computes them) to its rows, in the same query."""
        from projects.choices import ReportStatus
        from projects.models import MonthlyReport
        from projects.querysets import with_light

        base = super().get_changelist(request, **kwargs)
        latest = (MonthlyReport.objects.filter(status=ReportStatus.ACCEPTED).order_by("-year", "-month")
                  .values_list("year", "month").first())

        class StandingChangeList(base):
            def get_queryset(self, request, exclude_parameters=None):
                queryset = super().get_queryset(request, exclude_parameters)
                return with_light(queryset, *latest) if latest else queryset

        return StandingChangeList

    @admin.display(description=_("latest month: light, completion"), ordering="completion_rate")
    def standing(self, obj):
        """The light and completion rate of the latest month, linking to the project sheet."""
        light = getattr(obj, "light", None)
        if light is None:
            return "-"
        from projects.choices import Light

        rate = obj.completion_rate
        text = f"{rate:,.2f}%" if rate is not None else "—"
        return format_html('<a href="{}" class="trk-standing"><span class="trk-badge trk-badge-{}" style="color:#fff;'
                           'padding:1px 6px;border-radius:3px;background:{}">{}</span> {}</a>',
                           reverse("admin:projects_project_sheet", args=[obj.pk]), light,
                           {"green": "#2e7d32", "yellow": "#b28704", "red": "#c62828"}[light],
                           Light(light).label, text)

    @admin.display(description=_("zone"), ordering="zone__name")
    def zone_link(self, obj):
        return admin_link(obj.zone)

    @admin.display(description=_("lead unit"), ordering="lead_unit__name")
    def lead_unit_link(self, obj):
        return admin_link(obj.lead_unit)

    # Pickers of the records a unit reporter writes offer its unit's projects only.
    REPORTER_PICKERS = {"monthlyreport", "problem", "milestone"}

    def get_search_results(self, request, queryset, search_term):
        """The searchable project pickers (autocomplete) of reports, problems and milestones offer
        a unit reporter its unit's projects (lead or cooperating), as the forms accept."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if (request.path == reverse("admin:autocomplete") and request.GET.get("field_name") == "project"
                and request.GET.get("model_name") in self.REPORTER_PICKERS and self._role(request) == Role.REPORTER):
            from projects.services.roles import unit_of

            unit = unit_of(request.user)
            queryset = (queryset.filter(pk__in=Project.objects.for_unit(unit).values("pk")) if unit
                        else queryset.none())
        return queryset, may_have_duplicates

    @admin.display(description=_("responsible leaders"))
    def leader_links(self, obj):
        return links(obj.leaders.all())

    @admin.display(description=_("programmes"))
    def programme_labels(self, obj):
        return ", ".join(f"{p.year} {p.label}" for p in obj.programmes.all()) or "-"

    @admin.display(description=_("sources"), ordering="source_count")
    def source_count(self, obj):
        return obj.source_count


class PlanRevisionInline(TrackerInline):
    model = PlanRevision
    fields = ("effective_month", "planned_investment", "reason", "revised_on", "revised_by")
    autocomplete_fields = ("revised_by",)


@admin.register(AnnualPlan)
class AnnualPlanAdmin(HistoryAdmin):
    list_display = ("project_link", "year", "planned_investment_yi", "draft", "revision_count", "target_excerpt",
                    "version")
    list_display_links = ("year",)
    list_filter = ("year", "is_draft", "project__stage", "project__category", "project__zone")
    search_fields = ("project__name", "project__name_en", "project__aliases", "target")
    list_select_related = ("project",)
    autocomplete_fields = ("project",)
    inlines = [PlanRevisionInline, SourceInline]
    fields = ("project", "year", "planned_investment", "target", "version")

    planned_investment_yi = yi_column("planned_investment", _("planned investment (baseline)"))

    def get_queryset_annotations(self):
        return {"revision_count_value": Count("revisions", distinct=True)}

    @admin.display(description=_("project"), ordering="project__name")
    def project_link(self, obj):
        return admin_link(obj.project)

    @admin.display(description=_("draft"), ordering="is_draft")
    def draft(self, obj):
        """A draft plan (not yet adopted) is marked 草案; an adopted one is not marked."""
        return state_badge(gettext("draft"), "warn") if obj.is_draft else ""

    @admin.display(description=_("revisions"), ordering="revision_count_value")
    def revision_count(self, obj):
        return obj.revision_count_value

    @admin.display(description=_("annual target"))
    def target_excerpt(self, obj):
        return Truncator(obj.target).chars(40) or "-"


@admin.register(PlanRevision)
class PlanRevisionAdmin(HistoryAdmin):
    list_display = ("plan_link", "effective_month", "planned_investment_yi", "revised_on", "revised_by",
                    "reason_excerpt")
    list_display_links = ("effective_month",)
    list_filter = ("plan__year", "effective_month")
    search_fields = ("plan__project__name", "plan__project__aliases", "reason")
    list_select_related = ("plan__project", "revised_by")
    autocomplete_fields = ("plan", "revised_by")

    planned_investment_yi = yi_column("planned_investment", _("revised planned investment"))

    @admin.display(description=_("annual plan"), ordering="plan__project__name")
    def plan_link(self, obj):
        return admin_link(obj.plan)

    @admin.display(description=_("reason"))
    def reason_excerpt(self, obj):
        return Truncator(obj.reason).chars(40)


@admin.register(Milestone)
class MilestoneAdmin(HistoryAdmin):
    reporter_writes = True  # a unit reporter keeps its projects' milestones, as in the API
    list_display = ("project_link", "kind", "name", "planned_date", "actual_date", "is_done")
    list_display_links = ("kind",)
    list_filter = ("kind", ("actual_date", admin.EmptyFieldListFilter), "planned_date", "project__zone")
    search_fields = ("project__name", "project__aliases", "name", "note")
    list_select_related = ("project",)
    autocomplete_fields = ("project",)
    date_hierarchy = "planned_date"
    inlines = [SourceInline]

    @admin.display(description=_("project"), ordering="project__name")
    def project_link(self, obj):
        return admin_link(obj.project)

    @admin.display(description=_("reached"), ordering="actual_date")
    def is_done(self, obj):
        if obj.actual_date is not None:
            return state_badge(gettext("reached"), "good")
        if obj.planned_date is not None and obj.planned_date < timezone.localdate():
            return state_badge(gettext("overdue, not reached"), "bad")
        return state_badge(gettext("not yet due"), "neutral")


class SourceForm(ConstraintMessagesForm):
    class Meta:
        model = Source
        fields = ("document", "quote", "supports", "content_type", "object_id")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A source of a known record: what it supports picked by field name. A new source (its kind
        # of record not chosen yet) keeps the box for the codes.
        if self.instance.pk and self.instance.content_type_id:
            from projects.admin.supports import use_supports_field

            use_supports_field(self, self.instance.content_type.model_class())

    def clean(self):
        cleaned = super().clean()
        content_type, object_id = cleaned.get("content_type"), cleaned.get("object_id")
        if content_type and object_id is not None:
            if not content_type.model_class().objects.filter(pk=object_id).exists():
                self.add_error("object_id", _("There is no such record."))
        return cleaned


class DocumentFilter(admin.SimpleListFilter):
    """Sources by document, each named by its title and date rather than its file name."""

    title = _("document")
    parameter_name = "document"

    def lookups(self, request, model_admin):
        names = model_admin.get_queryset(request).order_by("document").values_list("document", flat=True).distinct()
        return [(name, document_title(name)) for name in names]

    def queryset(self, request, queryset):
        return queryset.filter(document=self.value()) if self.value() else queryset


@admin.register(Source)
class SourceAdmin(TrackerAdmin):
    form = SourceForm
    list_display = ("document_title", "quote_excerpt", "supports_labels", "content_type", "record_link")
    list_display_links = ("document_title",)
    list_filter = (DocumentFilter, ("content_type", admin.RelatedOnlyFieldListFilter))
    search_fields = ("document", "quote", "supports")
    list_select_related = ("content_type",)
    list_prefetch_related = ("record",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "content_type":
            kwargs["queryset"] = (ContentType.objects.filter(app_label="projects")
                                  .exclude(model__startswith="historical").order_by("model"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("quote"))
    def quote_excerpt(self, obj):
        return Truncator(obj.quote).chars(60)

    @admin.display(description=_("document"), ordering="document")
    def document_title(self, obj):
        return document_title(obj.document)

    @admin.display(description=_("supports"), ordering="supports")
    def supports_labels(self, obj):
        return supports_labels(obj.supports, obj.content_type.model_class())

    @admin.display(description=_("record"))
    def record_link(self, obj):
        record = obj.record
        if record is None:
            return "-"
        return admin_link(record)


@admin.register(Profile)
class ProfileAdmin(TrackerAdmin):
    """Roles and units of the accounts: the project office's business only (the role table's
    "profiles" row)."""

    list_display = ("user_link", "role", "unit_link")
    list_filter = ("role", ("unit", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "user__first_name", "user__last_name", "unit__name")
    list_select_related = ("user", "unit")
    autocomplete_fields = ("user", "unit")

    @admin.display(description=_("user"), ordering="user__username")
    def user_link(self, obj):
        return admin_link(obj.user, obj.user.get_username())

    @admin.display(description=_("unit"), ordering="unit__name")
    def unit_link(self, obj):
        return admin_link(obj.unit)


class ProfileInline(admin.StackedInline):
    model = Profile
    form = ConstraintMessagesForm
    can_delete = False
    autocomplete_fields = ("unit",)
    verbose_name_plural = _("profile")


def translated_permissions(formfield):
    """A permission picker listing permissions in the current language (projects.third_party)."""
    from projects.third_party import permission_label

    if formfield is not None and formfield.queryset.model is Permission:
        formfield.queryset = formfield.queryset.select_related("content_type")
        formfield.label_from_instance = permission_label
    return formfield


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    """Django's groups, with the permissions listed in the current language."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return translated_permissions(super().formfield_for_manytomany(db_field, request, **kwargs))


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """The auth User admin, with the tracker profile (role and unit) inline."""

    inlines = [ProfileInline]
    list_display = ("username", "first_name", "last_name", "role", "unit", "is_staff", "is_active")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return translated_permissions(super().formfield_for_manytomany(db_field, request, **kwargs))
    list_filter = BaseUserAdmin.list_filter + ("profile__role",)
    list_select_related = ("profile__unit",)

    @admin.display(description=_("role"), ordering="profile__role")
    def role(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.get_role_display() if profile else "-"

    @admin.display(description=_("unit"), ordering="profile__unit__name")
    def unit(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.unit if profile and profile.unit else "-"

