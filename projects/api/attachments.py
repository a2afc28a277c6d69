"""Photos and documents through the API: `POST /api/attachments/` (multipart: file, report or
problem, caption), lists filtered by report / problem / project / kind, `GET …/{id}/download/`
and `…/{id}/thumbnail/`, `DELETE …/{id}/`. Checks and storage are projects.services.attachments."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.reverse import reverse

from projects.api.audit import AuditMixin, check_preconditions
from projects.api.views import LookupMixin
from projects.filtersets import FilterSet, IntegerFilter
from projects.media import attachment_response
from projects.models import Attachment, MonthlyReport, Problem
from projects.services.attachments import DOCUMENT_TYPES, IMAGE_FORMATS, attachment_add, attachment_delete

# What a download answers: the stored file's own type (a photo re-encoded, a document as sent).
STORED_TYPES = sorted({content_type for _extension, content_type in IMAGE_FORMATS.values()}
                      | {content_type for content_type, _magic in DOCUMENT_TYPES.values()})


class AttachmentFilterSet(FilterSet):
    year = IntegerFilter(field_name="report__year", label=_("Year of the report"))
    month = IntegerFilter(field_name="report__month", label=_("Month of the report"))

    class Meta:
        model = Attachment
        fields = ["project", "report", "problem", "kind"]


class AttachmentSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True, help_text=_(
        "A JPEG, PNG or WebP photo (re-encoded without EXIF) or a pdf, docx, xlsx, pptx, doc or xls document."))
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    download_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "project", "report", "problem", "kind", "kind_display", "caption", "file", "original_name",
                  "content_type", "size", "width", "height", "sha256", "uploaded_at", "uploaded_by",
                  "download_url", "thumbnail_url"]
        read_only_fields = ["project", "kind", "original_name", "content_type", "size", "width", "height", "sha256",
                            "uploaded_at", "uploaded_by"]
        extra_kwargs = {"report": {"queryset": MonthlyReport.objects.all()},
                        "problem": {"queryset": Problem.objects.all()}}

    def validate(self, attrs):
        if (attrs.get("report") is None) == (attrs.get("problem") is None):
            raise serializers.ValidationError(
                {"report": _("Give either a monthly report or a problem.")}, code="owner")
        return attrs

    def _url(self, obj, name):
        return reverse(f"api:attachment-{name}", args=[obj.pk], request=self.context.get("request"))

    def get_download_url(self, obj) -> str:
        return self._url(obj, "download")

    def get_thumbnail_url(self, obj) -> str | None:
        return self._url(obj, "thumbnail") if obj.thumbnail else None


class AttachmentViewSet(LookupMixin, AuditMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Site photos (形象进度照片) and documents of monthly reports and problems.

    Every role reads; office staff attach and delete anywhere, a unit reporter on its unit's projects
    (and on problems its unit is responsible for); see projects/permissions.py."""

    queryset = Attachment.objects.select_related("project").order_by("-uploaded_at", "-id")
    serializer_class = AttachmentSerializer
    filterset_class = AttachmentFilterSet
    resource = "attachments"  # the role table's row (projects/permissions.py)
    parser_classes = [MultiPartParser]  # uploads only; the size limit is the service's

    def perform_create(self, serializer):
        data = serializer.validated_data
        with transaction.atomic():
            serializer.instance = attachment_add(user=self.request.user, file=data["file"],
                                                 report=data.get("report"), problem=data.get("problem"),
                                                 caption=data.get("caption", ""))

    def perform_destroy(self, instance):
        check_preconditions(self.request, Attachment, instance)  # no version: If-Match other than * → 412
        attachment_delete(attachment=instance, user=self.request.user)

    @extend_schema(responses={(200, content_type): OpenApiTypes.BINARY for content_type in STORED_TYPES})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The stored file: a photo as re-encoded, a document as sent."""
        return attachment_response(self.get_object(), download=True)

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def thumbnail(self, request, pk=None):
        """A photo's JPEG thumbnail (404 for a document)."""
        return attachment_response(self.get_object(), thumbnail=True)

