"""OpenAPI generation: every operation documents its error responses with the one error body
(projects/api/exceptions.py, ErrorSerializer)."""

import re
from decimal import Decimal

from django.core.validators import RegexValidator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.parsers import JSONParser

from projects import permissions

from projects.api.exceptions import ErrorSerializer

DESCRIPTIONS = {
    "400": "输入无效：errors 逐个列出有误的字段或参数及原因。 / Invalid input: `errors` names each bad field or "
           "parameter and why.",
    "401": "未登录：请发送令牌或先登录。 / Not authenticated: send a token or log in.",
    "403": "您的角色或单位不允许此操作。 / Your role or unit does not allow this.",
    "404": "没有这条记录（或这一页）。 / No such object (or page).",
    "405": "此路径不支持该方法（Allow 头列出支持的方法）。 / Method not allowed on this path (the Allow header lists "
           "those that are).",
    "406": "无法按 Accept 头给出答复（本 API 答复 JSON）。 / The answer cannot be given in a type the Accept header "
           "takes (this API answers JSON).",
    "409": "冲突：有其他记录依赖它（请改为归档）、它已发布，或期间已被他人修改（body 中的 version 已过期，errors 列出改动）。 / "
           "Conflict: others depend on the object (archive it instead), it is published, or it changed meanwhile "
           "(a stale `version`; `errors` lists what changed).",
    "412": "前提条件不成立：If-Match 所给的版本已不是当前版本；errors 列出期间的改动。 / Precondition failed: If-Match "
           "names a version that is no longer current; `errors` lists what changed meanwhile.",
    "412-unversioned": "前提条件不成立：此类记录没有版本号，除 * 以外的 If-Match 一律拒绝（code precondition_failed，errors："
                       "If-Match not_versioned）；它的 ETag 是答复内容的弱校验值，不是可核对的版本。 / Precondition failed: "
                       "this kind of record has no version, so any If-Match but * is refused (code "
                       "precondition_failed, errors: If-Match not_versioned); its ETag is weak, a hash of the answer, "
                       "and is not a version to match.",
    "413": "请求体过大：JSON 最多 TRACKER_MAX_JSON_BYTES（默认 1 MiB），上传文件最多 TRACKER_MAX_UPLOAD_BYTES。 / The "
           "request body is too large: JSON bodies at most TRACKER_MAX_JSON_BYTES (1 MiB by default), uploads at "
           "most TRACKER_MAX_UPLOAD_BYTES.",
    "415": "请求体的类型不受支持：请发送 JSON（上传用 multipart/form-data）。 / The body's media type is not read "
           "here: send JSON (uploads: multipart/form-data).",
    "429": "尝试次数过多：请稍后再试（登录限制，见 Retry-After）。 / Too many attempts: wait and try again (login "
           "throttling; see Retry-After).",
    "503": "数据库暂时不可用（连接中断、只读、磁盘已满等）：请按 Retry-After 所给的秒数后重试。 / The database is "
           "unavailable for now (connection lost, read-only, disk full…): try again after Retry-After seconds.",
}
RETRY_AFTER = {"description": "重试前等待的秒数。 / Seconds to wait before trying again.", "required": True,
               "schema": {"type": "string", "pattern": "^[0-9]+$"}}

CJK_SENTENCE = re.compile(r"[\u4e00-\u9fff][^\n]*?[。；：，、！？]")


class OptionalParameter(OpenApiParameter):
    """A query parameter that, given an empty value, is as if not given (allowEmptyValue)."""


# One version in If-Match: "3", W/"3" or a bare 3 (ASCII digits: "３" or "²" are not versions); or "*".
IF_MATCH_ITEM = r'(?:W/)?"[0-9]+"|[0-9]+'
IF_MATCH_PATTERN = rf"^[ \t]*(?:\*|(?:{IF_MATCH_ITEM})(?:[ \t]*,[ \t]*(?:{IF_MATCH_ITEM}))*)[ \t]*$"
IF_MATCH = OpenApiParameter(
    "If-Match", {"type": "string", "pattern": IF_MATCH_PATTERN}, OpenApiParameter.HEADER,
    description='The version you loaded, as sent in the ETag header (e.g. "3"). If the object is at '
                "another version the write is refused with 412 and the changes made meanwhile.")
LENIENT = OpenApiParameter(
    "lenient", bool, OpenApiParameter.QUERY,
    description="true：忽略本操作不认识的查询参数；默认（false）时，未知参数返回 400，errors 逐个列出其名称（code "
                "unknown_parameter）。 / true: ignore query parameters this operation does not know; by default "
                "(false) an unknown parameter answers 400 naming it in `errors` (code unknown_parameter).")
CHANGE_REASON = OpenApiParameter(
    "X-Change-Reason", str, OpenApiParameter.HEADER,
    description="Why the change is made (at most 100 characters, percent-encode non-ASCII as UTF-8); "
                "kept in the object's history. The body field `change_reason` does the same.")


def decimal_pattern(field):
    """The strings a DecimalField takes, as a pattern: digits (at most the whole and decimal digits the
    field allows); a minus sign only if the field takes negatives; not zero if it takes only positives;
    empty (read as null) if the field takes null."""
    minimum = field.min_value
    sign = "" if minimum is not None and minimum >= 0 else "-?"
    whole = f"[0-9]{{1,{field.max_whole_digits}}}" if field.max_whole_digits else "[0-9]+"
    fraction = f"[0-9]{{1,{field.decimal_places}}}" if field.decimal_places else "[0-9]+"
    not_zero = ""
    if minimum is not None and minimum > 0 and minimum <= Decimal(1).scaleb(-(field.decimal_places or 0)):
        not_zero = "(?!0*(?:\\.0*)?$)"
    number = f"{not_zero}{sign}{whole}(?:\\.{fraction})?"
    # DRF reads "" as null where null is allowed.
    return f"^(?:{number})?$" if field.allow_null else f"^{number}$"


class TrackerAutoSchema(AutoSchema):
    def get_operation(self, *args, **kwargs):
        """The operation, described for integrators (projects/api/descriptions.py), its description ending
        with who may run it (projects/permissions.py)."""
        from projects.api.descriptions import describe_operation, describe_parameter

        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return operation
        action = getattr(self.view, "action", None)
        operation["description"] = describe_operation(self.view, action, self.method.lower(),
                                                      operation.get("description", ""))
        for parameter in operation.get("parameters", []):
            parameter["description"] = describe_parameter(self.view, parameter)
        line = permissions.role_line(*permissions.operation_of_view(self.view, self.method))
        operation["description"] = f"{operation['description']}\n\n{line}".strip()
        return operation

    def get_auth(self):
        """Operations anyone may call (projects/permissions.py: the token, health) say that
        authentication is optional there (an empty security requirement)."""
        auths = super().get_auth()
        if auths and permissions.is_public(*permissions.operation_of_view(self.view, self.method)) and {} not in auths:
            auths.append({})
        return auths

    def error_codes(self):
        public = permissions.is_public(*permissions.operation_of_view(self.view, self.method))
        codes = [] if public else ["401", "403"]
        writes = self.method in ("POST", "PUT", "PATCH")
        if writes or self.method == "GET" or (self.method == "DELETE" and self._etags()):
            # invalid input or filter values; on a delete, an If-Match that names no version, a reason too long
            codes.append("400")
        if ("{" in self.path or getattr(self.view, "filters_in_schema", False)
                or (self.method == "GET" and self._is_list_view() and self._get_paginator())):
            codes.append("404")  # no such object, no such page of a list, a package of no project
        codes.append("405")
        if writes or self.method == "DELETE":
            codes.append("409")
        if self._checks_if_match():
            codes.append("412")
        if writes:
            codes.append("413")
        if writes and self.view.get_parsers():
            codes.append("415")  # a body of a type the view does not parse
        if not self._answers_whatever_accept_says():
            codes.append("406")  # content negotiation: nothing the Accept header takes
        if self.view.get_throttles():
            codes.append("429")
        codes.append("503")  # the database unavailable (projects/api/exceptions.py), with Retry-After
        return codes

    def _answers_whatever_accept_says(self):
        """Workbook downloads answer whatever Accept says (projects/api/exports.py, WorkbookDownload)."""
        from projects.api.exports import WorkbookDownload

        return isinstance(self.view, WorkbookDownload)

    def _checks_if_match(self):
        """Writes that read If-Match: PUT/PATCH/DELETE and the actions on one record of a viewset (for a
        record without a version, to refuse any If-Match but *)."""
        from projects.api.audit import AuditMixin

        if not isinstance(self.view, AuditMixin) or "{" not in self.path:
            return False
        return self.method in ("PUT", "PATCH", "DELETE") or (self.method == "POST" and getattr(
            self.view, "detail", False))

    def _precondition(self):
        """Writes that honour If-Match with a version: those of _checks_if_match on a versioned record."""
        return self._versioned() and self._checks_if_match()

    def _etags(self):
        """Views whose answers carry ETags (projects/api/audit.py, AuditMixin)."""
        from projects.api.audit import AuditMixin

        return isinstance(self.view, AuditMixin)

    def _versioned(self):
        from projects.locking import is_versioned

        model = getattr(getattr(self.view, "queryset", None), "model", None)
        return model is not None and is_versioned(model)

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._checks_query_params():
            parameters.append(LENIENT)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            parameters.append(CHANGE_REASON)
        if self._precondition():
            parameters.append(IF_MATCH)
        return parameters

    def _checks_query_params(self):
        """Operations that refuse unknown query parameters (projects/api/query.py): lists (and documents
        built from a filtered list), one record of a viewset and its history, and the views that name
        the parameters they take (the dashboard, the report template, the to-do list)."""
        from projects.api.audit import AuditMixin
        from projects.api.query import KnownQueryParamsFilter, KnownQueryParamsMixin

        if self.method != "GET":
            return False
        if isinstance(self.view, KnownQueryParamsMixin):
            return True
        if isinstance(self.view, AuditMixin) and getattr(self.view, "action", None) in ("retrieve", "history"):
            return True
        if not (self._is_list_view() or getattr(self.view, "filters_in_schema", False)):
            return False
        return any(backend is KnownQueryParamsFilter for backend in getattr(self.view, "filter_backends", []))

    def map_parsers(self):
        """Bodies are JSON. The form encodings the API also reads serve the browsable API's forms, which
        cannot say null or an empty list; only upload views (multipart alone) document multipart."""
        if self._takes_json():
            return ["application/json"]
        return super().map_parsers()

    def _takes_json(self):
        return any(isinstance(parser, JSONParser) for parser in self.view.get_parsers())

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """What the serializers check, stated in the schema where JSON Schema can state it (for
        requests; answers are what was stored):
        - a decimal string has at least one digit, and no minus sign when the field takes no negative;
        - a text that may not be blank has a character other than whitespace (it is trimmed first);
        - a list of related records that may not be empty has at least one; a file is not empty;
        - in a multipart body (uploads), no value is null."""
        if direction == "response" and getattr(field, "answer_choices", None) is not None:
            # A choice whose writes take fewer values than its answers show (a problem action's status_after).
            answer = serializers.ChoiceField(choices=field.answer_choices, allow_blank=field.allow_blank,
                                             allow_null=field.allow_null, label=field.label, help_text=field.help_text)
            answer.bind(field.field_name, field.parent)
            field = answer
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or not isinstance(schema, dict) or field.read_only:
            return schema
        if not self._takes_json():
            schema.pop("nullable", None)  # a form cannot say null: leave the field out
        if isinstance(field, serializers.DecimalField) and schema.get("format") == "decimal":
            schema["pattern"] = decimal_pattern(field)
        elif isinstance(field, serializers.FileField) and not field.allow_empty_file:
            schema["minLength"] = 1  # an empty file is refused
        elif (isinstance(field, serializers.CharField) and not field.allow_blank and field.trim_whitespace
              and "pattern" not in schema and schema.get("type") == "string" and "format" not in schema
              and not any(isinstance(v, RegexValidator) for v in field.validators)):
            schema["pattern"] = "\\S"
        elif isinstance(field, serializers.ManyRelatedField):
            if not field.allow_empty:
                schema["minItems"] = 1
            if getattr(field, "max_items", None):
                schema["maxItems"] = field.max_items  # a longer list of ids: 400 max_length
        return schema

    def _process_override_parameters(self, direction="request"):
        """Optional query parameters that a serializer reads, or marked OptionalParameter: given an
        empty value they are as if not given (DRF reads "" so for a field that is not required)."""
        result = super()._process_override_parameters(direction)
        for parameter in self.get_override_parameters():
            if isinstance(parameter, OptionalParameter):
                names = [parameter.name]
            elif isinstance(parameter, type) and issubclass(parameter, serializers.Serializer) or isinstance(
                    parameter, serializers.Serializer):
                fields = (parameter() if isinstance(parameter, type) else parameter).fields
                names = [name for name, field in fields.items() if not field.required]
            else:
                continue
            for name in names:
                found = result.get((name, OpenApiParameter.QUERY))
                if found and found.get("schema", {}).get("type") != "array":
                    found["allowEmptyValue"] = True
        return result

    def _get_filter_parameters(self):
        """A filter given an empty value does not filter (projects/filtersets.py): stated with
        allowEmptyValue, except for lists of choices (`stage`), where an empty value is not a choice."""
        parameters = super()._get_filter_parameters()
        filterset_class = getattr(self.view, "filterset_class", None)
        base_filters = getattr(filterset_class, "base_filters", {})
        for parameter in parameters:
            if parameter.get("in") == "query" and parameter.get("schema", {}).get("type") != "array":
                parameter["allowEmptyValue"] = True
            # Text filters say how long a text they take (projects/filtersets.py, TextFilter).
            filter_ = base_filters.get(parameter.get("name"))
            max_length = getattr(filter_, "extra", {}).get("max_length")
            if max_length and parameter.get("schema", {}).get("type") == "string":
                parameter["schema"] = {**parameter["schema"], "maxLength": max_length}
        return parameters

    def get_filter_backends(self):
        # Views answering one document built from a filtered list (the OC4IDS package) document
        # their filters too.
        if getattr(self.view, "filters_in_schema", False):
            return getattr(self.view, "filter_backends", [])
        return super().get_filter_backends()

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        """2xx answers carrying one versioned object send its version as ETag (projects/api/audit.py),
        and a create's 201 says where the new object is (Location): stated as response headers."""
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        code = str(status_code)
        if code in ("503", "429"):
            response["headers"] = {**response.get("headers", {}), "Retry-After": RETRY_AFTER}
            return response
        body = serializer.response if isinstance(serializer, OpenApiResponse) else serializer
        fields = getattr(body() if isinstance(body, type) else body, "fields", None) if body else None
        if not code.startswith("2") or fields is None:
            return response
        one_object = code == "201" or getattr(self.view, "detail", False)
        headers = {}
        if one_object and self._versioned() and "version" in fields:
            headers["ETag"] = {"description": 'The object\'s version, e.g. "3": send it as If-Match when you '
                                              "change the object.",
                               "required": True, "schema": {"type": "string", "pattern": '^"[0-9]+"$'}}
        elif one_object and "id" in fields and self._etags():
            headers["ETag"] = {"description": "A weak tag of this answer (a hash of it): it changes when the "
                                              "record does. The record has no version, so it is not for If-Match "
                                              "(any If-Match but * is refused with 412).",
                               "required": True, "schema": {"type": "string", "pattern": '^W/"[0-9a-f]{16}"$'}}
        if code == "201" and "id" in fields and hasattr(self.view, "retrieve"):
            headers["Location"] = {"description": "The new object's URL.", "required": True,
                                   "schema": {"type": "string", "format": "uri"}}
        if headers:
            response["headers"] = {**response.get("headers", {}), **headers}
        return response

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        done = responses.get("204")
        if done is not None and "content" not in done and not CJK_SENTENCE.search(str(done.get("description", ""))):
            done["description"] = "成功，无答复内容。 / Done; no response body."
        for code in self.error_codes():
            if code not in responses:
                key = "412-unversioned" if code == "412" and not self._versioned() else code
                response = OpenApiResponse(ErrorSerializer, description=DESCRIPTIONS[key])
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses


# --- OpenAPI links --------------------------------------------------------------------------------

PATH_PARAMETER = re.compile(r"^\{([a-z_]+)\}$")


def _creates_with_id(operation, components):
    """True if the operation answers 201 with an object that has an `id`."""
    content = operation.get("responses", {}).get("201", {}).get("content", {}).get("application/json", {})
    schema = content.get("schema", {})
    if "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    return "id" in schema.get("properties", {})


def add_links(result, generator, request, public):
    """drf-spectacular postprocessing hook: an OpenAPI link from each create (POST to a collection,
    201 with the new object) to every operation on the created object, its id taken from the answer
    (`$response.body#/id`): read, update, delete, its actions, its history, the lists nested under it.
    Integrators see what to call next; schemathesis follows them in its stateful tests."""
    paths = result.get("paths", {})
    components = result.get("components", {}).get("schemas", {})
    for path, item in paths.items():
        create = item.get("post")
        if create is None or "{" in path or not _creates_with_id(create, components):
            continue
        links = {}
        for target_path, target_item in paths.items():
            if not target_path.startswith(path):
                continue
            rest = target_path[len(path):].split("/")
            match = PATH_PARAMETER.match(rest[0]) if rest else None
            if match is None or "{" in "/".join(rest[1:]):
                continue
            for method, target in target_item.items():
                if method not in ("get", "put", "patch", "delete", "post") or "operationId" not in target:
                    continue
                links[target["operationId"]] = {
                    "operationId": target["operationId"],
                    "parameters": {match.group(1): "$response.body#/id"},
                    "description": f"新建对象的编号用于 {method.upper()} {target_path}。 / The new object's id, "
                                   f"for {method.upper()} {target_path}.",
                }
        links.update(_links_to_creates_that_refer_to(path, paths))
        if links:
            create["responses"]["201"]["links"] = dict(sorted(links.items()))
    return result


def _collections():
    """{collection path: (model, serializer class)} of the router's resources."""
    from projects.api.urls import router

    return {f"/api/{prefix}/": (viewset.queryset.model, viewset.serializer_class)
            for prefix, viewset, _basename in router.registry
            if getattr(viewset, "queryset", None) is not None and getattr(viewset, "serializer_class", None)}


def _links_to_creates_that_refer_to(path, paths):
    """Links from the create at `path` to the creates whose body refers to the new object by id (a new
    project → a report, a milestone, a problem of that project): `requestBody` names the field, to be
    merged into the body (schemathesis reads it so; for an integrator it says which field takes the id)."""
    collections = _collections()
    if path not in collections:
        return {}
    model = collections[path][0]
    links = {}
    for target_path, (_target_model, serializer_class) in collections.items():
        target = paths.get(target_path, {}).get("post")
        if target is None or "operationId" not in target:
            continue
        fields = serializer_class().fields
        refs = sorted(name for name, field in fields.items()
                      if isinstance(field, serializers.PrimaryKeyRelatedField) and not field.read_only
                      and getattr(field.queryset, "model", None) is model)
        if refs:
            links[target["operationId"]] = {
                "operationId": target["operationId"],
                "requestBody": {name: "$response.body#/id" for name in refs},
                "description": f"新建对象的编号用于 POST {target_path} 的 {', '.join(refs)}。 / The new object's id, "
                               f"as {', '.join(refs)} of POST {target_path}.",
            }
    return links
