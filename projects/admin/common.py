"""Pieces the admin screens of the library and of the mechanism share: money in 亿元, links between
records, the sources inline, and a base ModelAdmin whose changelist never runs a query per row."""

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.forms.models import BaseInlineFormSet
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from projects.admin.history import AuditAdminMixin
from projects.choices import Role
from projects.models import Project, Source

admin.site.site_header = _("Jiefang District Major Project Tracker")
admin.site.site_title = _("Jiefang District Major Project Tracker")
admin.site.index_title = _("Project library and tracking")

WAN_PER_YI = Decimal("10000")
CENT = Decimal("0.01")

# Fields every admin shows but nobody edits by hand.
BOOKKEEPING_FIELDS = ("version", "created_at", "updated_at")


def format_yi(wan):
    """A sum in 万元 written as people read it: in 亿元 on a Chinese page (200000 → "20.00 亿元"); on
    an English page in billions from a billion yuan up ("2.00 billion yuan") and in millions below
    (12000 万元 = 1.2 亿 → "120 million yuan"). "-" for None."""
    from projects.models.library import localized_name

    if wan is None:
        return "-"
    wan = Decimal(wan)
    if localized_name("zh", "en") == "zh":
        amount = (wan / WAN_PER_YI).quantize(CENT, ROUND_HALF_UP)
        return gettext("%(amount)s hundred million yuan") % {"amount": f"{amount:,.2f}"}
    yuan = wan * Decimal("10000")
    if abs(yuan) >= Decimal("1e9"):
        amount = (yuan / Decimal("1e9")).quantize(CENT, ROUND_HALF_UP)
        return gettext("%(amount)s billion yuan") % {"amount": f"{amount:,.2f}"}
    millions = f"{(yuan / Decimal('1e6')).quantize(CENT, ROUND_HALF_UP):,.2f}".rstrip("0").rstrip(".")
    return gettext("%(amount)s million yuan") % {"amount": millions}


def _figures_with_separators():
    """The admin writes a stored decimal (万元, rates, scores) in changelist cells and read-only
    fields through django.contrib.admin.utils.display_for_field, which groups digits only where the
    locale does (zh-hans never: 14000.00). Both places that call it write the tracker's one figure
    format instead (tracker_figures.wan: 14,000.00, with the field's decimal places); every other
    value is left to Django."""
    from django.contrib.admin import helpers
    from django.contrib.admin.templatetags import admin_list
    from django.contrib.admin.utils import display_for_field

    from projects.templatetags.tracker_figures import wan

    def display(value, field, empty_value_display, avoid_link=False):
        if (isinstance(field, models.DecimalField) and not getattr(field, "flatchoices", None)
                and value not in field.empty_values):
            return wan(value, field.decimal_places)
        return display_for_field(value, field, empty_value_display, avoid_link)

    display.tracker_figures = True
    for module in (helpers, admin_list):
        if not getattr(module.display_for_field, "tracker_figures", False):
            module.display_for_field = display


_figures_with_separators()

# Colours of a state badge by what the state means for the project office.
STATE_TONES = {"bad": "#c62828", "warn": "#b26a00", "good": "#2e7d32", "neutral": "#616161"}


def state_badge(text, tone="neutral"):
    """A state written as a word on a coloured badge whose colour means what the word says (red:
    something is wrong; amber: look at it; green: good; grey: plain fact), instead of a tick or a
    cross that reads backwards for states such as 已逾期. Empty text gives an empty cell."""
    if not text:
        return ""
    return format_html('<span class="trk-state trk-state-{}" style="color:#fff;background:{};padding:1px 6px;'
                       'border-radius:3px;white-space:nowrap">{}</span>', tone, STATE_TONES[tone], text)


def yi_column(field, description):
    """A changelist column showing the 万元 `field` (a model field or an annotation) in 亿元,
    sortable by the field. Assign it in a ModelAdmin's body: `total_yi = yi_column(...)`."""

    @admin.display(description=description, ordering=field)
    def column(self, obj):
        return format_yi(getattr(obj, field))

    column.__name__ = f"{field}_yi"
    return column


def admin_url(obj, view="change"):
    """The admin URL of `obj`'s change page, or None when its model has no admin."""
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])
    except NoReverseMatch:
        return None


def admin_link(obj, text=None):
    """A link to `obj`'s change page; "-" for None."""
    if obj is None:
        return "-"
    url = admin_url(obj)
    if url is None:
        return str(text or obj)
    return format_html('<a href="{}">{}</a>', url, text or obj)


def changelist_link(model, text, **params):
    """A link to `model`'s changelist filtered by `params` (lookup=value)."""
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(params), text)


def in_page_language(data):
    """Rows computed by the services (dataclasses and dicts, in lists and dicts, nested) with each
    `project_name` in the page's language: a project's English name on an English page where it
    has one (Project.display_name). Returns copies, the services' objects untouched; on a Chinese
    page `data` itself. One query, on English pages only."""
    import dataclasses

    from projects.models.library import localized_name

    if localized_name("zh", "en") == "zh":
        return data
    ids = set()

    def collect(value):
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        if isinstance(value, dict):
            if value.get("project_id") is not None and "project_name" in value:
                ids.add(value["project_id"])
            for item in value.values():
                collect(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                collect(item)

    collect(data)
    names = dict(Project.objects.filter(pk__in=ids).exclude(name_en="").values_list("pk", "name_en"))

    def rename(value):
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: rename(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
            if changes.get("project_id") in names and "project_name" in changes:
                changes["project_name"] = names[changes["project_id"]]
            return dataclasses.replace(value, **changes)
        if isinstance(value, dict):
            copy = {key: rename(item) for key, item in value.items()}
            if copy.get("project_id") in names and "project_name" in copy:
                copy["project_name"] = names[copy["project_id"]]
            return copy
        if isinstance(value, list):
            return [rename(item) for item in value]
        if isinstance(value, tuple) and not hasattr(value, "_fields"):
            return tuple(rename(item) for item in value)
        return value

    return rename(data) if names else data


def project_count_text(count):
    """ "12 projects" / "12 个项目"."""
    return ngettext("%(count)d project", "%(count)d projects", count) % {"count": count}


def _referenced_fields(condition):
    """Names of the model fields a CheckConstraint's condition mentions."""
    names = set()
    for child in condition.children:
        if isinstance(child, Q):
            names |= _referenced_fields(child)
        else:
            lookup, value = child
            names.add(lookup.split("__")[0])
            if isinstance(value, F):
                names.add(value.name.split("__")[0])
    return names


class ConstraintMessagesForm(forms.ModelForm):
    """Shows a check constraint's own message even when a field validator already refused the
    value: a clerk entering −5 for an investment reads "The total investment cannot be negative."
    rather than only "Ensure this value is greater than or equal to 0."

    Django skips a constraint whose field has an error; this runs such constraints once more
    against the values the form accepted and puts their messages on the field."""

    def _post_clean(self):
        # Before the model's validation: fields the form itself refused, and those not on it.
        exclude = self._get_validation_exclusions()
        form_errors = set(self._errors or ())
        super()._post_clean()
        model_errors = set(self._errors) - form_errors - {NON_FIELD_ERRORS}
        if not model_errors:
            return
        model = self._meta.model
        for constraint in model._meta.constraints:
            if not isinstance(constraint, models.CheckConstraint):
                continue
            fields = _referenced_fields(constraint.condition)
            if not fields & model_errors or fields & exclude:
                continue
            try:
                constraint.validate(model, self.instance, exclude=exclude)
            except ValidationError as error:
                target = sorted(fields & model_errors)[0]
                for message in error.messages:
                    if message not in self._errors[target]:
                        self._errors[target].append(message)


class ConstraintMessagesFormSet(BaseInlineFormSet):
    """An inline formset that reports two rows clashing on a unique constraint with the
    constraint's own message ("This project already has a plan for that year.") instead of
    Django's "Please correct the duplicate data for year"."""

    def get_unique_error_message(self, unique_check):
        checked = set(unique_check) - {self.fk.name}
        for constraint in self.model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and set(constraint.fields) - {self.fk.name} == checked:
                return constraint.violation_error_message
        return super().get_unique_error_message(unique_check)


class TableAdminMixin:
    """The admin's permissions come from the role table (projects/permissions.py), as the API's and
    the services' do: every role reads; create, change and delete as the table says for the record
    (a reporter: its unit's records). Django's own model permissions grant nothing beyond it."""

    def _table_allows(self, request, op, obj=None):
        from projects.permissions import allows, resource_of_model

        resource = resource_of_model(self.model)
        return resource is not None and allows(request.user, resource.name, op, record=obj)

    def has_module_permission(self, request):
        return self._table_allows(request, "read")

    def has_view_permission(self, request, obj=None):
        return self._table_allows(request, "read")

    def has_add_permission(self, request, *args):
        return self._table_allows(request, "create")

    def has_change_permission(self, request, obj=None):
        return self._table_allows(request, "update", obj)

    def has_delete_permission(self, request, obj=None):
        from projects.history import frozen_message
        from projects.models.library import Archivable
        from projects.services.archive import delete_refusal

        # Published records and submitted or accepted reports: for every role (STATE_RULES). What others
        # depend on gets Django's "protected" page, which says to archive it instead.
        if obj is not None and (frozen_message(obj) or (not isinstance(obj, Archivable) and delete_refusal(obj))):
            return False
        return self._table_allows(request, "delete", obj)


class InlineRoleMixin(TableAdminMixin):
    """Inline rows follow the role table for their own model (the parent is not their record)."""

    def has_change_permission(self, request, obj=None):
        return self._table_allows(request, "update")

    def has_delete_permission(self, request, obj=None):
        return self._table_allows(request, "delete")


# Text boxes in a table row: the admin's own (48em wide) push a record's page past the screen.
ROW_TEXTAREA = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 36})}}


class TrackerInline(InlineRoleMixin, admin.TabularInline):
    """Base tabular inline: constraint messages on rows and between rows, no empty extra rows, text
    boxes that fit a row."""

    form = ConstraintMessagesForm
    formset = ConstraintMessagesFormSet
    extra = 0
    formfield_overrides = ROW_TEXTAREA


class LibraryRoleMixin(TableAdminMixin):
    """The library's screens follow the role table (projects/permissions.py) as the API does: every
    role reads; the project office adds, changes and deletes (deleting what others depend on is
    refused: archive it instead); where the table lets a unit reporter write (`reporter_writes`:
    milestones), it adds and changes the records of its unit's projects and chooses among them."""

    reporter_writes = False

    def _role(self, request):
        from projects.services.roles import role_of

        return role_of(request.user)

    def _reporter_project_ids(self, request):
        from projects.services.roles import unit_of

        if not hasattr(request, "_tracker_unit_project_ids"):
            unit = unit_of(request.user)
            request._tracker_unit_project_ids = (
                set(Project.objects.for_unit(unit).values_list("pk", flat=True)) if unit else set()
            )
        return request._tracker_unit_project_ids

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if self.reporter_writes and db_field.name == "project" and self._role(request) == Role.REPORTER:
            kwargs["queryset"] = Project.objects.filter(pk__in=self._reporter_project_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TrackerAdmin(LibraryRoleMixin, AuditAdminMixin, admin.ModelAdmin):
    """Base ModelAdmin of the tracker.

    - `list_prefetch_related`: many-to-many columns are prefetched, one query for all rows;
    - `get_queryset_annotations()`: counts and sums a changelist shows, computed in the same query;
    - bookkeeping fields (version, created_at, updated_at) are shown read-only;
    - forms show check constraints' own messages (ConstraintMessagesForm)."""

    form = ConstraintMessagesForm
    list_prefetch_related = ()
    list_per_page = 100

    def get_queryset_annotations(self):
        return {}

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        annotations = self.get_queryset_annotations()
        if annotations:
            qs = qs.annotate(**annotations)
            if not qs.query.order_by:
                # An aggregate annotation groups the rows, and a grouped query does not count the
                # model's default ordering as an order: the autocomplete pickers' pages would not be
                # stable (UnorderedObjectListWarning). Name the ordering explicitly.
                qs = qs.order_by(*(self.model._meta.ordering or ["pk"]))
        if self.list_prefetch_related:
            qs = qs.prefetch_related(*self.list_prefetch_related)
        return qs

    def get_list_display(self, request):
        """Records with an English name (zones, units, programmes, projects): Chinese pages list the
        Chinese name only; English pages add the English name next to it."""
        columns = list(super().get_list_display(request))
        if not any(field.name == "name_en" for field in self.model._meta.fields):
            return columns
        columns = [column for column in columns if column != "name_en"]
        language = (translation.get_language() or "zh-hans").lower()
        if not language.startswith("zh") and "name" in columns:
            columns.insert(columns.index("name") + 1, "name_en")
        return columns

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        model_fields = {f.name for f in self.model._meta.get_fields()}
        readonly += [name for name in BOOKKEEPING_FIELDS if name in model_fields and name not in readonly]
        return readonly


class HistoryAdmin(TrackerAdmin):
    """TrackerAdmin for models with a change log (django-simple-history). The History view with its
    diffs, the change reason and the version check come from AuditAdminMixin (admin/history.py);
    simple-history's revert-to-version form is not offered (it would bypass the version check)."""


class SourceInlineForm(ConstraintMessagesForm):
    """A source on its record's page: what it supports picked by field name (admin/supports.py)."""

    supported_model = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from projects.admin.supports import use_supports_field

        use_supports_field(self, self.supported_model)


class SourceInline(InlineRoleMixin, GenericTabularInline):
    """The sources (document and verbatim quote) behind a record's facts."""

    model = Source
    form = SourceInlineForm
    fields = ("document", "quote", "supports")
    readonly_fields = ("document_title", "supports_labels")
    extra = 0
    verbose_name = _("source")
    verbose_name_plural = _("sources")
    # Narrow enough for three columns in a 1440-px screen: each row's full document title and quote
    # stand above it (the row's heading), the picker may cut the title short.
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 34})}}

    def get_fields(self, request, obj=None):
        # Who may only read sees the document's title and the fields' names; who edits picks the
        # document by its title and the fields by their names.
        if self.has_change_permission(request, obj):
            return self.fields
        return ("document_title", "quote", "supports_labels")

    def get_formset(self, request, obj=None, **kwargs):
        form = type("SourceInlineForm", (self.form,), {"supported_model": self.parent_model})
        return super().get_formset(request, obj, form=form, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "document":
            from projects.documents import document_choices

            kwargs["widget"] = forms.Select(choices=document_choices(), attrs={"style": "max-width:18em"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("document"))
    def document_title(self, obj):
        from projects.documents import document_title

        return document_title(obj.document)

    @admin.display(description=_("fields supported"))
    def supports_labels(self, obj):
        from projects.documents import supports_labels

        return supports_labels(obj.supports, obj.content_type.model_class() if obj.content_type_id else None)


class ProjectCountMixin:
    """A changelist column "12 projects" linking to the project changelist filtered by this record.

    The ModelAdmin annotates `project_count` (see `project_count_annotation`) and names the
    project lookup in `project_lookup`, e.g. "zone__id__exact"."""

    project_lookup = None

    @admin.display(description=_("projects"), ordering="project_count")
    def project_count_link(self, obj):
        return changelist_link(Project, project_count_text(obj.project_count), **{self.project_lookup: obj.pk})
