"""One error shape for the whole API, decided here once.

    {"status": 400, "code": "invalid", "detail": "<summary>",
     "errors": [{"field": "total_investment", "code": "min_value", "message": "确保该值大于或等于 0。"}]}

`errors` is empty except for invalid input. Messages follow the request's Accept-Language
(zh-hans by default). Domain errors from projects.exceptions keep their own status (DomainError
400 with its field, NotAllowed 403, Conflict 409); a delete that others depend on and a lost race
on a unique constraint are conflicts (409).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.fields import get_error_detail
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from projects.exceptions import Conflict, DomainError, NotAllowed
from projects.locking import StaleVersion
from projects.models.library import Archivable


class ConflictError(exceptions.APIException):
    status_code = 409
    default_detail = "Conflict."
    default_code = "conflict"


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
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, (ProtectedError, RestrictedError)):
        return ConflictError(protected_message(None), code="protected")
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
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.get_full_details())
        code = "invalid"
        detail = _("Invalid input: %(fields)s.") % {
            "fields": ", ".join(sorted({e["field"] or _("the request") for e in errors}))
        } if errors else _("Invalid input.")
    else:
        errors = list(getattr(exc, "error_items", []))  # what changed meanwhile (409/412 stale version)
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else getattr(exc, "default_code", "error")
        detail = str(exc.detail) if not isinstance(exc.detail, (list, dict)) else str(exc)
    response.data = {"status": response.status_code, "code": code, "detail": detail, "errors": errors}
    return response


def not_found(request, exception=None):
    """The site's 404 page; under /api/ the one error shape in JSON, so that a path no route matches
    (/api/projects/-1/reports/, /api/nothing/) answers like any other missing object."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        detail = str(exceptions.NotFound.default_detail)
        return JsonResponse({"status": 404, "code": "not_found", "detail": detail, "errors": []}, status=404)
    return page_not_found(request, exception)
