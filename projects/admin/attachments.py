"""The read-only inline with thumbnails that every monthly report and problem shows, with a link to
the upload page (projects/admin/uploads.py)."""

from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from projects.models import Attachment
from projects.services.roles import role_of


def thumbnail_tag(attachment, size=80):
    """The photo's thumbnail linking to the full photo, or a link to the document."""
    url = reverse("attachment_file", args=[attachment.pk])
    if attachment.thumbnail:
        return format_html('<a href="{}" target="_blank"><img src="{}" alt="{}" loading="lazy" '
                           'style="max-width:{}px;max-height:{}px;border:1px solid #ccc"></a>', url,
                           reverse("attachment_thumbnail", args=[attachment.pk]), attachment.caption or
                           attachment.original_name, size, size)
    return format_html('<a href="{}">{}</a>', url, attachment.original_name)


class AttachmentInline(admin.TabularInline):
    """Read-only rows with thumbnails; new ones are added on the upload page (linked below the rows)."""

    model = Attachment
    extra = 0
    fields = ["preview", "caption", "kind", "size_text", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    can_delete = False
    template = "admin/projects/attachment/inline.html"
    verbose_name_plural = _("site photos and documents")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=_("photo / file"))
    def preview(self, obj):
        return thumbnail_tag(obj)

    @admin.display(description=_("size"))
    def size_text(self, obj):
        return filesizeformat(obj.size)

    def has_view_permission(self, request, obj=None):
        return role_of(request.user) is not None or super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReportAttachmentInline(AttachmentInline):
    fk_name = "report"


class ProblemAttachmentInline(AttachmentInline):
    fk_name = "problem"

