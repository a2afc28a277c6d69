"""Site photos (形象进度照片) and documents attached to a monthly report or a problem.

Files live in Django's default storage (local MEDIA_ROOT, or S3-compatible object storage by
setting); they are checked and re-encoded by projects.services.attachments before they are stored,
and served only through a view that checks the reader's role (projects/media.py)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.choices import AttachmentKind

from projects.models.library import Project
from projects.models.tracking import MonthlyReport, Problem


def attachment_path(instance, filename):
    """attachments/<year>/<month>/<uuid>.<ext>: the stored name never contains the user's file name."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    now = instance.uploaded_at or timezone.now()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}.{ext}"


class Attachment(models.Model):
    """A photo of the site or a document, attached to one monthly report or one problem of a project."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="attachments",
                                verbose_name=_("project"))
    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="attachments", verbose_name=_("monthly report"))
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="attachments", verbose_name=_("problem"))
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=attachment_path, max_length=200, blank=True)
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width (px)"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height (px)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256 of the stored file"), max_length=64)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("uploaded by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("photos and documents")
        ordering = ["project", "-uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(report__isnull=False) & Q(problem__isnull=True))
                | (Q(report__isnull=True) & Q(problem__isnull=False)),
                name="%(app_label)s_%(class)s_one_owner",
                violation_error_message=_("An attachment belongs to one monthly report or one problem."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AttachmentKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
                violation_error_message=_("Unknown kind of attachment."),
            ),
        ]

    def __str__(self):
        return self.caption or self.original_name

    @property
    def is_photo(self):
        return self.kind == AttachmentKind.PHOTO
