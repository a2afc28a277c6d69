"""The admin's audit trail, optimistic locking and archive rules, mixed into every ModelAdmin of
the tracker (TrackerAdmin and RoleAdmin derive from AuditAdminMixin).

- History: the "History" button of every change form opens the object's versions, newest first:
  who, when, why (修改原因) and what changed (field: old → new, diffed by simple-history).
- Change reason: every change form has an optional 修改原因 field, stored on the history rows the
  save creates.
- No lost updates: the change form of a project, plan, report or problem carries the version it was
  loaded with (hidden). If someone saved the record meanwhile, the save is refused with a form error
  listing what changed (field, value you loaded → current value, who, when); nothing is stored.
- Archive instead of delete: a project, unit or leader that others depend on cannot be deleted (the
  delete page says so and points to the archive action); archive / unarchive actions; changelists
  show active records by default, with a filter for the archived ones.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.choices import Role
from projects.exceptions import DomainError
from projects.permissions import sees_history_users
from projects.history import REASON_MAX_LENGTH, frozen_message, change_reason, history_entries, object_history, with_previous
from projects.locking import StaleVersion, check_version, describe, is_versioned
from projects.models.library import Archivable
from projects.services.archive import delete_refusal, set_archived

REASON_FIELD = "change_reason"
VERSION_FIELD = "loaded_version"
HISTORY_PER_PAGE = 50


class ArchivedFilter(admin.SimpleListFilter):
    """Active records by default; archived ones, or all, on request."""

    title = gettext_lazy("archived")
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Archived")), ("all", gettext_lazy("All"))]

    def choices(self, changelist):
        yield {"selected": self.value() is None, "query_string": changelist.get_query_string(remove=[self.parameter_name]),
               "display": _("Active")}
        for value, label in self.lookup_choices:
            yield {"selected": self.value() == value,
                   "query_string": changelist.get_query_string({self.parameter_name: value}), "display": label}

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(is_archived=True)
        if self.value() == "all":
            return queryset
        return queryset.filter(is_archived=False)


class AuditFormMixin(forms.Form):
    """The change reason and, for versioned records, the version the form was loaded with."""

    change_reason = forms.CharField(
        label=gettext_lazy("Change reason"), required=False, max_length=REASON_MAX_LENGTH,
        help_text=gettext_lazy("Optional: why you make this change. It is kept in the history."))

    def clean(self):
        cleaned = super().clean()
        loaded = self.cleaned_data.get(VERSION_FIELD)
        instance = self.instance
        frozen = instance.pk is not None and frozen_message(instance)
        if frozen:
            self.add_error(None, frozen)
            return cleaned
        if VERSION_FIELD in self.fields and instance.pk is not None and loaded is not None:
            try:
                # Locks the row until the admin's transaction ends, so nobody saves in between.
                check_version(type(instance), instance.pk, loaded)
            except StaleVersion as stale:
                self.add_error(None, [stale.messages[0], *[describe(change) for change in stale.changes]])
            else:
                instance.expect_version(loaded)
        return cleaned


def audit_form(base, versioned):
    attrs = {}
    if versioned:
        attrs[VERSION_FIELD] = forms.IntegerField(widget=forms.HiddenInput, required=False,
                                                label=gettext_lazy("Loaded version"))
    return type(f"Audit{base.__name__}", (AuditFormMixin, base), attrs)


class AuditAdminMixin:
    """See the module docstring."""

    object_history_template = "admin/projects/history.html"

    # --- forms ---

    def _can_write(self, request, obj):
        return self.has_change_permission(request, obj) if obj is not None else self.has_add_permission(request)

    def _versioned_change(self, obj):
        return obj is not None and is_versioned(self.model)

    def get_form(self, request, obj=None, **kwargs):
        if self._can_write(request, obj):
            kwargs["form"] = audit_form(kwargs.get("form", self.form), self._versioned_change(obj))
        form = super().get_form(request, obj, **kwargs)
        if self._versioned_change(obj) and VERSION_FIELD in form.base_fields:
            form.base_fields[VERSION_FIELD].initial = obj.version
        return form

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if not self._can_write(request, obj):
            return fieldsets
        present = {name for _name, options in fieldsets for name in _flatten(options.get("fields", ()))}
        extra = [name for name in (REASON_FIELD, VERSION_FIELD) if name not in present
                 and (name == REASON_FIELD or self._versioned_change(obj))]
        if extra:
            fieldsets.append((_("Change reason"), {"fields": extra}))
        return fieldsets

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        reason = request.POST.get(REASON_FIELD, "") if request.method == "POST" else ""
        with change_reason(reason[:REASON_MAX_LENGTH]):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        try:
            super().save_model(request, obj, form, change)
        except StaleVersion as stale:  # a write slipped in after the form's check: never a 500
            raise PermissionDenied(stale.messages[0]) from None

    # --- archive instead of delete ---

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if issubclass(self.model, Archivable):
            filters = [ArchivedFilter if f == "is_archived" else f for f in filters]
            if ArchivedFilter not in filters:
                filters.append(ArchivedFilter)
        return filters

    def get_actions(self, request):
        actions = super().get_actions(request)
        if issubclass(self.model, Archivable) and self.has_change_permission(request):
            for name in ("archive_selected", "unarchive_selected"):
                func = getattr(type(self), name)
                actions[name] = (func, name, func.short_description)
        return actions

    def _set_archived(self, request, queryset, archived):
        done = 0
        for obj in queryset:
            try:
                set_archived(obj, user=request.user, archived=archived)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{obj}: {'; '.join(exc.messages)}", messages.ERROR)
        if done:
            message = _("%(count)d archived.") if archived else _("%(count)d brought back from the archive.")
            self.message_user(request, message % {"count": done}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Archive selected (they leave the lists, keep their history)"))
    def archive_selected(self, request, queryset):
        self._set_archived(request, queryset, True)

    @admin.action(description=gettext_lazy("Bring selected back from the archive"))
    def unarchive_selected(self, request, queryset):
        self._set_archived(request, queryset, False)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        refusals = [message for message in (delete_refusal(obj) for obj in objs) if message]
        if refusals:
            protected = list(protected) + refusals
            for message in refusals:
                self.message_user(request, message, messages.ERROR)
        return deleted, model_count, perms_needed, protected

    # --- history ---

    def related_histories(self, obj):
        """Histories shown with the object's own on its History page: [(model, history rows of
        that model, label(row))]; none by default (ProjectAdmin: its plans, revisions, milestones)."""
        return []

    def history_view(self, request, object_id, extra_context=None):
        model = self.model
        if not hasattr(model, "history"):
            return super().history_view(request, object_id, extra_context)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, model._meta, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        related = self.related_histories(obj)
        names = sees_history_users(request.user)
        if related:
            page, entries = merged_history(model, obj, related, request.GET.get("p"), names=names)
        else:
            paginator = Paginator(with_previous(object_history(model, obj.pk)), HISTORY_PER_PAGE)
            page = paginator.get_page(request.GET.get("p"))
            entries = humanize(model, history_entries(page.object_list, names=names))
        for entry in entries:  # the role as a person reads it, for the viewers who see no names
            if entry["user"] is not None and entry["user"]["role"]:
                entry["user"]["role_display"] = Role(entry["user"]["role"]).label
        opts = model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change history: %s") % obj,
            "subtitle": None,
            "entries": entries,
            "page_obj": page,
            "with_records": bool(related),
            "module_name": str(opts.verbose_name_plural).capitalize(),
            "object": obj,
            "opts": opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)


def merged_history(model, obj, related, page_number, *, names=True):
    """The History page of `obj` with the histories `related` to it, newest first, one page of
    HISTORY_PER_PAGE entries: each entry says which record it is about. Two queries per history
    (the dates of all its rows, then the page's rows with their predecessors), whatever the number
    of versions."""
    sources = [(model, object_history(model, obj.pk), None), *related]
    stamps = []
    for index, (_model, rows, _label) in enumerate(sources):
        stamps += [(date, history_id, index) for history_id, date in rows.values_list("history_id", "history_date")]
    stamps.sort(reverse=True)
    page = Paginator(stamps, HISTORY_PER_PAGE).get_page(page_number)
    wanted = {}
    for _date, history_id, index in page.object_list:
        wanted.setdefault(index, []).append(history_id)
    entries = []
    for index, ids in wanted.items():
        source_model, rows, label = sources[index]
        page_rows = list(with_previous(rows.filter(history_id__in=ids)))
        labels = {row.history_id: (label(row) if label else str(obj)) for row in page_rows}
        for entry in humanize(source_model, history_entries(page_rows, names=names)):
            entry["record"] = labels[entry["id"]]
            entry["own"] = index == 0
            entries.append(entry)
    entries.sort(key=lambda entry: (entry["date"], entry["id"]), reverse=True)
    return page, entries


def _flatten(fields):
    for item in fields:
        if isinstance(item, (list, tuple)):
            yield from item
        else:
            yield item


def humanize(model, entries):
    """Entries with values as a person reads them: choice labels, related records' names (one
    query per kind of related record, whatever the number of entries), yes/no."""
    fields = {f.name: f for f in [*model._meta.concrete_fields, *model._meta.many_to_many]}
    wanted = {}
    for entry in entries:
        for change in entry["changes"]:
            field = fields.get(change["field"])
            if isinstance(field, models.ForeignKey):
                wanted.setdefault(field, set()).update(v for v in (change["old"], change["new"]) if v is not None)
            elif isinstance(field, models.ManyToManyField):
                wanted.setdefault(field, set()).update(*(v for v in (change["old"], change["new"]) if v))
    names = {field: field.related_model._base_manager.in_bulk(ids) for field, ids in wanted.items()}
    for entry in entries:
        for change in entry["changes"]:
            field = fields.get(change["field"])
            for key in ("old", "new"):
                change[f"{key}_text"] = _text(field, change[key], names.get(field, {}))
    return entries


def _text(field, value, related):
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(field, models.ForeignKey):
        return str(related.get(value, value))
    if isinstance(field, models.ManyToManyField):
        return "、".join(str(related.get(member, member)) for member in value)
    if isinstance(field, models.BooleanField):
        return _("yes") if value else _("no")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DecimalField):
        from projects.templatetags.tracker_figures import wan

        return wan(value, field.decimal_places)  # 200,000.00, as the rest of the admin writes figures
    if isinstance(field, (models.DateTimeField, models.DateField)) and isinstance(value, str):
        # The diff carries ISO text (also the API's form); show it as the rest of the admin does.
        return _local_date(field, value)
    return str(value)


def _local_date(field, value):
    import datetime

    from django.utils import formats, timezone

    try:
        if isinstance(field, models.DateTimeField):
            moment = datetime.datetime.fromisoformat(value)
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return formats.date_format(moment, "DATETIME_FORMAT")
        return formats.date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
    except ValueError:
        return value
