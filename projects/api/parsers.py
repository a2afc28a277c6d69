"""Request body parsers with the size limit Django applies to forms (DATA_UPLOAD_MAX_MEMORY_SIZE):
DRF's own JSON parser reads any size."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _("The request body is too large.")
    default_code = "too_large"


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            declared = 0
        if limit is not None and declared > limit:
            raise RequestTooLarge(_("The request body is too large (at most %(limit)s bytes).") % {"limit": limit})
        return super().parse(stream, media_type, parser_context)
