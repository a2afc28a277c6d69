"""Serving uploaded photos and documents: never from a public MEDIA_URL, always through this view,
which checks that the reader is logged in and has a tracker role (every role reads, as the role
table in projects/permissions.py says). The bytes come through Django's storage API, so the same
view serves local files and objects of an S3 bucket."""

from urllib.parse import quote

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path

from projects.models import Attachment
from projects.services.roles import role_of


def attachment_response(attachment, *, thumbnail=False, download=False):
    """A streamed response with the attachment's bytes (or its thumbnail's), safe headers included:
    the stored content type, nosniff, and a document always as a download, never rendered."""
    field = attachment.thumbnail if thumbnail else attachment.file
    if not field:
        raise Http404
    try:
        handle = field.storage.open(field.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    content_type = "image/jpeg" if thumbnail else attachment.content_type
    response = FileResponse(handle, content_type=content_type)
    inline = attachment.is_photo and not download
    filename = attachment.original_name if not thumbnail else f"thumb-{attachment.pk}.jpg"
    response["Content-Disposition"] = (
        f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(filename)}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _serve(request, pk, thumbnail):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if role_of(request.user) is None:
        raise PermissionDenied
    attachment = get_object_or_404(Attachment, pk=pk)
    return attachment_response(attachment, thumbnail=thumbnail, download="download" in request.GET)


def attachment_file(request, pk):
    return _serve(request, pk, thumbnail=False)


def attachment_thumbnail(request, pk):
    return _serve(request, pk, thumbnail=True)


urlpatterns = [
    path("<int:pk>/", attachment_file, name="attachment_file"),
    path("<int:pk>/thumbnail/", attachment_thumbnail, name="attachment_thumbnail"),
]
