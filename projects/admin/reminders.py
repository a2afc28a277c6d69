"""Reminders in the admin: the list of every reminder sent or tried (read-only), and the inline
that shows a record's reminders on the project, problem and review pages (and on the monthly
report page, as a list of the reminders of its project and month)."""

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from projects.admin.history import AuditAdminMixin
from projects.choices import ReminderKind, Role
from projects.models import Project, Reminder
from projects.services.roles import role_of, unit_of

REMINDER_FIELDS = ("created_at", "kind", "period", "unit", "leader", "channel", "address", "status", "attempts",
                   "sent_at", "error")
REPORT_KINDS = (ReminderKind.REPORT_DUE, ReminderKind.REPORT_OVERDUE)


class ReadOnlyForRoles:
    """Every tracker role reads; nobody adds, changes or deletes (the reminders are a record)."""

    def has_view_permission(self, request, obj=None):
        return role_of(request.user) is not None or super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReminderInline(ReadOnlyForRoles, admin.TabularInline):
    model = Reminder
    fields = REMINDER_FIELDS
    readonly_fields = REMINDER_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("reminders sent")

    def has_view_permission(self, request, obj=None):
        """Not on an add page (nothing was sent yet; the add form would need the inline's formset)."""
        return obj is not None and super().has_view_permission(request, obj)

    def get_queryset(self, request):
        # Not super()'s: it asks has_view_permission without the parent object, which is False
        # above; the inline is only shown where the parent page granted it.
        return Reminder.objects.select_related("unit", "leader").order_by("-created_at", "-id")


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyForRoles, AuditAdminMixin, admin.ModelAdmin):
    """A unit reporter sees its unit's reminders and those of its unit's projects."""

    list_display = ("created_at", "kind", "period", "project", "problem", "review", "unit", "leader", "channel",
                    "address", "status", "attempts")
    list_filter = ("kind", "channel", "status", "period")
    list_select_related = ("project", "problem", "review", "unit", "leader")
    search_fields = ("message", "address", "project__name", "problem__title", "unit__name", "leader__name")
    date_hierarchy = "created_at"
    fields = ("kind", "period", "project", "report", "problem", "review", "unit", "leader", "channel", "address",
              "status", "attempts", "error", "created_at", "sent_at", "message", "key")
    readonly_fields = fields

    def has_module_permission(self, request):
        return role_of(request.user) is not None or super().has_module_permission(request)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if role_of(request.user) != Role.REPORTER:
            return queryset
        unit = unit_of(request.user)
        if unit is None:
            return queryset.none()
        return queryset.filter(Q(unit=unit) | Q(project__in=Project.objects.for_unit(unit).values("pk")))


def report_reminders(report):
    """The reminders of a monthly report's project and month, as an admin field's HTML."""
    if report is None or report.pk is None:
        return "-"
    reminders = (Reminder.objects.filter(project=report.project_id, period=f"{report.year}-{report.month:02d}",
                                         kind__in=REPORT_KINDS).select_related("unit").order_by("created_at", "id"))
    if not reminders:
        return "-"
    return format_html_join(
        "", "<div>{} {} → {} ({}): {}</div>",
        ((timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"), r.get_kind_display(), r.unit, r.get_channel_display(),
          r.get_status_display()) for r in reminders))
