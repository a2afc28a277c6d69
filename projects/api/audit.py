"""The API's audit trail, optimistic locking and archive rules, mixed into every viewset
(projects/api/views.py, TrackerViewSet and TrackerReadOnlyViewSet).

History
    GET /api/<collection>/{id}/history/   newest first, paged (?page, ?page_size), filtered by
    ?user=<id or username>, ?since=<date>, ?until=<date> (ISO dates, both inclusive). Each entry:
    {id, date, user: {id, username, role}, type: created|changed|deleted, reason, changes: [{field,
    label, old, new}]}. The history of a deleted object stays reachable. Only office staff and
    auditors see who made a change (and may filter by ?user); others get user {id: null,
    username: null, role} (projects/permissions.py, HISTORY_NAMES).

Reasons
    Any write may say why: header `X-Change-Reason` (percent-encode non-ASCII as UTF-8) or the
    body field `change_reason`; at most 100 characters. It is stored on the history rows the
    write creates.

No lost updates (projects, annual plans, monthly reports, problems)
    Responses carrying one object (a read, a write, an action, a create's 201) send
    `ETag: "<version>"`. PUT/PATCH/DELETE and the actions with `If-Match` naming another version
    → 412; with a stale `version` in the body → 409. Both list what changed meanwhile in `errors`
    ({field, code: "changed_meanwhile", message}). Without either the write is applied to the
    current version; `If-Match: *` asks only that the record exists.

Records without a version (every other kind)
    Responses carrying one of them send a weak `ETag: W/"<hash of the representation>"`: it
    tells a client whether what it holds is still what the API answers, no more. A write cannot be
    made conditional on it: If-Match compares strong tags (RFC 9110), so any If-Match other than
    `*` on PUT/PATCH/DELETE or an action answers 412 precondition_failed (errors: If-Match,
    not_versioned) rather than being ignored.

Archive instead of delete
    A project, unit or leader that others depend on is not deleted (409, "archive it instead");
    POST …/{id}/archive/ and …/{id}/unarchive/. Lists leave archived records out unless
    `?include_archived=true`.

Published bulletins, rankings and evaluations (and a published review's criteria and scores)
are never changed or deleted in place (409).
"""

import datetime
import hashlib
import json
import re
from contextlib import nullcontext
from urllib.parse import unquote

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.history import REASON_MAX_LENGTH, frozen_message, change_reason, history_entries, object_history, with_previous
from projects.choices import Role
from projects.permissions import sees_history_users
from projects.locking import StaleVersion, check_version, describe, is_versioned, lock_version, stale
from projects.api.pagination import TrackerPagination
from projects.api.query import check_known_params
from projects.api.schema import IF_MATCH_PATTERN, OptionalParameter
from projects.services.archive import delete_refusal

REASON_HEADER = "X-Change-Reason"


# --- errors ------------------------------------------------------------------------------------


class StaleVersionError(exceptions.APIException):
    """A write based on an old version: 412 (If-Match) or 409 (`version` in the body)."""

    status_code = 409
    default_code = "stale_version"

    def __init__(self, stale: StaleVersion, status_code=409):
        super().__init__(stale.messages[0], code=stale.code)
        self.status_code = status_code
        self.error_items = [
            {"field": change["field"], "code": "changed_meanwhile", "message": describe(change)}
            for change in stale.changes
        ]


def invalid(field, message, code="invalid"):
    return exceptions.ValidationError({field: [exceptions.ErrorDetail(message, code=code)]})


# --- serializers -------------------------------------------------------------------------------


HISTORY_EPOCH = datetime.date(1970, 1, 1)


class HistoryQuerySerializer(serializers.Serializer):
    user = serializers.CharField(required=False, allow_blank=True, max_length=150)
    since = serializers.DateField(required=False, input_formats=["iso-8601"])
    until = serializers.DateField(required=False, input_formats=["iso-8601"])

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise invalid("until", _("The end date is before the start date."), code="date_order")
        return attrs


class HistoryUserSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text=gettext_lazy(
        "The account's id; null unless you are office staff or an auditor."))
    username = serializers.CharField(allow_null=True, help_text=gettext_lazy(
        "The account's username; null unless you are office staff or an auditor."))
    role = serializers.ChoiceField(choices=Role.choices, allow_null=True, help_text=gettext_lazy(
        "The account's role (office, reporter, leader, auditor), shown to everyone; null for an account without "
        "a role."))


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text=gettext_lazy("The field's name."))
    label = serializers.CharField(help_text=gettext_lazy("The field's label in the user's language."))
    old = serializers.JSONField(allow_null=True, help_text=gettext_lazy("Value before (null when created)."))
    new = serializers.JSONField(allow_null=True, help_text=gettext_lazy("Value after."))


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=gettext_lazy("The history record's id."))
    date = serializers.DateTimeField()
    user = HistoryUserSerializer(allow_null=True, help_text=gettext_lazy(
        "Who made the change: named to office staff and auditors, only by role to others; null when no "
        "account made it (a command, a data load)."))
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    reason = serializers.CharField(allow_blank=True)
    changes = HistoryChangeSerializer(many=True)


class PaginatedHistorySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = HistoryEntrySerializer(many=True)


HISTORY_QUERY_PARAMS = ("user", "since", "until", "page", "page_size")
HISTORY_PARAMETERS = [
    OptionalParameter("user", {"type": "string", "maxLength": 150}, description=gettext_lazy(
        "Only changes by this user (id or username); office staff and auditors only (others: 400).")),
    OptionalParameter("since", OpenApiTypes.DATE, description=gettext_lazy(
        "Only changes on or after this day (ISO date, YYYY-MM-DD).")),
    OptionalParameter("until", OpenApiTypes.DATE, description=gettext_lazy("Only changes on or before this day (ISO date).")),
    OpenApiParameter("page", {"type": "integer", "minimum": 1}, description=gettext_lazy("Page number.")),
    OptionalParameter("page_size", {"type": "integer", "minimum": 1},
                      description=gettext_lazy("Entries per page (default 50, at most 500).")),
]


# --- helpers -----------------------------------------------------------------------------------


def representation_etag(data):
    """A weak ETag of a record without a version: the SHA-256 of its JSON representation."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return f'W/"{hashlib.sha256(text.encode()).hexdigest()[:16]}"'


def check_preconditions(request, model, obj):
    """If-Match (412) and a `version` in the body (409) of a write or an action on `obj`. A record
    without a version cannot be written conditionally: any If-Match but * answers 412."""
    if_match = request.headers.get("If-Match")
    if not is_versioned(model):
        if if_match is not None and if_match.strip() != "*":
            error = exceptions.APIException(_("This record has no version, so If-Match cannot be checked: send "
                                              "the write without it (or with If-Match: *)."),
                                            code="precondition_failed")
            error.status_code = 412
            error.error_items = [{"field": "If-Match", "code": "not_versioned", "message": _(
                "Only projects, annual plans, monthly reports and problems have a version to match.")}]
            raise error
        return
    if if_match is not None:
        versions = parse_if_match(if_match)
        if versions is not None:
            current = lock_version(model, obj.pk)
            if current not in versions:
                raise StaleVersionError(stale(model, obj.pk, versions[-1], code="precondition_failed"),
                                        status_code=412)
    body_version = request.data.get("version") if hasattr(request.data, "get") else None
    if body_version is not None:
        try:
            expected = int(body_version)
        except (TypeError, ValueError):
            raise invalid("version", _("A valid integer is required.")) from None
        try:
            check_version(model, obj.pk, expected)
        except StaleVersion as error:
            raise StaleVersionError(error, status_code=409) from None


def parse_if_match(value):
    """The versions an If-Match header names ("3", W/"3", 3, a list); None for "*"."""
    if not re.fullmatch(IF_MATCH_PATTERN, value):
        raise invalid("If-Match", _('If-Match must name a version, e.g. "3".'))
    if value.strip() == "*":
        return None
    return [int(version) for version in re.findall(r"[0-9]+", value)]


def start_of(day):
    """Midnight at the start of `day`, in the tracker's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def refuse_if_frozen(obj):
    message = frozen_message(obj)
    if message:
        from projects.api.exceptions import ConflictError

        raise ConflictError(message, code="published")


class ReasonSerializerMixin:
    """Writable serializers take an optional `change_reason`, stored on the history rows the save
    creates (never on the object itself)."""

    def get_fields(self):
        fields = super().get_fields()
        fields["change_reason"] = serializers.CharField(
            write_only=True, required=False, allow_blank=True, max_length=REASON_MAX_LENGTH,
            label=gettext_lazy("change reason"),
            help_text=gettext_lazy("Why the change is made; kept in the history (also: header X-Change-Reason)."))
        return fields

    def save(self, **kwargs):
        reason = self.validated_data.pop("change_reason", None)
        with change_reason(reason) if reason else nullcontext():
            return super().save(**kwargs)


# --- the mixin ---------------------------------------------------------------------------------


class AuditMixin:
    """Every viewset: GET …/{id}/history/, change reasons on writes, ETag on versioned objects."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        header = request.headers.get(REASON_HEADER)
        if header is not None:
            reason = unquote(header).strip()
            if len(reason) > REASON_MAX_LENGTH:
                raise invalid(REASON_HEADER, _("Ensure this field has no more than %(max)d characters.") % {
                    "max": REASON_MAX_LENGTH}, code="max_length")
            self._reason_context = change_reason(reason)
            self._reason_context.__enter__()
        elif request.method in ("POST", "PUT", "PATCH", "DELETE"):
            try:
                data = request.data
            except exceptions.UnsupportedMediaType:
                data = None  # a body this view does not parse (a DELETE to uploads): it never reads it
            reason = data.get("change_reason") if hasattr(data, "get") else None
            if isinstance(reason, str) and reason.strip():
                if len(reason.strip()) > REASON_MAX_LENGTH:
                    raise invalid("change_reason", _("Ensure this field has no more than %(max)d characters.") % {
                        "max": REASON_MAX_LENGTH}, code="max_length")
                self._reason_context = change_reason(reason)
                self._reason_context.__enter__()

    def finalize_response(self, request, response, *args, **kwargs):
        context = getattr(self, "_reason_context", None)
        if context is not None:
            self._reason_context = None
            context.__exit__(None, None, None)
        response = super().finalize_response(request, response, *args, **kwargs)
        model = getattr(getattr(self, "queryset", None), "model", None)
        one_object = getattr(self, "detail", False) or response.status_code == 201
        data = getattr(response, "data", None)
        if (model is not None and one_object and 200 <= response.status_code < 300 and isinstance(data, dict)
                and data.get("id") is not None and "ETag" not in response):
            if is_versioned(model):
                if data.get("version") is not None:
                    response["ETag"] = f'"{data["version"]}"'
            else:
                response["ETag"] = representation_etag(data)
        if response.status_code == 201 and isinstance(data, dict) and data.get("id") is not None:
            basename = getattr(self, "basename", None)
            if basename and "Location" not in response:
                from django.urls import NoReverseMatch, reverse

                try:
                    response["Location"] = request.build_absolute_uri(reverse(f"api:{basename}-detail",
                                                                              args=[data["id"]]))
                except NoReverseMatch:
                    pass
        return response

    def retrieve(self, request, *args, **kwargs):
        # One record reads no query parameter but those the view names (a project's progress month).
        check_known_params(request, getattr(self, "extra_query_params", ()))
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(parameters=HISTORY_PARAMETERS, request=None, responses=PaginatedHistorySerializer,
                   summary="History of one object: who changed what, when and why (newest first).")
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def history(self, request, pk=None):
        """When and why the object changed, and what: its versions, newest first, each with its
        changes against the version before (field, old → new). Who made each change is named to
        office staff and auditors; other roles see that person's role only. Filter by dates (and,
        office staff and auditors, by user)."""
        model = self.queryset.model
        check_known_params(request, HISTORY_QUERY_PARAMS)
        query = HistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        names = sees_history_users(request.user)
        if query.validated_data.get("user") and not names:
            raise invalid("user", _("Only office staff and auditors may filter the history by user."),
                          code="not_allowed")
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise exceptions.NotFound() from None
        obj = model._base_manager.filter(pk=pk).first()
        records = object_history(model, pk)
        if obj is None and not records.exists():
            raise exceptions.NotFound()
        if obj is not None:
            self.check_object_permissions(request, obj)
        records = self._filter_history(records, query.validated_data)
        paginator = TrackerPagination()
        page = paginator.paginate_queryset(with_previous(records), request, view=self)
        entries = HistoryEntrySerializer(history_entries(page, names=names), many=True).data
        return paginator.get_paginated_response(entries)

    def _filter_history(self, records, params):
        user = params.get("user")
        if user:
            by_name = Q(history_user__username=user)
            records = records.filter(by_name | Q(history_user_id=int(user)) if user.isascii() and user.isdigit() else by_name)
        # Every version was written in the tracker's lifetime: a bound before 1970 or in the last
        # days of year 9999 is no bound (midnight of 0001-01-01 in UTC+8 is not a datetime at all).
        since, until = params.get("since"), params.get("until")
        if since and since > HISTORY_EPOCH:
            records = records.filter(history_date__gte=start_of(since))
        if until and until < datetime.date.max - datetime.timedelta(days=2):
            records = records.filter(history_date__lt=start_of(until + datetime.timedelta(days=1)))
        return records


class WriteRulesMixin:
    """Writes of TrackerViewSet: If-Match / version preconditions, archive instead of delete,
    published records frozen."""

    def update(self, request, *args, **kwargs):
        model = self.queryset.model
        with transaction.atomic():
            obj = self.get_object()
            refuse_if_frozen(obj)
            self._check_preconditions(request, model, obj)
            return super().update(request, *args, **kwargs)

    def _check_preconditions(self, request, model, obj):
        check_preconditions(request, model, obj)

    def destroy(self, request, *args, **kwargs):
        from projects.api.exceptions import ConflictError

        with transaction.atomic():
            obj = self.get_object()
            refuse_if_frozen(obj)
            self._check_preconditions(request, self.queryset.model, obj)
            message = delete_refusal(obj)
            if message:
                raise ConflictError(message, code="protected")
            return super().destroy(request, *args, **kwargs)


class ArchiveActionsMixin:
    """POST …/{id}/archive/ and …/{id}/unarchive/ for archivable records (units, leaders).
    `archive_services` = (archive service, unarchive service)."""

    archive_services = ()

    @extend_schema(request=None, summary="Archive: leaves the default lists, keeps its records and history.")
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Archive the record: it leaves the default lists and keeps all its records and history."""
        from projects.api.views import service_action

        return service_action(self, request, self.archive_services[0])

    @extend_schema(request=None, summary="Bring an archived record back into the default lists.")
    @action(detail=True, methods=["post"])
    def unarchive(self, request, pk=None):
        """Bring an archived record back into the default lists."""
        from projects.api.views import service_action

        return service_action(self, request, self.archive_services[1])
