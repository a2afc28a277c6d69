"""One error shape for the whole API, decided here once.

    {"status": 400, "code": "invalid", "detail": "<summary>",
     "errors": [{"field": "total_investment", "code": "min_value", "message": "确保该值大于或等于 0。"}]}

`errors` is empty except for invalid input. Messages follow the request's Accept-Language
(zh-hans by default). Every body also carries `request_id` (the X-Request-ID of the request, when
the request-id middleware set one), so that a report from an integrator finds the server's log line.

The database failing (down, read-only, disk full, locked: the OperationalErrors that say so (see
is_database_outage), InterfaceError, InternalError or a bare DatabaseError) answers 503 with `Retry-After`, logged with the request id; so do pages
outside the API (an HTML page saying the service is unavailable), through `server_error`. Domain errors from projects.exceptions keep their own status (DomainError
400 with its field, NotAllowed 403, Conflict 409); a delete that others depend on and a lost race
on a unique constraint are conflicts (409).
"""

import logging
import sys

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError, IntegrityError, InterfaceError, InternalError, OperationalError
from django.http import JsonResponse
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import exceptions, serializers
from rest_framework.fields import get_error_detail
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from projects.exceptions import Conflict, DomainError, NotAllowed
from projects.locking import StaleVersion
from projects.models.library import Archivable


logger = logging.getLogger("projects.api")

RETRY_AFTER_SECONDS = 30


class ConflictError(exceptions.APIException):
    status_code = 409
    default_detail = "Conflict."
    default_code = "conflict"


class ServiceUnavailable(exceptions.APIException):
    """The database cannot serve the request (down, read-only, disk full)."""

    status_code = 503
    default_detail = _lazy("The database is unavailable. Try again in a moment.")
    default_code = "database_unavailable"


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _lazy("The request body is too large.")
    default_code = "too_large"


# PostgreSQL's SQLSTATEs of a database that cannot serve now (psycopg sets `sqlstate` on the error that
# Django's wraps): classes 08 connection, 53 insufficient resources (disk full, out of memory, too many
# connections), 57 operator intervention (shutdown, cancelled by a timeout), 58 system error (I/O);
# and a read-only transaction, a deadlock, a serialization failure, a lock not available.
OUTAGE_SQLSTATE_CLASSES = ("08", "53", "57", "58")
OUTAGE_SQLSTATES = {"25006", "40001", "40P01", "55P03"}
# What the drivers say when the database itself fails (SQLite's messages; libpq's when no SQLSTATE
# came back: a connection refused or lost before the server answered).
OUTAGE_MESSAGES = (
    "database is locked", "table is locked", "schema is locked", "disk i/o error", "disk is full",
    "readonly database", "read-only", "unable to open database", "locking protocol", "interrupted",
    "could not connect", "connection refused", "connection timed out", "timeout expired", "server closed",
    "connection already closed", "connection is closed", "connection to server", "terminating connection",
    "the database system is", "too many clients", "remaining connection slots", "no space left",
    "could not extend file", "ssl syscall", "ssl error", "network is unreachable", "could not translate host",
    "no route to host", "consuming input failed", "server conn crashed", "canceling statement",
    "deadlock detected", "could not serialize access", "could not obtain lock", "lock timeout",
)


def is_database_outage(exc):
    """True for the database errors that mean "not now" rather than "bad request" or "bug": the
    connection lost or refused, a read-only database, a full disk, a lock or deadlock, an aborted
    transaction. A statement the database refuses for what it says (SQLite's "LIKE or GLOB pattern
    too complex", "no such table", "too many SQL variables") is a fault of the server, not an outage."""
    if isinstance(exc, (InterfaceError, InternalError)) or type(exc) is DatabaseError:
        return True
    if not isinstance(exc, OperationalError):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None) or getattr(exc, "sqlstate", None)
    if sqlstate:
        return sqlstate in OUTAGE_SQLSTATES or sqlstate.startswith(OUTAGE_SQLSTATE_CLASSES)
    message = str(exc).lower()
    return any(phrase in message for phrase in OUTAGE_MESSAGES)


def request_id_of(request):
    request = getattr(request, "_request", request)  # a DRF Request wraps Django's
    return getattr(request, "request_id", None)


def log_outage(request, exc):
    logger.error("database unavailable: %s %s: %s: %s (request_id=%s)",
                 getattr(request, "method", "?"), getattr(request, "path", "?"), type(exc).__name__, exc,
                 request_id_of(request), extra={"request_id": request_id_of(request)})


def error_body(request, status, code, detail, errors=()):
    return {"status": status, "code": code, "detail": str(detail), "errors": list(errors),
            "request_id": request_id_of(request)}


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="The input at fault (dotted for nested input), or null.")
    code = serializers.CharField(help_text="A machine-readable reason, e.g. required, invalid, min_value, unique.")
    message = serializers.CharField(help_text="The reason in the user's language.")
    # Workbook imports (api/imports.py) also say where the bad cell is.
    sheet = serializers.CharField(required=False, allow_null=True, help_text="Workbook imports: the sheet.")
    row = serializers.IntegerField(required=False, allow_null=True, help_text="Workbook imports: the row number.")
    column = serializers.CharField(required=False, allow_null=True, help_text='Workbook imports: the column, e.g. "G".')
    header = serializers.CharField(required=False, allow_null=True, help_text="Workbook imports: the column's header.")
    # A workbook import refused because rows changed after the preview (409 changed_meanwhile).
    record = serializers.IntegerField(required=False, allow_null=True,
                                      help_text="Workbook imports, 409: the record saved meanwhile.")
    user = serializers.CharField(required=False, allow_null=True, help_text="Workbook imports, 409: who saved it.")
    date = serializers.DateTimeField(required=False, allow_null=True, help_text="Workbook imports, 409: when.")


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    status = serializers.IntegerField(help_text="The HTTP status code.")
    code = serializers.CharField(help_text="invalid, not_authenticated, permission_denied, not_found, "
                                           "method_not_allowed, conflict, …")
    detail = serializers.CharField(help_text="A one-line summary in the user's language.")
    errors = ErrorItemSerializer(many=True, help_text="One entry per bad input (400), or per field changed "
                                                        "meanwhile (409/412 stale version).")
    request_id = serializers.CharField(allow_null=True, required=False, help_text=(
        "The request's id (also in the X-Request-ID response header); quote it when reporting a problem."))


def _flatten(details, prefix=None):
    """[{"field", "code", "message"}] from DRF's get_full_details() of a ValidationError."""
    if isinstance(details, dict) and set(details) == {"message", "code"}:
        return [{"field": prefix, "code": details["code"], "message": str(details["message"])}]
    items = []
    if isinstance(details, dict):
        for key, value in details.items():
            field = None if key == api_settings.NON_FIELD_ERRORS_KEY else key
            items += _flatten(value, f"{prefix}.{field}" if prefix and field else (field or prefix))
    elif isinstance(details, list):
        for index, value in enumerate(details):
            nested = isinstance(value, (dict, list)) and not (isinstance(value, dict) and "message" in value)
            items += _flatten(value, f"{prefix}.{index}" if nested and prefix else prefix)
    return items


def _translate(exc):
    """Django and domain exceptions as DRF exceptions."""
    if isinstance(exc, StaleVersion):
        from projects.api.audit import StaleVersionError

        return StaleVersionError(exc)
    if isinstance(exc, NotAllowed):
        return exceptions.PermissionDenied(exc.messages[0], code=exc.code)
    if isinstance(exc, Conflict):
        return ConflictError(exc.messages[0], code=exc.code)
    if isinstance(exc, (DomainError, DjangoValidationError)):
        return exceptions.ValidationError(get_error_detail(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, RequestDataTooBig):
        # Django's own check of DATA_UPLOAD_MAX_MEMORY_SIZE (request.body, which DRF ≥ 3.17 reads
        # for JSON and form bodies before any parser does).
        from django.conf import settings

        return RequestTooLarge(_("The request body is too large (at most %(limit)s bytes).")
                               % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, (ProtectedError, RestrictedError)):
        return ConflictError(protected_message(None), code="protected")
    if isinstance(exc, DataError):
        return exceptions.ValidationError(_("A value does not fit the database (too long or out of range)."),
                                          code="data_error")
    if isinstance(exc, IntegrityError):
        return ConflictError(_("The change conflicts with data saved meanwhile. Reload and try again."),
                             code="integrity")
    return exc


def protected_message(instance):
    """Why a delete was refused; records that can be archived say so."""
    if isinstance(instance, Archivable):
        return _("Other records (reports, plans, milestones…) depend on this one, so it cannot be deleted. "
                 "Archive it instead.")
    return _("Other records depend on this one, so it cannot be deleted.")


def exception_handler(exc, context):
    request = context.get("request")
    if is_database_outage(exc):
        log_outage(request, exc)
        exc = ServiceUnavailable()
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if response.status_code == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.get_full_details())
        for error in errors:
            if error["code"] == "null" and error["message"] == "No data provided":  # DRF's, untranslated
                error["message"] = _("No data provided: the body must be a JSON object.")
        code = "invalid"
        detail = _("Invalid input: %(fields)s.") % {
            "fields": ", ".join(sorted({e["field"] or _("the request") for e in errors}))
        } if errors else _("Invalid input.")
    else:
        errors = list(getattr(exc, "error_items", []))  # what changed meanwhile (409/412 stale version)
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else getattr(exc, "default_code", "error")
        detail = str(exc.detail) if not isinstance(exc.detail, (list, dict)) else str(exc)
    response.data = error_body(request, response.status_code, code, detail, errors)
    return response


def not_found(request, exception=None):
    """The site's 404 page; under /api/ the one error shape in JSON, so that a path no route matches
    (/api/projects/-1/reports/, /api/nothing/) answers like any other missing object."""
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        body = error_body(request, 404, "not_found", exceptions.NotFound.default_detail)
        return JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False})
    return page_not_found(request, exception)


def bad_request(request, exception=None):
    """handler400: requests Django refuses itself (SuspiciousOperation), before or inside a view: too
    many query parameters or form fields (DATA_UPLOAD_MAX_NUMBER_FIELDS), too many files, a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE (413), a bad Host header. Under /api/ the one error shape in JSON;
    elsewhere Django's page."""
    from django.conf import settings
    from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
    from django.views.defaults import bad_request as page

    if not request.path.startswith("/api/"):
        return page(request, exception)
    status = 400
    if isinstance(exception, TooManyFieldsSent):
        code, detail = "too_many_fields", _("The request has too many query parameters or form fields (at most "
                                            "%(limit)s).") % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
    elif isinstance(exception, TooManyFilesSent):
        code, detail = "too_many_files", _("The request has too many files (at most %(limit)s).") % {
            "limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
    elif isinstance(exception, RequestDataTooBig):
        status, code = 413, RequestTooLarge.default_code
        detail = _("The request body is too large (at most %(limit)s bytes).") % {
            "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    else:
        code, detail = "bad_request", _("Bad request.")
    body = error_body(request, status, code, detail)
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def server_error(request):
    """handler500: what escaped every view and middleware. A database outage answers 503 with
    Retry-After (JSON under /api/, a short page elsewhere), anything else 500; under /api/ always in
    the one error shape, never Django's bare HTML."""
    from django.template.response import SimpleTemplateResponse

    exc = sys.exc_info()[1]
    outage = is_database_outage(exc)
    if outage:
        log_outage(request, exc)
    if request.path.startswith("/api/"):
        if outage:
            body = error_body(request, 503, ServiceUnavailable.default_code, ServiceUnavailable.default_detail)
        else:
            body = error_body(request, 500, "server_error", _("Server error. The error has been logged."))
        response = JsonResponse(body, status=body["status"], json_dumps_params={"ensure_ascii": False})
    elif outage:
        response = SimpleTemplateResponse("503.html", {"request_id": request_id_of(request)}, status=503)
        response.render()
    else:
        # tracker/templates/500.html: no context processors, no database; names the request id.
        from django.http import HttpResponseServerError
        from django.template import loader

        return HttpResponseServerError(loader.get_template("500.html").render({"request_id": request_id_of(request)}))
    if outage:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
