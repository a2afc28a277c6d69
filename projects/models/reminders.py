"""Reminders (催报、督办): every reminder the tracker sent, or tried to send, to one recipient."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.choices import ReminderChannel, ReminderKind, ReminderStatus
from projects.models.library import Leader, Project, Unit
from projects.models.tracking import MonthlyReport, Problem, Review


class Reminder(models.Model):
    """One reminder to one recipient (a unit or a leader) over one channel (e-mail, a group robot):
    a report due or overdue, a problem near or past its deadline, a review not scored.

    `key` (kind, object, period, channel, recipient) is unique: `manage.py send_reminders` never
    sends the same reminder twice; a failed one is retried on its next run. `period` is the
    report's month (2013-10), the problem's deadline or the review's date, so that a new month or a
    new deadline is a new reminder."""

    key = models.CharField(_("key"), max_length=200, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    period = models.CharField(_("period"), max_length=10,
                              help_text=_("The report's month, the problem's deadline or the review's date."))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, blank=True, related_name="reminders",
                                verbose_name=_("project"))
    report = models.ForeignKey(MonthlyReport, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="reminders", verbose_name=_("monthly report"))
    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, null=True, blank=True, related_name="reminders",
                                verbose_name=_("problem"))
    review = models.ForeignKey(Review, on_delete=models.PROTECT, null=True, blank=True, related_name="reminders",
                               verbose_name=_("quarterly review"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="reminders",
                             verbose_name=_("recipient unit"))
    leader = models.ForeignKey(Leader, on_delete=models.PROTECT, null=True, blank=True, related_name="reminders",
                               verbose_name=_("recipient leader"))
    channel = models.CharField(_("channel"), max_length=20, choices=ReminderChannel.choices)
    address = models.CharField(_("sent to"), max_length=254, blank=True,
                               help_text=_("The e-mail address, or the robot's host (its key is not stored)."))
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ReminderStatus.choices,
                              default=ReminderStatus.PENDING)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("first tried at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(leader__isnull=True)) | (Q(unit__isnull=True) & Q(leader__isnull=False)),
                name="%(app_label)s_%(class)s_one_recipient",
                violation_error_message=_("A reminder goes to a unit or to a leader."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period} → {self.unit or self.leader}"
