"""Request body parsers with limits: a size limit of its own for JSON (TRACKER_MAX_JSON_BYTES, 1 MiB
by default, far below the uploads' DATA_UPLOAD_MAX_MEMORY_SIZE; DRF's own JSON parser reads any
size) → 413, and a nesting limit (MAX_JSON_DEPTH; Python's decoder would otherwise recurse until
RecursionError) → 400."""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from projects.api.exceptions import RequestTooLarge

# No body of this API nests deeper than a few levels; 32 leaves room for any client's wrapping.
MAX_JSON_DEPTH = 32


def json_depth_exceeds(text, limit):
    """True when brackets outside strings nest deeper than `limit` (a linear scan, no recursion)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def too_deep():
    return exceptions.ParseError(_("The JSON body is nested too deeply (at most %(limit)s levels).")
                                 % {"limit": MAX_JSON_DEPTH})


def json_limit():
    """The largest JSON body taken, in bytes: TRACKER_MAX_JSON_BYTES, never above Django's own limit."""
    limits = [value for value in (getattr(settings, "TRACKER_MAX_JSON_BYTES", None),
                                  settings.DATA_UPLOAD_MAX_MEMORY_SIZE) if value is not None]
    return min(limits) if limits else None


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = json_limit()
        request = (parser_context or {}).get("request")
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            declared = 0
        if limit is not None and declared > limit:
            raise RequestTooLarge(_("The request body is too large (at most %(limit)s bytes).") % {"limit": limit})
        raw = stream.read(limit + 1 if limit is not None else -1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(_("The request body is too large (at most %(limit)s bytes).") % {"limit": limit})
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(_("The body is not valid %(encoding)s text: byte %(position)s cannot be "
                                          "read.") % {"encoding": _charset_name(encoding), "position": exc.start + 1}
                                        ) from None
        except LookupError:
            raise exceptions.ParseError(_("The body's charset (%(charset)s) is not a text encoding the API reads: "
                                          "send UTF-8.") % {"charset": str(encoding)[:40]}) from None
        # Cheap before parsing: only bodies with many brackets are scanned.
        if text.count("[") + text.count("{") > MAX_JSON_DEPTH and json_depth_exceeds(text, MAX_JSON_DEPTH):
            raise too_deep()
        try:
            return json.loads(text, parse_constant=_no_constants)
        except RecursionError:
            raise too_deep() from None
        except ValueError as exc:
            raise exceptions.ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None


def _charset_name(encoding):
    import codecs

    name = codecs.lookup(encoding).name
    return "UTF-8" if name == "utf-8" else name


def _no_constants(name):
    raise ValueError(f"{name} is not valid JSON")
