"""The role table: who may do what, in one place that the API, the admin and the services consult.

Every role with a profile reads everything (a reporter's admin lists are narrowed to its unit; the
dashboard to the caller's projects); anonymous users read nothing but /api/health/ and may ask for
a token. Writes are listed below per resource (the API collection) and operation: create, update
(PUT and PATCH), delete, and each action of the mechanism. A role that is not listed gets 403.

Scopes say which records a role may touch:

    any          every record
    unit         records of projects its unit leads or cooperates on (a reporter); the project a
                 write points at must be such a project too, so a record never moves to another unit
    responsible  as `unit`, or the record's responsible unit is its unit (problems)
    own unit     the record's unit is its unit (weekly plans)
    as reviewer  a leader scoring as itself on a review it is a reviewer of

`FIELDS` lists the fields a role other than office may set; office sets every writable field.
`STATUS_FIELDS` change only through actions, for every role (a body naming another value → 400).
`FIXED_FIELDS` stop changing at some point of a record's life, for every role (another value → 400).
`STATE_RULES` are refusals that hold for every role (409). `docs/roles.md` is generated from this
module (`python manage.py roles --write`, checked by projects/tests/test_role_table.py), and every
operation's description in the OpenAPI schema ends with its row (projects/api/schema.py).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from projects.choices import Role
from projects.exceptions import NotAllowed

OFFICE, REPORTER, LEADER, AUDITOR = Role.OFFICE, Role.REPORTER, Role.LEADER, Role.AUDITOR
ANONYMOUS = "anonymous"
AUTHENTICATED = "authenticated"  # any logged-in account, with or without a profile
ANY, UNIT, RESPONSIBLE, OWN_UNIT, AS_REVIEWER = "any", "unit", "responsible", "own unit", "as reviewer"
ROLES = (OFFICE, REPORTER, LEADER, AUDITOR)
WRITE_ACTIONS = frozenset({"create", "update", "partial_update", "destroy"})  # viewset actions

OFFICE_ONLY = {OFFICE: ANY}


@dataclass(frozen=True)
class Resource:
    """One row group of the table: an API collection (and the model its admin and services
    write), its operations and who may run them."""

    name: str
    model: str | None  # "MonthlyReport"; None for endpoints without a model
    ops: dict  # {operation: {role: scope}}; "read" when not listed: every role with a profile
    project_path: str | None = "project"  # from a record (or a write's data) to its project
    unit_fields: tuple = ()  # fields naming a unit: a reporter may only name its own
    note: str = ""
    read: dict | None = None  # who reads, when not every role


def crud(**extra):
    """create, update and delete by the office only, plus `extra` operations."""
    return {"create": OFFICE_ONLY, "update": OFFICE_ONLY, "delete": OFFICE_ONLY, **extra}


ARCHIVE = {"archive": OFFICE_ONLY, "unarchive": OFFICE_ONLY}

TABLE = {r.name: r for r in [
    # --- the project library
    Resource("zones", "Zone", crud(), project_path=None),
    Resource("units", "Unit", crud(**ARCHIVE), project_path=None),
    Resource("leaders", "Leader", crud(**ARCHIVE), project_path=None),
    Resource("programmes", "Programme", crud(), project_path=None),
    Resource("projects", "Project", crud(**ARCHIVE, **{"import": OFFICE_ONLY}), project_path="self",
             note="the library workbook: GET /api/projects/xlsx/ (every role), POST /api/projects/import/"),
    Resource("annual-plans", "AnnualPlan", crud()),
    Resource("plan-revisions", "PlanRevision", crud(), project_path="plan__project"),
    Resource("milestones", "Milestone", crud(create={OFFICE: ANY, REPORTER: UNIT},
                                             update={OFFICE: ANY, REPORTER: UNIT},
                                             delete={OFFICE: ANY, REPORTER: UNIT})),
    Resource("sources", "Source", crud(), project_path=None),
    # --- the mechanism
    Resource("reports", "MonthlyReport", {
        "create": {OFFICE: ANY, REPORTER: UNIT},
        "update": {OFFICE: ANY, REPORTER: UNIT},
        "delete": {OFFICE: ANY, REPORTER: UNIT},
        "submit": {OFFICE: ANY, REPORTER: UNIT},
        "accept": OFFICE_ONLY,
        "return": OFFICE_ONLY,
        "import": {OFFICE: ANY, REPORTER: UNIT},
        "template": {OFFICE: ANY, REPORTER: UNIT},
    }, read=None, note="the template GET /api/reports/template/ is for office and reporters; a reporter's "
                       "import takes rows of its unit's projects only"),
    Resource("bulletins", "Bulletin", {"create": OFFICE_ONLY, "update": OFFICE_ONLY, "publish": OFFICE_ONLY},
             project_path=None, note="compiled in the admin; the API reads them"),
    Resource("bulletin-entries", "BulletinEntry", {}, note="written by the bulletin's compilation only"),
    Resource("meetings", "Meeting", crud(), project_path=None),
    Resource("meeting-items", "MeetingItem", crud()),
    Resource("decisions", "Decision", crud(), project_path=None),
    Resource("weekly-plans", "WeeklyPlan", {
        "create": {OFFICE: ANY, REPORTER: OWN_UNIT},
        "update": {OFFICE: ANY, REPORTER: OWN_UNIT},
        "delete": OFFICE_ONLY,
    }, project_path=None, unit_fields=("unit",)),
    Resource("problems", "Problem", {
        "create": {OFFICE: ANY, REPORTER: UNIT, LEADER: ANY},
        "update": {OFFICE: ANY, REPORTER: UNIT},
        "delete": OFFICE_ONLY,
        "close": {OFFICE: ANY, REPORTER: RESPONSIBLE},
        "escalate": {OFFICE: ANY, REPORTER: RESPONSIBLE, LEADER: ANY},
    }, note="a problem's status changes by its actions: close, escalate, "
                                              "and a problem action's status_after (open / in progress)"),
    Resource("problem-actions", "ProblemAction", {
        "create": {OFFICE: ANY, REPORTER: RESPONSIBLE, LEADER: ANY},
        "update": OFFICE_ONLY,
        "delete": OFFICE_ONLY,
    }, project_path="problem__project", note="the ledger of a problem: a step once recorded is corrected by "
                                            "the office only"),
    Resource("reviews", "Review", crud(publish=OFFICE_ONLY), project_path=None),
    Resource("review-criteria", "ReviewCriterion", crud(), project_path=None),
    Resource("review-scores", "ReviewScore", {
        "create": {OFFICE: ANY, LEADER: AS_REVIEWER},
        "update": OFFICE_ONLY,
        "delete": OFFICE_ONLY,
    }),
    Resource("review-rankings", "ReviewRanking", {}, note="written by the review's publication only"),
    Resource("evaluations", "Evaluation", crud(publish=OFFICE_ONLY), project_path=None),
    Resource("evaluation-results", "EvaluationResult", {}, project_path=None,
             note="written by the evaluation's computation only"),
    Resource("attachments", "Attachment", {
        "create": {OFFICE: ANY, REPORTER: RESPONSIBLE},
        "delete": {OFFICE: ANY, REPORTER: RESPONSIBLE},
    }, note="site photos and documents of reports and problems (projects/services/attachments.py)"),
    Resource("years", None, {"rollover": OFFICE_ONLY}, project_path=None,
             note="POST /api/years/rollover/: open the next year"),
    Resource("me", None, {}, project_path=None, read={AUTHENTICATED: ANY},
             note="who am I: any account, with or without a role"),
    Resource("todo", None, {}, project_path=None, note="GET /api/me/todo/: my to-do list"),
    Resource("profiles", "Profile", crud(), project_path=None, read={OFFICE: ANY},
             note="accounts' roles and units; in the admin only"),
    # --- endpoints without a model
    Resource("auth-token", None, {"create": {ANONYMOUS: ANY}, "delete": {AUTHENTICATED: ANY}}, project_path=None,
             read={}, note="POST: username and password for a new token (stored hashed, expires); DELETE: revoke the token sent"),
    Resource("health", None, {}, project_path=None, read={ANONYMOUS: ANY}),
    Resource("schema", None, {}, project_path=None, note="the OpenAPI schema, Swagger UI and Redoc"),
    Resource("dashboard", None, {}, project_path=None, note="narrowed to the caller's projects"),
    Resource("oc4ids", None, {}, project_path=None),
]}

# Fields a role other than office may set, per resource and operation; change_reason always.
FIELDS = {
    ("reports", REPORTER): {
        "create": {"project", "year", "month", "completed_ytd", "progress_note", "problems_raised",
                   "is_correction", "correction_reason"},
        # The project never changes and the period only while a draft (FIXED_FIELDS, every role).
        "update": {"year", "month", "completed_ytd", "progress_note", "problems_raised",
                   "is_correction", "correction_reason"},
    },
    # A reporter logs a problem for any responsible unit; reassigning it is the office's.
    ("problems", REPORTER): {
        "create": {"project", "category", "title", "description", "origin", "meeting", "decision", "report",
                   "responsible_unit", "raised_on", "deadline"},
        "update": {"project", "category", "title", "description"},
    },
    ("problems", LEADER): {
        "create": {"project", "category", "title", "description", "origin", "meeting", "decision", "report",
                   "responsible_unit", "raised_on", "deadline"},
    },
    ("problem-actions", REPORTER): {"create": {"problem", "date", "text", "status_after"}},
    ("problem-actions", LEADER): {"create": {"problem", "date", "text", "status_after"}},
    ("weekly-plans", REPORTER): {"create": {"unit", "week_start", "content", "meeting"},
                                 "update": {"content", "meeting"}},
    ("review-scores", LEADER): {"create": {"review", "project", "reviewer", "criterion", "score", "comment"}},
    ("milestones", REPORTER): {
        "create": {"project", "kind", "name", "planned_date", "actual_date", "note"},
        "update": {"project", "kind", "name", "planned_date", "actual_date", "note"},
    },
}
ALWAYS_ALLOWED_FIELDS = {"change_reason", "version"}

# Fields that change only through the named actions, whoever writes.
STATUS_FIELDS = {
    "reports": {"status": "submit, accept, return"},
    "problems": {"status": "close, escalate, problem actions", "resolution": "close", "resolved_on": "close"},
    "units": {"is_archived": "archive, unarchive"},
    "leaders": {"is_archived": "archive, unarchive"},
    "projects": {"is_archived": "archive, unarchive"},
    "reviews": {"status": "publish", "published_at": "publish"},
    "evaluations": {"status": "publish", "published_at": "publish"},
}

# Fields that stop changing, whoever writes: {resource: {field: from when}}. A write naming another
# value answers 400 naming the field (code "fixed"); projects/services/reports.py (report_fixed_fields)
# checks it for the API and the admin alike. A report's period is fixed while it is submitted and once
# it has been accepted (a correction of an accepted month stays in that month, even as a draft); a
# draft never accepted (new, or returned) may be re-dated by whoever may write it.
ALWAYS, ONCE_SUBMITTED = "always", "while submitted, and once accepted"
FIXED_FIELDS = {
    "reports": {"project": ALWAYS, "year": ONCE_SUBMITTED, "month": ONCE_SUBMITTED},
}

# Refusals that hold for every role (409), checked by projects.services.archive.delete_refusal and
# the services of each action.
STATE_RULES = [
    ("reports", "delete", "a report once accepted (or submitted) is never deleted: edit it, which files a "
                          "correction with a reason"),
    ("reports", "update", "an accepted report edited becomes a draft correction with a reason; a submitted one "
                          "is accepted or returned first"),
    ("bulletins", "update", "a published bulletin never changes"),
    ("reviews", "update", "a published review (its criteria and scores) never changes"),
    ("evaluations", "update", "a published evaluation never changes"),
    ("projects", "delete", "a project, unit or leader others depend on is archived, not deleted"),
]

# Viewset actions → operations of the table.
VIEW_ACTIONS = {"list": "read", "retrieve": "read", "history": "read", "create": "create", "update": "update",
                "partial_update": "update", "destroy": "delete", "return_": "return"}


# --- who is the user --------------------------------------------------------------------------------


def role_of(user):
    """The user's role, or None for anonymous users and accounts without a profile."""
    if not user or not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.OFFICE
    profile = getattr(user, "profile", None)
    return profile.role if profile else None


# Who sees, in a record's history (API /history/, the admin's history page), which person made each
# change; the other roles see only that person's role.
HISTORY_NAMES = (OFFICE, AUDITOR)


def sees_history_users(user):
    """True when `user` may see who changed a record: office staff and auditors."""
    return role_of(user) in HISTORY_NAMES


def unit_id_of(user):
    profile = getattr(user, "profile", None) if user is not None and user.is_authenticated else None
    return profile.unit_id if profile else None


def project_of(obj, path):
    """Follows `path` ("problem__project") from `obj` (a model instance or a dict of validated data)."""
    if path == "self":
        return obj if not isinstance(obj, dict) else None
    for step in path.split("__"):
        obj = obj.get(step) if isinstance(obj, dict) else getattr(obj, step, None)
        if obj is None:
            return None
    return obj


def unit_owns(user, project):
    """True when the reporter's unit leads or cooperates on `project`."""
    from projects.models import Project

    unit_id = unit_id_of(user)
    if project is None or unit_id is None:
        return False
    if project.lead_unit_id == unit_id:
        return True
    return Project.objects.for_unit(unit_id).filter(pk=project.pk).exists()


# --- the checks -------------------------------------------------------------------------------------


def resource_of_model(model):
    name = model.__name__
    return next((r for r in TABLE.values() if r.model == name), None)


def rule(resource, op):
    """{role: scope} of an operation; reading defaults to every role."""
    entry = TABLE[resource]
    if op == "read":
        return entry.read if entry.read is not None else {role: ANY for role in ROLES}
    return entry.ops.get(op, {})


def scope_for(user, resource, op):
    """The scope the user's role has for the operation, or None when the role may not run it."""
    allowed = rule(resource, op)
    role = role_of(user)
    if ANONYMOUS in allowed:
        return allowed[ANONYMOUS]
    if AUTHENTICATED in allowed and user is not None and user.is_authenticated:
        return allowed[AUTHENTICATED]
    return allowed.get(role) if role else None


def scope_holds(user, resource, scope, record=None, data=None):
    """Whether a scope holds for an existing record and/or the data a write points at."""
    if scope == ANY:
        return True
    entry = TABLE[resource]
    unit_id = unit_id_of(user)
    if scope == OWN_UNIT:
        if unit_id is None:
            return False
        for name in entry.unit_fields:
            if record is not None and _unit_id(getattr(record, name, None)) != unit_id:
                return False
            if data is not None and name in data and _unit_id(data[name]) != unit_id:
                return False
        return True
    if scope in (UNIT, RESPONSIBLE):
        for source in (record, data):
            if source is None:
                continue
            project = project_of(source, entry.project_path)
            if project is None and isinstance(source, dict):
                continue  # the write does not move the record; the record itself is checked
            if unit_owns(user, project):
                continue
            if scope == RESPONSIBLE and _responsible_unit_id(source, resource) == unit_id and unit_id:
                continue
            return False
        return True
    if scope == AS_REVIEWER:
        leader = getattr(user, "leader", None) if user.is_authenticated else None
        target = data if data is not None else {}
        review = target.get("review") or getattr(record, "review", None)
        reviewer = target.get("reviewer") or getattr(record, "reviewer", None)
        return (leader is not None and reviewer is not None and reviewer.pk == leader.pk
                and review is not None and review.reviewers.filter(pk=leader.pk).exists())
    return False


def _unit_id(value):
    return getattr(value, "pk", value)


def _responsible_unit_id(source, resource):
    if source is None:
        return None
    problem = source if resource == "problems" else (
        source.get("problem") if isinstance(source, dict) else getattr(source, "problem", None))
    if problem is None:
        return None
    if isinstance(problem, dict):
        return _unit_id(problem.get("responsible_unit"))
    return problem.responsible_unit_id


def unit_field_errors(user, resource, data):
    """A reporter names only its own unit in a unit field (a problem's responsible unit, a weekly
    plan's unit): the fields at fault."""
    if role_of(user) != REPORTER:
        return []
    unit_id = unit_id_of(user)
    return [f for f in TABLE[resource].unit_fields if f in data and data[f] is not None
            and _unit_id(data[f]) != unit_id]


def allowed_fields(user, resource, op):
    """The fields the user may set in a create or update; None means every writable field."""
    role = role_of(user)
    if role == OFFICE:
        return None
    fields = FIELDS.get((resource, role))
    if fields is None:
        return None
    return fields.get(op, set()) | ALWAYS_ALLOWED_FIELDS


def allows(user, resource, op, record=None, data=None):
    """True when the role table lets `user` run `op` on `resource` (the record, the data)."""
    if op == "read":
        return scope_for(user, resource, op) is not None
    scope = scope_for(user, resource, op)
    if scope is None:
        return False
    if record is None and data is None:
        return True
    if data is not None and unit_field_errors(user, resource, data):
        return False
    return scope_holds(user, resource, scope, record, data)


def require(user, resource, op, record=None, data=None):
    """What services call before they write: raises NotAllowed (403) naming the reason."""
    if scope_for(user, resource, op) is None:
        raise NotAllowed(_("Your role does not allow this."), code="wrong_role")
    if data is not None:
        fields = unit_field_errors(user, resource, data)
        if fields:
            raise NotAllowed(_("You may only name your own unit here."), code="wrong_unit", field=fields[0])
    if not allows(user, resource, op, record, data):
        if role_of(user) == LEADER and TABLE[resource].name == "review-scores":
            raise NotAllowed(_("You are not a reviewer of this review, or not scoring as yourself."),
                             code="not_reviewer")
        raise NotAllowed(_("Your unit is not responsible for this project."), code="wrong_unit")


# --- the API ----------------------------------------------------------------------------------------


class FieldNotAllowed(exceptions.PermissionDenied):
    """403 naming the fields the role may not set."""

    default_code = "field_not_allowed"

    def __init__(self, fields):
        super().__init__(_("Your role may not set: %(fields)s.") % {"fields": ", ".join(sorted(fields))})
        self.error_items = [{"field": f, "code": "not_allowed", "message": _("Your role may not set this field.")}
                            for f in sorted(fields)]


def view_operation(view, request):
    """The table's (resource, operation) of a request to a view."""
    return operation_of_view(view, request.method)


def operation_of_view(view, method):
    """(resource, operation): the view's `resource` and its viewset action (or, for a plain view,
    its `operations` by method; reading otherwise)."""
    resource = getattr(view, "resource", None)
    action = getattr(view, "action", None)
    default = "read" if method in SAFE_METHODS else method.lower()
    op = getattr(view, "operations", {}).get(method, default)
    if action is not None:
        op = VIEW_ACTIONS.get(action, action)
    if method in SAFE_METHODS and (resource not in TABLE or op not in TABLE[resource].ops):
        op = "read"  # downloads, thumbnails, history: reading
    return resource, op


def is_public(resource, op):
    return resource in TABLE and ANONYMOUS in rule(resource, op)


ROLE_NAMES_ZH = {OFFICE: "项目办", REPORTER: "单位填报员", LEADER: "分包领导", AUDITOR: "审计员", ANONYMOUS: "任何人",
                 AUTHENTICATED: "任一账号"}
SCOPES_ZH = {UNIT: "本单位的项目", RESPONSIBLE: "本单位的项目或本单位负责的问题", OWN_UNIT: "本单位",
             AS_REVIEWER: "本人作为评审人"}


def role_line(resource, op):
    """The operation's row of the table, in Chinese and English, for the schema's descriptions."""
    if resource not in TABLE:
        return "可操作：项目办 / Who may: office."
    if op == "read" and TABLE[resource].read is None:
        return "可操作：所有角色 / Who may (docs/roles.md): every role."
    allowed = rule(resource, op)
    zh = "；".join(ROLE_NAMES_ZH[r] + ("" if scope == ANY else f"（{SCOPES_ZH[scope]}）")
                  for r, scope in allowed.items()) or "无（只读）"
    return f"可操作：{zh} / Who may (docs/roles.md): {describe(resource, op)}."


class RolePermission(BasePermission):
    """The role table applied to every API view: the role (has_permission), the record
    (has_object_permission); the data a write points at is checked by `check_target`."""

    message = _("Your role does not allow this.")

    def has_permission(self, request, view):
        if request.method.lower() not in view.http_method_names or not hasattr(view, request.method.lower()):
            return True  # no such operation: the view answers 405
        resource, op = view_operation(view, request)
        if resource is None or resource not in TABLE:
            return role_of(request.user) == OFFICE  # a view missing from the table: office only
        if op == "read" and TABLE[resource].read is None:
            return role_of(request.user) is not None
        return scope_for(request.user, resource, op) is not None

    def has_object_permission(self, request, view, obj):
        resource, op = view_operation(view, request)
        if resource is None or resource not in TABLE or op == "read":
            return self.has_permission(request, view)
        scope = scope_for(request.user, resource, op)
        return scope is not None and scope_holds(request.user, resource, scope, record=obj)


class SchemaPermission(BasePermission):
    """The schema, Swagger UI and Redoc: the "schema" row of the table (every role)."""

    def has_permission(self, request, view):
        return role_of(request.user) is not None


def check_target(request, view, data, instance=None):
    """Checks of a write's data (the serializer's validated data), before it is saved: the fields
    the role may set, the units it may name and the project the record points at. Raises 403."""
    resource = view.resource
    op = "update" if instance is not None else "create"
    changed = {name: value for name, value in data.items()
               if instance is None or _differs(getattr(instance, name, None), value)}
    fields = allowed_fields(request.user, resource, op)
    if fields is not None and set(changed) - fields:
        raise FieldNotAllowed(set(changed) - fields)
    if unit_field_errors(request.user, resource, changed):
        raise FieldNotAllowed(unit_field_errors(request.user, resource, changed))
    scope = scope_for(request.user, resource, op)
    if scope is None or not scope_holds(request.user, resource, scope, record=instance, data=data):
        if scope == AS_REVIEWER:
            raise exceptions.PermissionDenied(_("A leader scores as itself, on reviews it is a reviewer of."))
        raise exceptions.PermissionDenied(
            _("Your unit is neither the lead unit nor a cooperating unit of this project."))


def _differs(current, new):
    if hasattr(current, "all"):  # a many-to-many manager
        return {o.pk for o in current.all()} != {getattr(o, "pk", o) for o in new}
    return getattr(current, "pk", current) != getattr(new, "pk", new)


# --- the written table ------------------------------------------------------------------------------

ROLE_NAMES = {OFFICE: "office", REPORTER: "reporter", LEADER: "leader", AUDITOR: "auditor",
              ANONYMOUS: "anyone", AUTHENTICATED: "any account"}


def describe(resource, op):
    """One operation's row in words, e.g. "office; reporter (unit)"."""
    allowed = rule(resource, op)
    if not allowed:
        return "nobody (read only)"
    return "; ".join(ROLE_NAMES[role] + ("" if scope == ANY else f" ({scope})") for role, scope in allowed.items())


def as_markdown():
    """The table as docs/roles.md says it."""
    lines = [
        "# Role table",
        "",
        "Generated from `projects/permissions.py` (`python manage.py roles --write`); a test checks that this",
        "file matches. The API, the admin and the services all consult that module.",
        "",
        "Roles: **office** (项目办; a superuser counts as office), **reporter** (责任单位填报员, one unit),",
        "**leader** (分包领导), **auditor** (read only). Every role reads every record (the admin narrows a",
        "reporter's report and problem lists to its unit). An account without a profile gets 403, an",
        "anonymous request 401 (except the health check and the token endpoint). Scopes:",
        "",
        "- *unit*: records of projects the reporter's unit leads or cooperates on; the project a write points",
        "  at must be one too, so a record is never moved to another unit's project;",
        "- *responsible*: as *unit*, or the problem's responsible unit is the reporter's unit;",
        "- *own unit*: the record's unit is the reporter's unit;",
        "- *as reviewer*: a leader scoring as itself on a review it is a reviewer of.",
        "",
        "| resource | read | create | update | delete | actions | notes |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, entry in TABLE.items():
        read = "every role" if entry.read is None else (
            "; ".join(ROLE_NAMES[r] for r in entry.read) if entry.read else "—")
        cells = [describe(name, op) if op in entry.ops else "—" for op in ("create", "update", "delete")]
        actions = [f"{op}: {describe(name, op)}" for op in entry.ops if op not in ("create", "update", "delete")]
        lines.append(f"| {name} | {read} | " + " | ".join(cells) + f" | {'<br>'.join(actions) or '—'} | "
                     f"{entry.note or ''} |")
    lines += ["", "## Fields a role other than office may set", "",
              "Office sets every writable field. `change_reason` (and `version`) may always be sent.", "",
              "| resource | role | create | update |", "| --- | --- | --- | --- |"]
    for (name, role), ops in FIELDS.items():
        lines.append(f"| {name} | {ROLE_NAMES[role]} | {', '.join(sorted(ops.get('create', ()))) or '—'} | "
                     f"{', '.join(sorted(ops.get('update', ()))) or '—'} |")
    unit_fields = [f"{name}.{f}" for name, entry in TABLE.items() for f in entry.unit_fields]
    lines += ["", f"A reporter may only name its own unit in: {', '.join(unit_fields)}.", "",
              "## Fields that change only through actions (every role)", "",
              "Sending another value for one of these in a create or update answers 400 naming the field.", "",
              "| resource | field | changed by |", "| --- | --- | --- |"]
    for name, fields in STATUS_FIELDS.items():
        for f, by in fields.items():
            lines.append(f"| {name} | {f} | {by} |")
    lines += ["", "## Fields that stop changing (every role)", "",
              "Sending another value for one of these answers 400 naming the field (code `fixed`), whoever "
              "writes. A report never moves to another project. Its period (year, month) is fixed while it is "
              "submitted and once it has been accepted, also when an accepted report is edited into a draft "
              "correction: another month is a report of its own. A draft never accepted (new, or returned) may "
              "be re-dated by whoever may write it.", "",
              "| resource | field | fixed |", "| --- | --- | --- |"]
    for name, fields in FIXED_FIELDS.items():
        for f, when in fields.items():
            lines.append(f"| {name} | {f} | {when} |")
    lines += ["", "## Rules that hold for every role (409)", "", "| resource | operation | rule |",
              "| --- | --- | --- |"]
    for name, op, text in STATE_RULES:
        lines.append(f"| {name} | {op} | {text} |")
    lines += ["", "## Who made a change (history)", "",
              f"Histories (`GET …/{{id}}/history/`, the admin's history page) name the person behind each change "
              f"only to {' and '.join(ROLE_NAMES[r] for r in HISTORY_NAMES)}; every other role sees the person's "
              "role instead (`user`: `{\"id\": null, \"username\": null, \"role\": \"office\"}`) and may not "
              "filter by user (400)."]
    return "\n".join(lines) + "\n"
