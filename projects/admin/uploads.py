"""Photos and documents in the admin: a list with thumbnails and an upload page; uploads are checked
and stored by projects.services.attachments."""

from django import forms
from django.contrib import admin
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.admin.attachments import thumbnail_tag
from projects.admin.common import admin_link
from projects.admin.tracking import ServiceFormAdmin, UnitScopedMixin
from projects.choices import Role
from projects.models import Attachment
from projects.services.attachments import attachment_add, attachment_delete, can_attach
from projects.services.roles import role_of


class AttachmentForm(forms.ModelForm):
    upload = forms.FileField(label=gettext_lazy("file"), help_text=gettext_lazy(
        "A photo (JPEG, PNG or WebP; stored without its EXIF data) or a document (pdf, docx, xlsx, pptx, doc, xls)."))

    class Meta:
        model = Attachment
        fields = ["report", "problem", "caption"]


@admin.register(Attachment)
class AttachmentAdmin(UnitScopedMixin, ServiceFormAdmin):
    writer_roles = (Role.OFFICE, Role.REPORTER)
    responsible_unit_field = "problem__responsible_unit"
    form = AttachmentForm
    list_display = ["preview", "name", "project", "owner", "kind", "size_text", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "report__year", "report__month"]
    list_select_related = ["project", "report__project", "problem", "uploaded_by"]
    search_fields = ["caption", "original_name", "project__name"]
    raw_id_fields = ["report", "problem"]
    readonly_fields = ["preview", "project", "kind", "original_name", "content_type", "size_text", "width",
                       "height", "sha256", "uploaded_by", "uploaded_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["report", "problem", "upload", "caption"]
        return ["preview", "project", "report", "problem", "caption", *self.readonly_fields[1:]]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "report", "problem", "caption"] if obj else []

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return role_of(request.user) in self.writer_roles
        return can_attach(request.user, project=obj.project, problem=obj.problem)

    def save_via_service(self, request, form, obj):
        data = form.cleaned_data
        return attachment_add(user=request.user, file=data["upload"], report=data.get("report"),
                              problem=data.get("problem"), caption=data.get("caption", ""))

    def delete_model(self, request, obj):
        attachment_delete(attachment=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            attachment_delete(attachment=obj, user=request.user)

    def response_add(self, request, obj, post_url_continue=None):
        owner = obj.report or obj.problem
        self.message_user(request, _("Attached to %(owner)s.") % {"owner": owner})
        if "_addanother" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        return HttpResponseRedirect(reverse(f"admin:projects_{owner._meta.model_name}_change", args=[owner.pk]))

    @admin.display(description=gettext_lazy("photo / file"))
    def preview(self, obj):
        return thumbnail_tag(obj, size=120 if obj.pk else 80)

    @admin.display(description=gettext_lazy("name"), ordering="original_name")
    def name(self, obj):
        return obj.caption or obj.original_name

    @admin.display(description=gettext_lazy("attached to"))
    def owner(self, obj):
        return admin_link(obj.report or obj.problem)

    @admin.display(description=gettext_lazy("size"), ordering="size")
    def size_text(self, obj):
        return filesizeformat(obj.size)
