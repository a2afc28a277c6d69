"""Site photos (形象进度照片) and documents of monthly reports and problems.

Every upload is checked before anything is stored:
- at most TRACKER_MAX_UPLOAD_BYTES;
- a photo must be a real JPEG, PNG or WebP image (Pillow opens and decodes it), of at most
  TRACKER_MAX_IMAGE_PIXELS pixels (checked from the header, before decoding: a decompression bomb
  is refused without being expanded); it is stored re-encoded, turned upright and without its
  EXIF, XMP and comment (a phone's photo carries the GPS position and the camera's serial), with a JPEG
  thumbnail of at most TRACKER_THUMBNAIL_PX pixels a side;
- any other file must be one of DOCUMENT_TYPES, recognised by its first bytes as well as its name.

Files go to Django's default storage (STORAGES["default"]: local MEDIA_ROOT or S3)."""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from projects.choices import AttachmentKind, Role
from projects.exceptions import DomainError, NotAllowed
from projects.models import Attachment
from projects.services.roles import can_write_for_project, role_of, unit_of
from projects.services.validation import clean_or_raise

# Pillow format -> (extension, content type) of the stored photo.
IMAGE_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
# Pillow's name for a JPEG that embeds further images after the first (a depth map, a large preview:
# many phones and cameras write them): an ordinary .jpg to the user. Its first image is stored as JPEG.
SAME_AS = {"MPO": "JPEG"}
IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff", "heic", "heif"}

# Documents: extension -> (content type, the bytes such a file starts with).
ZIP, OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCUMENT_TYPES = {
    "pdf": ("application/pdf", b"%PDF-"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ZIP),
    "doc": ("application/msword", OLE),
    "xls": ("application/vnd.ms-excel", OLE),
}


@dataclass
class CheckedFile:
    """An upload that passed the checks, as it will be stored."""

    kind: str
    content: bytes
    extension: str
    content_type: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


def _extension(name):
    return name.rsplit(".", 1)[-1].lower() if "." in (name or "") else ""


def _read_bounded(upload):
    limit = settings.TRACKER_MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise DomainError(_("The file is larger than the limit of %(limit)s.") % {"limit": filesizeformat(limit)},
                          field="file", code="too_large")
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise DomainError(_("The file is larger than the limit of %(limit)s.") % {"limit": filesizeformat(limit)},
                          field="file", code="too_large")
    if not data:
        raise DomainError(_("The file is empty."), field="file", code="empty")
    return data


def _encode(image, fmt):
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        # No exif= or xmp= argument: EXIF and XMP are dropped. Pillow would copy the comment (COM
        # segment: an author, a place, the camera's words) from image.info: comment=b"" writes none.
        image.save(out, "JPEG", quality=85, optimize=True, comment=b"")
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)  # text chunks and eXIf are not carried over
    else:
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def _thumbnail(image):
    side = settings.TRACKER_THUMBNAIL_PX
    thumb = image.copy()
    thumb.thumbnail((side, side))
    if thumb.mode not in ("RGB", "L"):
        background = Image.new("RGB", thumb.size, "white")
        background.paste(thumb, mask=thumb.convert("RGBA").split()[-1])
        thumb = background
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80, optimize=True, comment=b"")  # as in _encode: no comment
    return out.getvalue()


def check_image(data):
    """A real image within the pixel limit, re-encoded without EXIF, with its thumbnail."""
    not_image = DomainError(_("The file is not a JPEG, PNG or WebP image, or it is damaged."),
                            field="file", code="not_image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            fmt = SAME_AS.get(image.format, image.format)
            if fmt not in IMAGE_FORMATS:
                raise not_image
            width, height = image.size
            limit = settings.TRACKER_MAX_IMAGE_PIXELS
            if width * height > limit:
                raise DomainError(
                    _("The image has %(pixels)s pixels, more than the limit of %(limit)s.")
                    % {"pixels": f"{width * height:,}", "limit": f"{limit:,}"}, field="file", code="too_many_pixels")
            image.load()  # the first frame only: the images an MPO embeds after it are not decoded
            image = ImageOps.exif_transpose(image)
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(_("The image is too large to decode safely."), field="file",
                          code="too_many_pixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise not_image from None
    extension, content_type = IMAGE_FORMATS[fmt]
    return CheckedFile(kind=AttachmentKind.PHOTO, content=_encode(image, fmt), extension=extension,
                       content_type=content_type, width=image.width, height=image.height,
                       thumbnail=_thumbnail(image))


def check_upload(upload):
    """Checks an uploaded file (a Django UploadedFile); returns what to store or raises DomainError."""
    data = _read_bounded(upload)
    extension = _extension(upload.name)
    if extension in IMAGE_EXTENSIONS:
        return check_image(data)
    if extension not in DOCUMENT_TYPES:
        allowed = ", ".join(sorted({"jpg", "png", "webp", *DOCUMENT_TYPES}))
        raise DomainError(_("Files of type .%(ext)s are not accepted; accepted types: %(allowed)s.")
                          % {"ext": extension or "?", "allowed": allowed}, field="file", code="file_type")
    content_type, magic = DOCUMENT_TYPES[extension]
    if not data.startswith(magic):
        raise DomainError(_("The file's content is not a .%(ext)s file.") % {"ext": extension},
                          field="file", code="file_type")
    return CheckedFile(kind=AttachmentKind.DOCUMENT, content=data, extension=extension, content_type=content_type)


def can_attach(user, *, project, problem=None):
    """Office staff; a reporter of the project's lead or cooperating unit (for a problem, also of
    its responsible unit)."""
    role = role_of(user)
    if role == Role.OFFICE:
        return True
    if role != Role.REPORTER:
        return False
    if can_write_for_project(user, project):
        return True
    return problem is not None and unit_of(user) is not None and problem.responsible_unit_id == unit_of(user).pk


def _require_attacher(user, project, problem=None):
    if not can_attach(user, project=project, problem=problem):
        if role_of(user) == Role.REPORTER:
            raise NotAllowed(_("Your unit is not responsible for this project."), code="wrong_unit")
        raise NotAllowed(_("Your role does not allow this."), code="wrong_role")


def _original_name(name):
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return name[:200] or "file"


@transaction.atomic
def attachment_add(*, user, file, report=None, problem=None, caption=""):
    """Attach a checked photo or document to a monthly report or a problem."""
    if (report is None) == (problem is None):
        raise DomainError(_("An attachment belongs to one monthly report or one problem."), code="owner")
    project = report.project if report is not None else problem.project
    _require_attacher(user, project, problem)
    checked = check_upload(file)
    attachment = Attachment(project=project, report=report, problem=problem, kind=checked.kind,
                            original_name=_original_name(file.name), content_type=checked.content_type,
                            size=len(checked.content), width=checked.width, height=checked.height,
                            sha256=hashlib.sha256(checked.content).hexdigest(), caption=caption or "",
                            uploaded_by=user if user and user.is_authenticated else None)
    stored = []
    try:
        attachment.file.save(f"upload.{checked.extension}", ContentFile(checked.content), save=False)
        stored.append(attachment.file.name)
        if checked.thumbnail is not None:
            attachment.thumbnail.save("thumb.jpg", ContentFile(checked.thumbnail), save=False)
            stored.append(attachment.thumbnail.name)
        clean_or_raise(attachment, exclude=["file", "thumbnail"])
        attachment.save()
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    # A rollback later in the caller's transaction would leave the stored files without a row:
    # harmless (nothing links to them and the media view serves rows only), and rare.
    return attachment


@transaction.atomic
def attachment_delete(*, attachment, user):
    """Remove an attachment and, once the deletion is committed, its files."""
    _require_attacher(user, attachment.project, attachment.problem)
    names = [n for n in (attachment.file.name, attachment.thumbnail.name) if n]
    attachment.delete()
    transaction.on_commit(lambda: [default_storage.delete(n) for n in names])


def photos_of_month(*, year, month, per_project=4):
    """The site photos of the month's accepted reports, for the bulletin's print view: per project
    (by name) at most `per_project` thumbnails as data: URIs, so that the page and its PDF carry them
    without a request to the media view. [{"project": name, "photos": [{"caption", "src"}], "more": n}]"""
    import base64

    from projects.choices import ReportStatus

    photos = (Attachment.objects.filter(kind=AttachmentKind.PHOTO, report__year=year, report__month=month,
                                        report__status=ReportStatus.ACCEPTED)
              .exclude(thumbnail="").select_related("project").order_by("project__name", "uploaded_at", "id"))
    groups = []
    for photo in photos:
        if not groups or groups[-1]["project_id"] != photo.project_id:
            groups.append({"project_id": photo.project_id, "project": photo.project.name, "photos": [], "more": 0})
        group = groups[-1]
        if len(group["photos"]) >= per_project:
            group["more"] += 1
            continue
        try:
            with photo.thumbnail.storage.open(photo.thumbnail.name, "rb") as fh:
                data = base64.b64encode(fh.read()).decode()
        except OSError:
            continue
        group["photos"].append({"caption": photo.caption or photo.original_name,
                                "src": f"data:image/jpeg;base64,{data}"})
    return groups
