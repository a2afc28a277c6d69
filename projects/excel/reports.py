"""Monthly reports in and out of Excel: the unit's template (台账) and the all-or-nothing import.

The import runs in two steps. `reports_preview` reads and checks the whole workbook and says, row
by row, what would be created or changed and what is wrong (row, column, reason); nothing is
stored. `reports_import` stores the rows only when the preview has no error, in one transaction,
with audit history. Both are used by the admin, the API and `manage.py import_reports`.

The import locks the month's reports it writes and compares them with what the preview saw
(projects/excel/conflicts.py): a report saved by someone else after the preview is a conflict,
named with its row, who saved it and when, and nothing is stored."""

import io
from collections import namedtuple
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.query import ModelIterable
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from simple_history.utils import bulk_update_with_history

from projects.choices import ReportStatus, Role
from projects.excel.workbook import (
    MONEY_FORMAT,
    a4_landscape,
    cell_bool,
    cell_decimal,
    cell_text,
    formula_cells,
    has_formulas,
    read_sheets,
    set_widths,
    write_header,
    write_row,
)
from projects.collector import collector_paused
from projects.excel.conflicts import find_conflicts
from projects.exceptions import Conflict, DomainError, NotAllowed
from projects.history import bulk_insert_with_history_rows
from projects.models import MonthlyReport, Project
from projects.services.reports import ytd_rule_error
from projects.services.roles import role_of, unit_of
from projects.audit import audit_event

SHEET = "月报"
META_SHEET = "说明"
# (key, header, width); the column letters follow from the order.
COLUMNS = [
    ("id", "项目编号", 10),
    ("code", "项目代码", 26),
    ("name", "项目名称", 36),
    ("name_en", "英文名称", 36),
    ("plan", "年度计划(万元)", 16),
    ("previous_ytd", "上月累计完成(万元)", 18),
    ("completed_ytd", "本月累计完成(万元)", 18),
    ("progress_note", "形象进度", 40),
    ("problems_raised", "存在问题", 30),
    ("is_correction", "是否更正(是/否)", 14),
    ("correction_reason", "更正原因", 30),
]
COL = {key: index for index, (key, _header, _width) in enumerate(COLUMNS)}
LETTER = {key: chr(ord("A") + index) for key, index in COL.items()}
HEADERS = {key: header for key, header, _width in COLUMNS}


# What a row needs of its project: looked up as tuples, not model instances.
ProjectRef = namedtuple("ProjectRef", "pk name lead_unit_id")


@dataclass
class CellError:
    column: str  # letter, e.g. "G"
    header: str
    message: str


@dataclass
class RowResult:
    row: int
    project: ProjectRef | None = None
    label: str = ""
    action: str = ""  # "create", "update" or "unchanged"
    previous_ytd: Decimal | None = None
    current_ytd: Decimal | None = None
    completed_ytd: Decimal | None = None
    progress_note: str = ""
    problems_raised: str = ""
    is_correction: bool = False
    correction_reason: str = ""
    report: MonthlyReport | None = None
    errors: list[CellError] = field(default_factory=list)

    def error(self, key, message):
        self.errors.append(CellError(LETTER[key], HEADERS[key], message))


@dataclass
class ImportPreview:
    year: int
    month: int
    rows: list[RowResult] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    conflicts: list = field(default_factory=list)  # RowConflicts: rows saved by others since the preview

    @property
    def ok(self):
        return (not self.file_errors and not self.conflicts and all(not r.errors for r in self.rows)
                and bool(self.rows))

    def seen(self):
        """{row: [report id, version]} of every row about a project: what this preview saw
        ([None, None] where the month has no report yet)."""
        return {str(r.row): [r.report.pk, r.report.version] if r.report else [None, None]
                for r in self.rows if r.action}

    @property
    def error_rows(self):
        return [r for r in self.rows if r.errors]

    def count(self, action):
        return sum(1 for r in self.rows if r.action == action and not r.errors)

    def as_dict(self):
        return {
            "year": self.year,
            "month": self.month,
            "ok": self.ok,
            "file_errors": self.file_errors,
            "created": self.count("create"),
            "updated": self.count("update"),
            "unchanged": self.count("unchanged"),
            "conflicts": [c.as_dict() for c in self.conflicts],
            "rows": [
                {
                    "row": r.row,
                    "project": r.project.pk if r.project else None,
                    "label": r.label,
                    "action": r.action,
                    "previous_ytd": _money(r.previous_ytd),
                    "current_ytd": _money(r.current_ytd),
                    "completed_ytd": _money(r.completed_ytd),
                    "report": r.report.pk if r.report else None,
                    "version": r.report.version if r.report else None,
                    "errors": [e.__dict__ for e in r.errors],
                }
                for r in self.rows
            ],
        }


def _money(value):
    return None if value is None else f"{value:.2f}"


def writable_projects(user):
    """The projects the user may report for: all for office staff, its unit's for a reporter."""
    role = role_of(user)
    if role == Role.OFFICE:
        return Project.objects.active()
    if role == Role.REPORTER and unit_of(user) is not None:
        return Project.objects.active().for_unit(unit_of(user))
    return Project.objects.none()


def reports_template(*, user, year, month, unit=None):
    """The monthly report template: one row per project the user reports for (office staff may
    narrow it to a unit), with code, names, plan in force and last month's YTD filled in."""
    projects = writable_projects(user)
    if unit is not None:
        projects = projects.for_unit(unit)
    previous_month = month - 1
    projects = projects.with_progress(year, max(previous_month, 1)).filter(plan_baseline__isnull=False)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    write_header(sheet, [header for _key, header, _width in COLUMNS])
    set_widths(sheet, [width for _key, _header, width in COLUMNS])
    formats = {COL["plan"] + 1: MONEY_FORMAT, COL["previous_ytd"] + 1: MONEY_FORMAT,
               COL["completed_ytd"] + 1: MONEY_FORMAT}
    for row, project in enumerate(projects.order_by("name"), start=2):
        previous = project.completed_ytd if previous_month >= 1 and project.report_month else None
        write_row(sheet, row, [project.pk, project.code or "", project.name, project.name_en,
                               project.plan_in_force, previous, None, "", "", "否", ""], formats)
    a4_landscape(sheet)
    meta = workbook.create_sheet(META_SHEET)
    meta.append(["年份", year])
    meta.append(["月份", month])
    meta.append(["说明", f"请在“{HEADERS['completed_ytd']}”列填写截至{year}年{month}月底的累计完成投资（万元）。"
                         "更正以前月份的数字时填写“是”并说明原因。"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def reports_preview(*, user, data, year, month, seen=None):
    """Reads and checks a filled template; stores nothing. With `seen` (what an earlier preview of
    the same file saw), the reports saved since then are listed as conflicts."""
    with collector_paused():
        preview = _preview(user=user, data=data, year=year, month=month)
    if seen and preview.ok:
        preview.conflicts = find_conflicts([
            (SHEET, r.row, r.label, str(r.row), read, read)
            for r in preview.rows if r.action
            for read in [(r.report.pk, r.report.version) if r.report else (None, None)]
        ], seen, model=MonthlyReport)
    return preview


def _preview(*, user, data, year, month):
    preview = ImportPreview(year=year, month=month)
    if role_of(user) not in (Role.OFFICE, Role.REPORTER):
        raise NotAllowed(_("Your role does not allow importing reports."), code="wrong_role")
    check_period(year, month)
    sheets = read_sheets(data, (SHEET, META_SHEET))
    if SHEET not in sheets:
        preview.file_errors.append(_("The workbook has no sheet named %(sheet)s; start from the template.")
                                   % {"sheet": SHEET})
        return preview
    # calamine reads a formula cell as its cached value: the rare workbook with formulas is read
    # once more to say where they are.
    formulas = formula_cells(data, (SHEET, META_SHEET)) if has_formulas(data) else {}
    _check_meta(sheets.get(META_SHEET), formulas.get(META_SHEET, {}), preview)
    rows = sheets[SHEET]
    in_cells = {}  # row number → the 0-based columns of its formula cells
    for (number, column) in formulas.get(SHEET, {}):
        in_cells.setdefault(number, set()).add(column - 1)
    expected = [h for _k, h, _w in COLUMNS]
    if not rows or 1 in in_cells or [cell_text(h) for h in rows[0][: len(expected)]] != expected:
        preview.file_errors.append(_("The header row differs from the template's: %(headers)s")
                                   % {"headers": " | ".join(expected)})
        return preview
    # Empty rows are skipped (calamine gives "" for an empty cell); a row with a formula is not empty,
    # even below the last cell calamine saw a value in.
    if in_cells and max(in_cells) > len(rows):
        rows = rows + [[] for _number in range(max(in_cells) - len(rows))]
    parsed = [(number, values) for number, values in enumerate(rows[1:], start=2)
              if values.count("") < len(values) or number in in_cells]
    _check_rows(user, preview, parsed, in_cells)
    return preview


def _whole(value):
    """A float holding a whole number (calamine reads every number as a float) as an int: 7.0 → 7."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _check_meta(rows, formulas, preview):
    if rows is None:
        return
    meta = {}
    for number, row in enumerate(rows[:2], start=1):
        if len(row) > 1:
            meta[cell_text(row[0])] = formulas.get((number, 2), _whole(row[1]))
    for key in ("年份", "月份"):
        if meta.get(key) == "":
            meta[key] = None
    if meta.get("年份") not in (None, preview.year) or meta.get("月份") not in (None, preview.month):
        preview.file_errors.append(
            _("The workbook is the template for %(y)s-%(m)s, not for %(year)s-%(month)02d.")
            % {"y": meta.get("年份"), "m": meta.get("月份"), "year": preview.year, "month": preview.month}
        )


def _check_rows(user, preview, parsed, in_cells):
    allowed_ids = set(writable_projects(user).values_list("pk", flat=True))
    by_id, by_name = {}, {}
    for pk, name, aliases, lead_unit_id in Project.objects.active().values_list(
            "pk", "name", "aliases", "lead_unit_id").order_by():
        project = by_id[pk] = ProjectRef(pk, name, lead_unit_id)
        by_name[name] = project
        for alias in aliases.splitlines():
            if alias.strip():
                by_name.setdefault(alias.strip(), project)
    ids_in_file = set()
    seen = {}
    results = []
    width = len(COLUMNS)
    i_ytd, i_note, i_problems = COL["completed_ytd"], COL["progress_note"], COL["problems_raised"]
    i_correction, i_reason = COL["is_correction"], COL["correction_reason"]
    limit = Decimal("1e12")
    for number, values in parsed:
        if len(values) < width:
            values = values + [""] * (width - len(values))
        result = RowResult(row=number)
        results.append(result)
        if number in in_cells:
            for key, _h, _w in COLUMNS:
                if COL[key] in in_cells[number]:
                    result.error(key, _("Formulas are not accepted; type the value."))
            if result.errors:
                continue
        project = _find_project(result, values, by_id, by_name)
        if project is None:
            continue
        pk = project.pk
        result.project, result.label = project, project.name
        if pk not in allowed_ids:
            result.error("name", _("Your unit is not responsible for this project."))
        if pk in seen:
            result.error("id", _("Duplicate row: the project is also on row %(row)s.") % {"row": seen[pk]})
        else:
            seen[pk] = number
        ids_in_file.add(pk)
        try:
            completed = result.completed_ytd = cell_decimal(values[i_ytd])
        except (ValueError, ArithmeticError):
            result.error("completed_ytd", _("Not a number: %(value)s") % {"value": values[i_ytd]})
        else:
            if completed is None:
                result.error("completed_ytd", _("The completed investment is required."))
            elif completed < 0:
                result.error("completed_ytd", _("The completed investment cannot be negative."))
            elif completed >= limit:
                result.error("completed_ytd", _("The number is too large."))
        result.progress_note = cell_text(_whole(values[i_note]))
        result.problems_raised = cell_text(_whole(values[i_problems]))
        result.is_correction = cell_bool(_whole(values[i_correction]))
        result.correction_reason = cell_text(_whole(values[i_reason]))
    _check_against_reports(preview, results, ids_in_file)
    preview.rows = results


def _find_project(result, values, by_id, by_name):
    raw_id, name = _whole(values[COL["id"]]), cell_text(_whole(values[COL["name"]]))
    if raw_id not in (None, ""):
        try:
            project = by_id.get(raw_id if type(raw_id) is int else int(str(raw_id).strip()))
        except ValueError:
            project = None
        if project is None:
            result.label = name or str(raw_id)
            result.error("id", _("Unknown project number: %(value)s") % {"value": raw_id})
        return project
    project = by_name.get(name)
    if project is None:
        result.label = name
        result.error("name", _("Unknown project: %(value)s") % {"value": name or "—"})
    return project


def _check_against_reports(preview, results, ids_in_file):
    """Compares each row with the stored reports of the month, the latest month before it and the
    earliest month after it (three queries, each an index lookup a project)."""
    year, month = preview.year, preview.month
    current = {r.project_id: r for r in _reports_of(ids_in_file, MonthlyReport.objects.filter(year=year, month=month))}
    reports = MonthlyReport.objects.filter(project_id=OuterRef("pk"), year=year)
    earlier = reports.filter(month__lt=month).order_by("-month")
    previous = {pk: ytd for pk, ytd in _reports_of(ids_in_file, Project.objects.annotate(
        ytd=Subquery(earlier.values("completed_ytd")[:1])).values_list("pk", "ytd")) if ytd is not None}
    after = reports.filter(month__gt=month).order_by("month")
    later = {row[0]: row for row in _reports_of(ids_in_file, Project.objects.annotate(
        next_month=Subquery(after.values("month")[:1]), next_ytd=Subquery(after.values("completed_ytd")[:1]),
        next_correction=Subquery(after.values("is_correction")[:1]),
    ).values_list("pk", "next_month", "next_ytd", "next_correction")) if row[1] is not None}
    for result in results:
        if result.project is None or result.completed_ytd is None or result.errors:
            continue
        pk = result.project.pk
        result.previous_ytd = previous.get(pk)
        report = current.get(pk)
        result.report = report
        result.current_ytd = report.completed_ytd if report else None
        if report is None:
            result.action = "create"
        elif (report.completed_ytd, report.progress_note, report.problems_raised) == (
            result.completed_ytd, result.progress_note, result.problems_raised
        ):
            result.action = "unchanged"
            continue
        else:
            result.action = "update"
            if report.status == ReportStatus.SUBMITTED:
                result.error("completed_ytd", _("The report of this month is awaiting acceptance; "
                                                "ask the project office to return it first."))
                continue
            if report.status == ReportStatus.ACCEPTED:
                result.is_correction = True
        after = later.get(pk)
        message = ytd_rule_error(
            completed_ytd=result.completed_ytd, previous_ytd=result.previous_ytd,
            is_correction=result.is_correction, correction_reason=result.correction_reason,
            next_ytd=after and after[2], next_is_correction=bool(after and after[3]),
            next_month=after and after[1],
        )
        if message:
            key = "correction_reason" if result.is_correction else "completed_ytd"
            result.error(key, message)


# Up to this many projects are named in a query (IN); beyond, the query reads every project (or
# report of the month) and the others are dropped: cheaper than thousands of parameters, within any limit.
MAX_IN_LIST = 500


def _reports_of(project_ids, queryset):
    """The rows of `queryset` (reports, or project tuples whose first item is the pk) for `project_ids`."""
    if not project_ids:
        return []
    tuples = queryset._iterable_class is not ModelIterable
    field = "pk" if tuples else "project_id"
    if len(project_ids) <= MAX_IN_LIST:
        return list(queryset.filter(**{f"{field}__in": project_ids}).order_by())
    return [row for row in queryset.order_by() if (row[0] if tuples else row.project_id) in project_ids]


def reports_import(*, user, data, year, month, submit=False, seen=None):
    """Stores every row of a checked workbook as a draft report (or submits it), or nothing at all.
    `seen` is what the person's preview saw (ImportPreview.seen()); a report saved by someone else
    since then, or since this import read it, is a conflict (preview.conflicts) and nothing is
    stored. Returns the preview; `preview.ok` says whether anything was stored."""
    try:
        with collector_paused(), transaction.atomic():
            return _import(user=user, data=data, year=year, month=month, submit=submit, seen=seen or {})
    except IntegrityError:
        # A report of a row to create was inserted by someone else between the check and the insert.
        raise Conflict(_("Reports of this month were saved meanwhile; nothing was imported. "
                         "Preview the file again."), code="changed_meanwhile") from None


def lock_month_reports(year, month, project_ids):
    """{project id: (report id, version)} of the month's reports of `project_ids`, locked (SELECT …
    FOR UPDATE) until the transaction ends."""
    if not project_ids:
        return {}
    reports = MonthlyReport.objects.select_for_update().filter(year=year, month=month).order_by("pk")
    if len(project_ids) <= MAX_IN_LIST:
        reports = reports.filter(project_id__in=project_ids)
    return {project: (pk, version) for project, pk, version in reports.values_list("project_id", "pk", "version")
            if project in project_ids}


def _import(*, user, data, year, month, submit, seen):
    preview = reports_preview(user=user, data=data, year=year, month=month)
    if not preview.ok:
        return preview
    rows = [r for r in preview.rows if r.action]
    locked = lock_month_reports(year, month, {r.project.pk for r in rows})
    preview.conflicts = find_conflicts([
        (SHEET, r.row, r.label, str(r.row), (r.report.pk, r.report.version) if r.report else (None, None),
         locked.get(r.project.pk, (None, None)))
        for r in rows
    ], seen, model=MonthlyReport)
    if preview.conflicts:
        return preview
    from projects.services.roles import unit_of as _unit

    now = timezone.now()
    unit = _unit(user)
    reporter_name = user.get_full_name() or user.get_username()
    status = ReportStatus.SUBMITTED if submit else ReportStatus.DRAFT
    to_create, to_update = [], []
    for result in preview.rows:
        action = result.action
        if action not in ("create", "update"):
            continue
        values = {
            "completed_ytd": result.completed_ytd,
            "progress_note": result.progress_note,
            "problems_raised": result.problems_raised,
            "is_correction": result.is_correction,
            "correction_reason": result.correction_reason if result.is_correction else "",
            "status": status,
            "reporting_unit_id": unit.pk if unit else result.project.lead_unit_id,
            "reporter_name": reporter_name,
            "return_reason": "",
        }
        if submit:
            values["submitted_at"], values["submitted_by_id"] = now, user.pk
        if action == "create":
            # A new report is a row of values (no model instance), defaults for the other fields.
            values.update(project_id=result.project.pk, year=year, month=month)
            to_create.append(values)
        else:
            report = result.report
            report.version += 1
            for name, value in values.items():
                setattr(report, name, value)
            to_update.append(report)
    if to_create:
        bulk_insert_with_history_rows(MonthlyReport, to_create, user=user, key=("project_id", "year", "month"),
                                      batch_size=2000)
    if to_update:
        bulk_update_with_history(
            to_update, MonthlyReport, batch_size=2000, default_user=user,
            fields=["completed_ytd", "progress_note", "problems_raised", "is_correction", "correction_reason",
                    "status", "reporting_unit", "reporter_name", "return_reason", "submitted_at", "submitted_by",
                    "version"],
        )
    audit_event("import.reports", user=user, period=f"{year}-{month:02d}", reports_created=len(to_create),
                reports_updated=len(to_update), submitted=submit)
    return preview


def check_period(year, month):
    """DomainError(field="month") unless the month is 1-12 of a year 2000-2100."""
    if not (isinstance(year, int) and isinstance(month, int) and 2000 <= year <= 2100 and 1 <= month <= 12):
        raise DomainError(_("Give the month as YYYY-MM, e.g. 2013-10."), field="month", code="bad_month")


def parse_month(value):
    """'2013-10' → (2013, 10), or DomainError on field month."""
    try:
        year, month = (int(part) for part in str(value).split("-"))
    except ValueError:
        raise DomainError(_("Give the month as YYYY-MM, e.g. 2013-10."), field="month") from None
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise DomainError(_("Give the month as YYYY-MM, e.g. 2013-10."), field="month")
    return year, month
