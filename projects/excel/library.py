"""The project library (项目库) in and out of Excel: one sheet of projects, one of annual plans and
one of milestones, exported with Chinese headers and labels and imported with the same two steps
as the monthly reports.

`library_export` writes the workbook. `library_preview` reads and checks a workbook and says, row
by row and sheet by sheet, what would be created or changed and what is wrong (sheet, row, column,
reason); nothing is stored. `library_import` stores everything only when the preview has no error,
in one transaction, with audit history. Rows of the library that the workbook does not mention are
left alone: the import creates and changes, it never deletes (archive a project with 已归档 = 是).
The import locks the records it writes and compares them with what the preview saw
(projects/excel/conflicts.py): a record saved by someone else after the preview is a conflict,
named with its sheet, row, who saved it and when, and nothing is stored.

Cells name related records as people read them: zones, units and leaders by name, programmes by
code, stages, categories, key levels and milestone kinds by their Chinese label (the stored code
and the English label are accepted too). Several names in one cell are separated by 、 , ; or a
line break."""

import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from projects.choices import Category, KeyLevel, MilestoneKind, Role, Stage
from projects.excel.workbook import (
    MONEY_FORMAT,
    a4_landscape,
    cell_bool,
    cell_decimal,
    cell_text,
    open_workbook,
    set_widths,
    write_header,
    write_row,
)
from projects.excel.conflicts import find_conflicts, fingerprint
from projects.exceptions import NotAllowed
from projects.models import AnnualPlan, Leader, Milestone, Programme, Project, Unit, Zone
from projects.services.roles import role_of
from projects.validators import validate_project_code
from projects.audit import audit_event

PROJECT_SHEET = "项目库"
PLAN_SHEET = "年度计划"
MILESTONE_SHEET = "时间节点"
DATE_FORMAT = "yyyy-mm-dd"
SEPARATORS = re.compile(r"[、,，;；\n\r]+")
MAX_MONEY = Decimal("1e12")

# (key, header, width) per sheet; the column letters follow from the order.
PROJECT_COLUMNS = [
    ("id", "项目编号", 10),
    ("code", "项目代码", 26),
    ("name", "项目名称", 36),
    ("name_en", "英文名称", 36),
    ("aliases", "别名", 24),
    ("category", "项目类别", 16),
    ("stage", "项目阶段", 10),
    ("key_level", "重点级别", 14),
    ("zone", "所属区域", 18),
    ("lead_unit", "牵头单位", 24),
    ("cooperating_units", "配合单位", 30),
    ("leaders", "分包领导", 24),
    ("programmes", "推进计划(代码)", 24),
    ("total_investment", "总投资(万元)", 16),
    ("planned_start", "计划开工", 12),
    ("planned_completion", "计划竣工", 12),
    ("parent", "上级项目", 24),
    ("description", "项目简介", 50),
    ("is_archived", "已归档(是/否)", 12),
]
PLAN_COLUMNS = [
    ("project_id", "项目编号", 10),
    ("project", "项目名称", 36),
    ("year", "年份", 8),
    ("planned_investment", "年度计划投资(万元)", 18),
    ("target", "年度目标", 50),
]
MILESTONE_COLUMNS = [
    ("id", "节点编号", 10),
    ("project_id", "项目编号", 10),
    ("project", "项目名称", 36),
    ("kind", "节点类型", 10),
    ("name", "节点名称", 24),
    ("planned_date", "计划日期", 12),
    ("actual_date", "实际日期", 12),
    ("note", "备注", 50),
]
SHEETS = {PROJECT_SHEET: PROJECT_COLUMNS, PLAN_SHEET: PLAN_COLUMNS, MILESTONE_SHEET: MILESTONE_COLUMNS}


def _letters(columns):
    return {key: chr(ord("A") + index) for index, (key, _h, _w) in enumerate(columns)}


def _headers(columns):
    return {key: header for key, header, _w in columns}


# --- export ---------------------------------------------------------------------------------------


def library_queryset(queryset=None):
    """The projects with everything the workbook shows, in a fixed number of queries."""
    queryset = Project.objects.all() if queryset is None else queryset
    return queryset.select_related("zone", "lead_unit", "parent").prefetch_related(
        "leaders", "cooperating_units", "programmes",
        Prefetch("annual_plans", AnnualPlan.objects.order_by("year")),
        Prefetch("milestones", Milestone.objects.order_by("planned_date", "actual_date", "id")),
    )


def _names(objects, attribute="name"):
    return "、".join(sorted(getattr(obj, attribute) for obj in objects))


def _label(choices, value):
    return str(choices(value).label) if value in choices.values else (value or "")


def library_export(queryset=None):
    """The library workbook of `queryset` (default: every project, archived ones included)."""
    projects = list(library_queryset(queryset).order_by("name"))
    workbook = Workbook()
    with translation.override("zh-hans"):
        sheet = workbook.active
        sheet.title = PROJECT_SHEET
        _start(sheet, PROJECT_COLUMNS)
        formats = {_col(PROJECT_COLUMNS, "total_investment"): MONEY_FORMAT,
                   _col(PROJECT_COLUMNS, "planned_start"): DATE_FORMAT,
                   _col(PROJECT_COLUMNS, "planned_completion"): DATE_FORMAT}
        for row, p in enumerate(projects, start=2):
            write_row(sheet, row, [
                p.pk, p.code or "", p.name, p.name_en, "、".join(p.alias_list), _label(Category, p.category),
                _label(Stage, p.stage), _label(KeyLevel, p.key_level), p.zone.name if p.zone else "",
                p.lead_unit.name if p.lead_unit else "", _names(p.cooperating_units.all()), _names(p.leaders.all()),
                _names(p.programmes.all(), "code"), p.total_investment, p.planned_start, p.planned_completion,
                p.parent.name if p.parent else "", p.description, "是" if p.is_archived else "否",
            ], formats)
        a4_landscape(sheet)

        sheet = workbook.create_sheet(PLAN_SHEET)
        _start(sheet, PLAN_COLUMNS)
        formats = {_col(PLAN_COLUMNS, "planned_investment"): MONEY_FORMAT}
        row = 2
        for p in projects:
            for plan in p.annual_plans.all():
                write_row(sheet, row, [p.pk, p.name, plan.year, plan.planned_investment, plan.target], formats)
                row += 1

        sheet = workbook.create_sheet(MILESTONE_SHEET)
        _start(sheet, MILESTONE_COLUMNS)
        formats = {_col(MILESTONE_COLUMNS, "planned_date"): DATE_FORMAT,
                   _col(MILESTONE_COLUMNS, "actual_date"): DATE_FORMAT}
        row = 2
        for p in projects:
            for milestone in p.milestones.all():
                write_row(sheet, row, [milestone.pk, p.pk, p.name, _label(MilestoneKind, milestone.kind),
                                       milestone.name, milestone.planned_date, milestone.actual_date,
                                       milestone.note], formats)
                row += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _start(sheet, columns):
    write_header(sheet, [header for _k, header, _w in columns])
    set_widths(sheet, [width for _k, _h, width in columns])


def _col(columns, key):
    return [k for k, _h, _w in columns].index(key) + 1


# --- preview --------------------------------------------------------------------------------------


@dataclass
class CellError:
    sheet: str
    column: str  # letter, e.g. "G"
    header: str
    field: str
    message: str


@dataclass
class Change:
    header: str
    old: str
    new: str


@dataclass
class RowResult:
    sheet: str
    row: int
    columns: list
    label: str = ""
    action: str = ""  # "create", "update" or "unchanged"
    obj: object = None  # the stored record, None for a new one
    values: dict = field(default_factory=dict)  # model field → new value
    m2m: dict = field(default_factory=dict)  # relation → list of new related objects
    project_row: "RowResult | None" = None  # for plans and milestones of a project created by this file
    parent_row: "RowResult | None" = None
    changes: list[Change] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)

    def error(self, key, message):
        self.errors.append(CellError(self.sheet, _letters(self.columns)[key], _headers(self.columns)[key], key,
                                     str(message)))


@dataclass
class LibraryPreview:
    projects: list[RowResult] = field(default_factory=list)
    plans: list[RowResult] = field(default_factory=list)
    milestones: list[RowResult] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    conflicts: list = field(default_factory=list)  # RowConflicts: records saved by others since the preview

    @property
    def rows(self):
        return self.projects + self.plans + self.milestones

    @property
    def ok(self):
        return not self.file_errors and not self.conflicts and not self.error_rows and bool(self.projects)

    def seen(self):
        """{"sheet:row": [record id, version]} of every checked row: what this preview saw."""
        return {f"{r.sheet}:{r.row}": list(state_of(r.obj)) for r in self.rows if r.action}

    @property
    def error_rows(self):
        return [r for r in self.rows if r.errors]

    @property
    def errors(self):
        return [(r, e) for r in self.rows for e in r.errors]

    def count(self, action, rows=None):
        return sum(1 for r in (self.rows if rows is None else rows) if r.action == action and not r.errors)

    def as_dict(self):
        def rows(results):
            return [{
                "sheet": r.sheet, "row": r.row, "label": r.label, "action": r.action,
                "id": r.obj.pk if r.obj is not None else None,
                "changes": [c.__dict__ for c in r.changes],
                "errors": [e.__dict__ for e in r.errors],
            } for r in results]

        summary = {
            name: {action: self.count(action, results) for action in ("create", "update", "unchanged")}
            for name, results in (("projects", self.projects), ("plans", self.plans),
                                  ("milestones", self.milestones))
        }
        return {
            "ok": self.ok,
            "file_errors": self.file_errors,
            "created": self.count("create"),
            "updated": self.count("update"),
            "unchanged": self.count("unchanged"),
            "summary": summary,
            "conflicts": [c.as_dict() for c in self.conflicts],
            "rows": rows(self.rows),
        }


def require_library_writer(user):
    if role_of(user) != Role.OFFICE:
        raise NotAllowed(_("Only project office staff may import the project library."), code="not_office")


def state_of(obj):
    """(id, version) of a stored record; a fingerprint of the fields stands in for the version of
    a milestone; (None, None) for no record."""
    if obj is None:
        return (None, None)
    if isinstance(obj, Milestone):
        return (obj.pk, fingerprint(obj.project_id, obj.kind, obj.name, obj.planned_date, obj.actual_date, obj.note))
    return (obj.pk, obj.version)


def library_preview(*, user, data, seen=None):
    """Reads and checks a library workbook; stores nothing. With `seen` (what an earlier preview of
    the same file saw), the records saved since then are listed as conflicts."""
    preview = _preview(user=user, data=data)
    if seen and preview.ok:
        preview.conflicts = _conflicts(preview, seen, lock=False)
    return preview


MODEL_OF = {PROJECT_SHEET: Project, PLAN_SHEET: AnnualPlan, MILESTONE_SHEET: Milestone}
MAX_IN_LIST = 500


def _current(model, pks, lock):
    """{pk: (pk, version or fingerprint)} of `pks`, locked (SELECT … FOR UPDATE) when `lock`."""
    queryset = model._base_manager.order_by("pk")
    if lock:
        queryset = queryset.select_for_update()
    if len(pks) <= MAX_IN_LIST:
        queryset = queryset.filter(pk__in=pks)
    return {obj.pk: state_of(obj) for obj in queryset if obj.pk in pks}


def _conflicts(preview, seen, *, lock):
    """RowConflicts of the preview's rows: the records now (locked when `lock`) against what the
    preview read and what the person's preview saw (`seen`)."""
    conflicts = []
    for sheet, rows in ((PROJECT_SHEET, preview.projects), (PLAN_SHEET, preview.plans),
                        (MILESTONE_SHEET, preview.milestones)):
        model = MODEL_OF[sheet]
        rows = [r for r in rows if r.action]
        pks = {r.obj.pk for r in rows if r.obj is not None}
        current = _current(model, pks, lock) if (lock or seen) and pks else {}
        created = _created_meanwhile(sheet, rows)
        checked = []
        for r in rows:
            read = state_of(r.obj)
            if r.obj is not None:
                now = current.get(r.obj.pk, (None, None)) if lock or seen else read
            else:
                now = created.get(id(r), (None, None))
            checked.append((sheet, r.row, r.label, f"{sheet}:{r.row}", read, now))
        conflicts += find_conflicts(checked, seen or {}, model=model, versioned=model is not Milestone)
    return conflicts


def _created_meanwhile(sheet, rows):
    """{id(row): state} of rows to create whose record someone else created meanwhile (projects by
    name or code, plans by project and year)."""
    if sheet == PROJECT_SHEET:
        names = {r.values["name"]: r for r in rows if r.obj is None}
        codes = {r.values["code"]: r for r in rows if r.obj is None and r.values.get("code")}
        if not names:
            return {}
        found = {}
        for project in Project.objects.filter(Q(name__in=list(names)) | Q(code__in=list(codes))):
            row = names.get(project.name) or codes.get(project.code)
            found[id(row)] = state_of(project)
        return found
    if sheet == PLAN_SHEET:
        wanted = {(r.values["project"].pk, r.values["year"]): r for r in rows
                  if r.obj is None and not r.project_row}
        if not wanted:
            return {}
        plans = AnnualPlan.objects.filter(project_id__in={p for p, _y in wanted}, year__in={y for _p, y in wanted})
        return {id(wanted[(plan.project_id, plan.year)]): state_of(plan) for plan in plans
                if (plan.project_id, plan.year) in wanted}
    return {}


def _preview(*, user, data):
    require_library_writer(user)
    preview = LibraryPreview()
    workbook = open_workbook(data)
    if PROJECT_SHEET not in workbook.sheetnames:
        preview.file_errors.append(
            _("The workbook has no sheet named %(sheet)s; start from an exported library.") % {"sheet": PROJECT_SHEET})
        return preview
    sheets = {}
    for name, columns in SHEETS.items():
        if name not in workbook.sheetnames:
            sheets[name] = []  # the plans and milestones sheets are optional
            continue
        rows = _read_sheet(workbook[name], columns, preview)
        if rows is None:
            return preview
        sheets[name] = rows
    lookups = _Lookups()
    _check_projects(preview, sheets[PROJECT_SHEET], lookups)
    _check_plans(preview, sheets[PLAN_SHEET], lookups)
    _check_milestones(preview, sheets[MILESTONE_SHEET], lookups)
    return preview


def _read_sheet(sheet, columns, preview):
    """[(row number, [values], {key of a formula cell})] of the non-empty rows, or None after a
    file error (wrong header)."""
    expected = [header for _k, header, _w in columns]
    rows = sheet.iter_rows()
    header = next(rows, None)
    found = [cell_text(cell.value) for cell in (header or ())][: len(expected)]
    if found != expected:
        preview.file_errors.append(
            _("The header row of sheet %(sheet)s differs from the export's: %(headers)s")
            % {"sheet": sheet.title, "headers": " | ".join(expected)})
        return None
    keys = [key for key, _h, _w in columns]
    parsed = []
    for number, cells in enumerate(rows, start=2):
        cells = list(cells)[: len(keys)]
        values = [getattr(cell, "value", None) for cell in cells] + [None] * (len(keys) - len(cells))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        formulas = {keys[i] for i, cell in enumerate(cells) if getattr(cell, "data_type", None) == "f"}
        parsed.append((number, dict(zip(keys, values)), formulas))
    return parsed


class _Lookups:
    """Everything the checks compare with, read once (a fixed number of queries)."""

    def __init__(self):
        self.projects = {p.pk: p for p in Project.objects.prefetch_related("leaders", "cooperating_units",
                                                                           "programmes")}
        self.project_by_name = {p.name: p for p in self.projects.values()}
        self.project_by_code = {p.code: p for p in self.projects.values() if p.code}
        self.zones = {}
        for zone in Zone.objects.all():
            self.zones[zone.name] = zone
            self.zones.setdefault(zone.code, zone)
        self.zones_by_id = {zone.pk: zone for zone in self.zones.values()}
        self.units = {unit.name: unit for unit in Unit.objects.all()}
        self.units_by_id = {unit.pk: unit for unit in self.units.values()}
        self.leaders = {leader.name: leader for leader in Leader.objects.all()}
        self.programmes = {programme.code: programme for programme in Programme.objects.all()}
        self.plans = {(plan.project_id, plan.year): plan for plan in AnnualPlan.objects.all()}
        self.milestones = {milestone.pk: milestone for milestone in Milestone.objects.all()}
        self.new_projects = {}  # name → RowResult of a project this file creates


def _choice(choices, raw):
    """The stored value of a choice written as its code, its Chinese label or its English label."""
    text = cell_text(raw)
    if not text:
        return None
    for value, label in choices.choices:
        if text.lower() == value:
            return value
        with translation.override("zh-hans"):
            if text == str(label):
                return value
        with translation.override("en"):
            if text.lower() == str(label).lower():
                return value
    raise ValueError(text)


def _choice_list(choices):
    with translation.override("zh-hans"):
        return "、".join(str(label) for label in choices.labels)


def _split(raw):
    return [part.strip() for part in SEPARATORS.split(cell_text(raw)) if part.strip()]


def _date(raw):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    text = cell_text(raw).replace("/", "-").replace(".", "-")
    return datetime.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))


def _money(result, values, key, required=False):
    raw = values[key]
    try:
        amount = cell_decimal(raw)
    except (ValueError, ArithmeticError):
        result.error(key, _("Not a number: %(value)s") % {"value": raw})
        return None
    if amount is None:
        if required:
            result.error(key, _("This cell is required."))
    elif amount < 0:
        result.error(key, _("The amount cannot be negative."))
    elif amount >= MAX_MONEY:
        result.error(key, _("The number is too large."))
    return amount


def _date_cell(result, values, key):
    try:
        return _date(values[key])
    except (ValueError, TypeError):
        result.error(key, _("Not a date (write YYYY-MM-DD): %(value)s") % {"value": values[key]})
        return None


def _text(result, values, key, max_length=None):
    text = cell_text(values[key])
    if max_length and len(text) > max_length:
        result.error(key, _("At most %(max)s characters.") % {"max": max_length})
    return text


def _id(result, values, key):
    raw = values[key]
    if raw is None or cell_text(raw) == "":
        return None
    try:
        return int(cell_text(raw).removesuffix(".0"))
    except ValueError:
        result.error(key, _("Not a number: %(value)s") % {"value": raw})
        return False


def _display(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple, set)):
        return "、".join(sorted(str(v) for v in value)) or "—"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _check_projects(preview, rows, lookups):
    seen_ids, seen_names, seen_codes = {}, {}, {}
    for number, values, formulas in rows:
        result = RowResult(PROJECT_SHEET, number, PROJECT_COLUMNS, label=cell_text(values["name"]))
        preview.projects.append(result)
        for key in sorted(formulas):
            result.error(key, _("Formulas are not accepted; type the value."))
        if result.errors:
            continue
        project = _find_project(result, values, lookups, seen_ids)
        if project is False:
            continue
        result.obj = project
        v = result.values
        v["name"] = _text(result, values, "name", 200)
        if not v["name"]:
            result.error("name", _("This cell is required."))
        elif v["name"] in seen_names:
            result.error("name", _("Duplicate row: the name is also on row %(row)s.") % {"row": seen_names[v["name"]]})
        else:
            seen_names[v["name"]] = number
            other = lookups.project_by_name.get(v["name"])
            if other is not None and other is not project:
                result.error("name", _("Another project (number %(id)s) already has this name.") % {"id": other.pk})
        v["code"] = _text(result, values, "code") or None
        if v["code"]:
            try:
                validate_project_code(v["code"])
            except ValidationError as exc:
                result.error("code", " ".join(exc.messages))
            else:
                other = lookups.project_by_code.get(v["code"])
                if v["code"] in seen_codes:
                    result.error("code", _("Duplicate code: the code is also on row %(row)s.")
                                 % {"row": seen_codes[v["code"]]})
                elif other is not None and other is not project:
                    result.error("code", _("Another project (%(name)s) already has this code.") % {"name": other.name})
                seen_codes.setdefault(v["code"], number)
        v["name_en"] = _text(result, values, "name_en", 300)
        v["aliases"] = "\n".join(_split(values["aliases"]))
        for key, choices, required in (("category", Category, True), ("stage", Stage, True),
                                       ("key_level", KeyLevel, False)):
            try:
                value = _choice(choices, values[key])
            except ValueError:
                result.error(key, _("Unknown value %(value)s; use one of: %(choices)s.")
                             % {"value": cell_text(values[key]), "choices": _choice_list(choices)})
                continue
            if value is None and required:
                result.error(key, _("This cell is required; use one of: %(choices)s.")
                             % {"choices": _choice_list(choices)})
            v[key] = value or ""
        v["zone"] = _named(result, values, "zone", lookups.zones, _("Unknown zone: %(value)s"))
        v["lead_unit"] = _named(result, values, "lead_unit", lookups.units, _("Unknown unit: %(value)s"))
        result.m2m["cooperating_units"] = _named_list(result, values, "cooperating_units", lookups.units,
                                                      _("Unknown unit: %(value)s"))
        result.m2m["leaders"] = _named_list(result, values, "leaders", lookups.leaders,
                                            _("Unknown leader: %(value)s"))
        result.m2m["programmes"] = _named_list(result, values, "programmes", lookups.programmes,
                                               _("Unknown programme code: %(value)s"))
        v["total_investment"] = _money(result, values, "total_investment")
        v["planned_start"] = _date_cell(result, values, "planned_start")
        v["planned_completion"] = _date_cell(result, values, "planned_completion")
        if v["planned_start"] and v["planned_completion"] and v["planned_start"] > v["planned_completion"]:
            result.error("planned_completion", _("The planned completion cannot be before the planned start."))
        v["description"] = _text(result, values, "description")
        v["is_archived"] = cell_bool(values["is_archived"])
        if not result.errors and project is None:
            lookups.new_projects[v["name"]] = result
    # Parents may be rows of this file: resolved once every row is known.
    for (number, values, _formulas), result in zip(rows, preview.projects):
        if result.errors or result.obj is False:
            continue
        parent_name = cell_text(values["parent"])
        result.values["parent"] = None
        if parent_name:
            parent = lookups.project_by_name.get(parent_name)
            new_parent = lookups.new_projects.get(parent_name)
            if parent is None and new_parent is None:
                result.error("parent", _("Unknown project: %(value)s") % {"value": parent_name})
            elif parent_name == result.values["name"]:
                result.error("parent", _("A project cannot be its own parent."))
            elif parent is not None:
                result.values["parent"] = parent
            else:
                result.parent_row = new_parent
        _compare_project(result, lookups)


def _find_project(result, values, lookups, seen_ids):
    """The stored project a row is about: by number, else by code, else by name; None for a new
    project; False after an error."""
    pk = _id(result, values, "id")
    if pk is False:
        return False
    if pk is not None:
        project = lookups.projects.get(pk)
        if project is None:
            result.error("id", _("Unknown project number: %(value)s") % {"value": pk})
            return False
        if pk in seen_ids:
            result.error("id", _("Duplicate row: the project is also on row %(row)s.") % {"row": seen_ids[pk]})
            return False
        seen_ids[pk] = result.row
        return project
    code = cell_text(values["code"])
    project = lookups.project_by_code.get(code) if code else None
    project = project or lookups.project_by_name.get(cell_text(values["name"]))
    if project is not None:
        if project.pk in seen_ids:
            result.error("name", _("Duplicate row: the project is also on row %(row)s.") % {"row": seen_ids[project.pk]})
            return False
        seen_ids[project.pk] = result.row
    return project


def _named(result, values, key, table, message):
    name = cell_text(values[key])
    if not name:
        return None
    found = table.get(name)
    if found is None:
        result.error(key, message % {"value": name})
    return found


def _named_list(result, values, key, table, message):
    found, unknown = [], []
    for name in _split(values[key]):
        (found if name in table else unknown).append(table.get(name) or name)
    if unknown:
        result.error(key, message % {"value": "、".join(unknown)})
    return list(dict.fromkeys(found))


SCALAR_FIELDS = ["code", "name", "name_en", "aliases", "category", "stage", "key_level", "zone", "lead_unit",
                 "total_investment", "planned_start", "planned_completion", "parent", "description", "is_archived"]
HEADER_OF = dict((key, header) for key, header, _w in PROJECT_COLUMNS)


FOREIGN_KEYS = {"zone": "zones_by_id", "lead_unit": "units_by_id", "parent": "projects"}


def _compare_project(result, lookups):
    if result.errors:
        return
    project = result.obj
    if project is None:
        result.action = "create"
        return
    for key in SCALAR_FIELDS:
        if key in FOREIGN_KEYS:
            # Compared by id and shown by name, without a query per row.
            old_id = getattr(project, f"{key}_id")
            old = getattr(lookups, FOREIGN_KEYS[key]).get(old_id) if old_id else None
            old = old.name if old else None
            new = result.values[key]
            new = result.parent_row.values["name"] if key == "parent" and result.parent_row else (
                new.name if new else None)
            if (old_id or None) != (result.values[key].pk if result.values[key] else None) or (
                    key == "parent" and result.parent_row):
                result.changes.append(Change(HEADER_OF[key], _display(old), _display(new)))
            continue
        old, new = getattr(project, key), result.values[key]
        if key == "aliases":
            old, new = project.alias_list, new.splitlines()
        elif isinstance(old, str) and isinstance(new, str):
            old, new = old.strip(), new.strip()
        if (old or None) != (new or None):
            result.changes.append(Change(HEADER_OF[key], _display(old), _display(new)))
    for key in ("cooperating_units", "leaders", "programmes"):
        attribute = "code" if key == "programmes" else "name"
        old = {getattr(o, attribute) for o in getattr(project, key).all()}
        new = {getattr(o, attribute) for o in result.m2m[key]}
        if old != new:
            result.changes.append(Change(HEADER_OF[key], _display(old), _display(new)))
    result.action = "update" if result.changes else "unchanged"


def _project_of(result, values, lookups):
    """The project a plan or milestone row belongs to: a stored one, or the RowResult of a project
    this file creates (then result.project_row is set); None after an error."""
    pk = _id(result, values, "project_id")
    if pk is False:
        return None
    name = cell_text(values["project"])
    result.label = name
    if pk is not None:
        project = lookups.projects.get(pk)
        if project is None:
            result.error("project_id", _("Unknown project number: %(value)s") % {"value": pk})
        else:
            result.label = project.name
        return project
    project = lookups.project_by_name.get(name)
    if project is not None:
        return project
    new = lookups.new_projects.get(name)
    if new is None:
        result.error("project", _("Unknown project: %(value)s") % {"value": name or "—"})
        return None
    result.project_row = new
    return new


def _check_plans(preview, rows, lookups):
    seen = {}
    for number, values, formulas in rows:
        result = RowResult(PLAN_SHEET, number, PLAN_COLUMNS)
        preview.plans.append(result)
        for key in sorted(formulas):
            result.error(key, _("Formulas are not accepted; type the value."))
        if result.errors:
            continue
        project = _project_of(result, values, lookups)
        year = _id(result, values, "year")
        if year is None:
            result.error("year", _("This cell is required."))
        elif year is not False and not 2000 <= year <= 2100:
            result.error("year", _("The year must be between 2000 and 2100."))
        amount = _money(result, values, "planned_investment", required=True)
        target = _text(result, values, "target")
        if project is None or result.errors:
            continue
        key = (id(project), year)
        if key in seen:
            result.error("year", _("Duplicate row: the plan of this project and year is also on row %(row)s.")
                         % {"row": seen[key]})
            continue
        seen[key] = number
        result.label = f"{result.label} {year}"
        result.values = {"year": year, "planned_investment": amount, "target": target}
        if not result.project_row:
            result.values["project"] = project
        plan = None if result.project_row else lookups.plans.get((project.pk, year))
        result.obj = plan
        if plan is None:
            result.action = "create"
            continue
        for key in ("planned_investment", "target"):
            old, new = getattr(plan, key), result.values[key]
            if (old.strip() if isinstance(old, str) else old) != new:
                result.changes.append(Change(_headers(PLAN_COLUMNS)[key], _display(old), _display(new)))
        result.action = "update" if result.changes else "unchanged"


def _check_milestones(preview, rows, lookups):
    seen = {}
    for number, values, formulas in rows:
        result = RowResult(MILESTONE_SHEET, number, MILESTONE_COLUMNS)
        preview.milestones.append(result)
        for key in sorted(formulas):
            result.error(key, _("Formulas are not accepted; type the value."))
        if result.errors:
            continue
        project = _project_of(result, values, lookups)
        pk = _id(result, values, "id")
        milestone = None
        if pk:
            milestone = lookups.milestones.get(pk)
            if milestone is None:
                result.error("id", _("Unknown milestone number: %(value)s") % {"value": pk})
            elif pk in seen:
                result.error("id", _("Duplicate row: the milestone is also on row %(row)s.") % {"row": seen[pk]})
            elif project is not None and (result.project_row or milestone.project_id != project.pk):
                result.error("id", _("The milestone belongs to another project."))
            seen.setdefault(pk, number)
        try:
            kind = _choice(MilestoneKind, values["kind"])
        except ValueError:
            kind = None
            result.error("kind", _("Unknown value %(value)s; use one of: %(choices)s.")
                         % {"value": cell_text(values["kind"]), "choices": _choice_list(MilestoneKind)})
        else:
            if kind is None:
                result.error("kind", _("This cell is required; use one of: %(choices)s.")
                             % {"choices": _choice_list(MilestoneKind)})
        name = _text(result, values, "name", 200)
        planned = _date_cell(result, values, "planned_date")
        actual = _date_cell(result, values, "actual_date")
        if planned is None and actual is None and not result.errors:
            result.error("planned_date", _("A milestone needs a planned or an actual date."))
        note = _text(result, values, "note")
        if project is None or result.errors:
            continue
        result.label = f"{result.label} {MilestoneKind(kind).label}"
        result.values = {"kind": kind, "name": name, "planned_date": planned, "actual_date": actual, "note": note}
        result.obj = milestone
        if milestone is None:
            result.action = "create"
            if not result.project_row:
                result.values["project"] = project
            continue
        for key in ("kind", "name", "planned_date", "actual_date", "note"):
            old, new = getattr(milestone, key), result.values[key]
            if (old.strip() if isinstance(old, str) else old) != new:
                if key == "kind":
                    old, new = MilestoneKind(old).label, MilestoneKind(new).label
                result.changes.append(Change(_headers(MILESTONE_COLUMNS)[key], _display(old), _display(new)))
        result.action = "update" if result.changes else "unchanged"


# --- import ---------------------------------------------------------------------------------------


@transaction.atomic
def library_import(*, user, data, seen=None):
    """Stores every row of a checked library workbook, or nothing at all. `seen` is what the
    person's preview saw (LibraryPreview.seen()); a record saved by someone else since then, or
    since this import read it, is a conflict (preview.conflicts) and nothing is stored. Returns
    the preview; `preview.ok` says whether anything was stored."""
    preview = _preview(user=user, data=data)
    if not preview.ok:
        return preview
    preview.conflicts = _conflicts(preview, seen or {}, lock=True)
    if preview.conflicts:
        return preview
    created = {}  # id(RowResult) → Project created from it
    for result in preview.projects:
        if result.action == "unchanged":
            continue
        project = result.obj or Project()
        for key in SCALAR_FIELDS:
            if key == "parent":
                continue
            if key == "aliases" and project.pk and project.alias_list == result.values[key].splitlines():
                continue
            setattr(project, key, result.values[key])
        if result.values["parent"] is not None or result.parent_row is None:
            project.parent = result.values["parent"]
        if project.pk:
            project.version += 1
        _save(project, user)
        for key in ("cooperating_units", "leaders", "programmes"):
            getattr(project, key).set(result.m2m[key])
        created[id(result)] = project
    for result in preview.projects:
        if result.parent_row is not None:
            project = created.get(id(result)) or result.obj
            project.parent = created[id(result.parent_row)]
            _save(project, user)
    for result in preview.plans:
        if result.action == "unchanged":
            continue
        plan = result.obj or AnnualPlan(project=_stored_project(result, created), year=result.values["year"])
        plan.planned_investment = result.values["planned_investment"]
        plan.target = result.values["target"]
        if plan.pk:
            plan.version += 1
        _save(plan, user)
    for result in preview.milestones:
        if result.action == "unchanged":
            continue
        milestone = result.obj or Milestone(project=_stored_project(result, created))
        for key in ("kind", "name", "planned_date", "actual_date", "note"):
            setattr(milestone, key, result.values[key])
        _save(milestone, user)
    audit_event("import.library", user=user, **{
        kind: sum(1 for r in rows if r.action != "unchanged")
        for kind, rows in (("projects", preview.projects), ("plans", preview.plans), ("milestones", preview.milestones))})
    return preview


def _stored_project(result, created):
    return created[id(result.project_row)] if result.project_row else result.values["project"]


def _save(instance, user):
    instance._history_user = user  # noqa: SLF001 - django-simple-history's documented hook
    instance.save()
