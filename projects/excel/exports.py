"""Workbooks that leave the system: the monthly bulletin (一月一通报), the problem ledger (问题台账) and
the quarterly review ranking (季观摩排名).

Every figure comes from the services (bulletin_data, review_ranking); nothing is recomputed here
beyond unit conversion (万元 → 亿元) and per-cent scaling for Excel's per-cent format. Each export
is built in two steps: a plain table model (`bulletin_tables`, used by the print view too, so paper
and workbook show the same content) and the openpyxl writer. Every cell goes through
`write_cell`, so no text ever becomes a formula. Headers are Chinese: the office's documents are."""

import io
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from projects.choices import Category, Light, ProblemCategory, ProblemOrigin, ProblemStatus, PublicationStatus, Stage
from projects.excel.workbook import MONEY_FORMAT, a4_landscape, set_widths, write_cell, write_header
from projects.models import Problem, Project, ReviewScore
from projects.services.bulletins import bulletin_data, in_rank_order
from projects.services.reviews import review_ranking

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WAN_PER_YI = Decimal("10000")
HUNDRED = Decimal("100")
YI_FORMAT = "0.00"
RATE_FORMAT = "0.00%"
POINTS_FORMAT = "0.00"
INTEGER_FORMAT = "0"

# Fill colours of the lights (RGB), the same in the workbook and on paper.
LIGHT_RGB = {Light.GREEN: "63BE7B", Light.YELLOW: "FFEB84", Light.RED: "F8696B"}
LIGHT_FILLS = {light: PatternFill("solid", fgColor=rgb) for light, rgb in LIGHT_RGB.items()}
OVERDUE_RGB = "FFC7CE"
OVERDUE_FILL = PatternFill("solid", fgColor=OVERDUE_RGB)
TOP_RGB = "C6EFCE"
TOP_FILL = PatternFill("solid", fgColor=TOP_RGB)
BOTTOM_FILL = PatternFill("solid", fgColor=OVERDUE_RGB)
TITLE_FONT = Font(bold=True, size=14)
NOTE_FONT = Font(italic=True, color="C00000")


def dec(value):
    """A Decimal from a Decimal, a number or the string a frozen bulletin stores; None stays None."""
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def yi(wan):
    """万元 → 亿元, exact (the cell's format shows two places)."""
    return None if wan is None else dec(wan) / WAN_PER_YI


def ratio(points):
    """A rate in per cent (103.33) as the fraction Excel's per-cent format expects (1.0333)."""
    return None if points is None else dec(points) / HUNDRED


def choice_label(choices, value):
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def workbook_bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(content, filename, ascii_filename):
    """An attachment response; `filename*` (RFC 5987/6266) carries the Chinese name, `filename` an
    ASCII fallback for old clients."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename, ascii_filename)
    return response


def content_disposition(filename, ascii_filename, disposition="attachment"):
    return f"{disposition}; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename)}"


def _title(sheet, text, columns, note_lines=()):
    """Row 1: the title across the table; row 2: notes (status, units, superseded)."""
    write_cell(sheet, 1, 1, text, font=TITLE_FONT, border=False)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 24
    if note_lines:
        write_cell(sheet, 2, 1, "；".join(note_lines), font=NOTE_FONT, border=False)
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=columns)
        sheet.cell(row=2, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[2].height = 30


def _finish(sheet, header_row, last_row, columns):
    """Frozen header, autofilter over the table, A4 landscape fit to width, title rows on every page."""
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(columns)}{max(last_row, header_row)}"
    a4_landscape(sheet, title_rows=f"1:{header_row}")


# --- the monthly bulletin ------------------------------------------------------------------------


@dataclass
class TotalLine:
    dimension: str
    label: str
    count: int
    plan_in_force: Decimal  # 万元
    completed_ytd: Decimal  # 万元
    completion_rate: Decimal | None  # per cent
    green: int
    yellow: int
    red: int

    @property
    def plan_yi(self):
        return yi(self.plan_in_force)

    @property
    def completed_yi(self):
        return yi(self.completed_ytd)


@dataclass
class DetailLine:
    rank: int | None
    code: str
    name: str
    stage: str
    category: str
    zone: str
    unit: str
    leaders: str
    plan_in_force: Decimal
    completed_ytd: Decimal
    completed_month: Decimal
    completion_rate: Decimal | None
    time_progress: Decimal
    gap_points: Decimal | None
    light: str
    light_label: str
    reasons: str
    project_id: int = 0
    forecast: str = ""  # the early warning (预警), e.g. 预计年底 75.00%，8月转黄; "" without one


@dataclass
class BulletinTables:
    bulletin: object
    title: str
    status_label: str
    notes: list
    time_progress: Decimal
    totals: list = field(default_factory=list)
    details: list = field(default_factory=list)
    bottom: list = field(default_factory=list)

    @property
    def period(self):
        return f"{self.bulletin.year}-{self.bulletin.month:02d}"


TOTAL_DIMENSIONS = [
    ("stage", "按阶段"), ("zone", "按区域"), ("category", "按类别"), ("programme", "按推进计划"), ("unit", "按牵头单位"),
]


def _total_line(dimension, totals):
    label = totals.get("label", "")
    if dimension == "按阶段":
        label = choice_label(Stage, label)
    elif dimension == "按类别":
        label = choice_label(Category, label)
    return TotalLine(
        dimension=dimension, label=label or "—", count=int(totals["count"]),
        plan_in_force=dec(totals["plan_in_force"]), completed_ytd=dec(totals["completed_ytd"]),
        completion_rate=dec(totals.get("completion_rate")),
        green=int(totals["green"]), yellow=int(totals["yellow"]), red=int(totals["red"]),
    )


def bulletin_tables(bulletin):
    """What the bulletin's workbook and print view show, from `bulletin_data` (frozen rows and totals
    once published, computed live for a draft). Three or four queries, whatever the number of rows."""
    with translation.override(settings.LANGUAGE_CODE):
        data = bulletin_data(bulletin=bulletin)
        ids = [row.project_id for row in data.rows]
        projects = {p.pk: p for p in Project.objects.filter(pk__in=ids).only("pk", "code")
                    .prefetch_related("leaders")}
        status = PublicationStatus.PUBLISHED if bulletin.is_published else PublicationStatus.DRAFT
        notes = [f"状态：{status.label}", f"时间进度 {data.time_progress}%", "汇总金额单位：亿元；明细金额单位：万元"]
        if not bulletin.is_published:
            notes.append("草稿：数据为实时计算，发布前可能变化")
        if bulletin.superseded_at:
            notes.append("已被更正：本通报发布后有更正被采纳，本通报保持发布时原样，更正在下期通报中体现"
                          + (f"（{bulletin.superseded_note}）" if bulletin.superseded_note else ""))
        tables = BulletinTables(
            bulletin=bulletin, title=f"解放区重点项目建设月通报（{bulletin.year}年{bulletin.month}月）"
            + (f" {bulletin.title}" if bulletin.title else ""),
            status_label=str(status.label), notes=notes, time_progress=data.time_progress,
        )
        if data.totals.get("all"):
            tables.totals.append(_total_line("全部", data.totals["all"]))
        for key, dimension in TOTAL_DIMENSIONS:
            groups = data.totals.get(key, [])
            if key == "unit" and not any(t.get("label") for t in groups):
                continue  # no project has a lead unit: a lone "—" line says nothing
            tables.totals.extend(_total_line(dimension, t) for t in groups)

        def line(row):
            project = projects.get(row.project_id)
            return DetailLine(
                rank=row.rank_in_category, code=(project.code or "") if project else "", name=row.project_name,
                stage=choice_label(Stage, row.stage), category=choice_label(Category, row.category),
                zone=row.zone_name, unit=row.unit_name,
                leaders="、".join(sorted(leader.name for leader in project.leaders.all())) if project else "",
                plan_in_force=dec(row.plan_in_force), completed_ytd=dec(row.completed_ytd),
                completed_month=dec(row.completed_month), completion_rate=dec(row.completion_rate),
                time_progress=dec(row.time_progress), gap_points=dec(row.gap_points), light=row.light,
                light_label=choice_label(Light, row.light),
                reasons="；".join(reason["text"].rstrip("。.") for reason in row.reasons), project_id=row.project_id,
                forecast=row.forecast_text or "",
            )

        tables.details = [line(row) for row in in_rank_order(data.rows)]
        by_id = {d.project_id: d for d in tables.details}
        # The projects pressed, worst first (docs/rankings.md).
        pressed = [row for rows in data.bottom.values() for row in rows]
        pressed.sort(key=lambda r: (r.completion_rate is None, r.completion_rate or 0, r.project_name))
        tables.bottom = [by_id[row.project_id] for row in pressed]
    return tables


TOTAL_HEADERS = ["维度", "分组", "项目数", "年度计划(亿元)", "累计完成(亿元)", "完成率", "绿灯", "黄灯", "红灯"]
TOTAL_WIDTHS = [12, 30, 8, 16, 16, 10, 7, 7, 7]
DETAIL_HEADERS = ["类别内排名", "项目代码", "项目名称", "阶段", "类别", "区域", "牵头单位", "分包领导",
                  "年度计划(万元)", "累计完成(万元)", "本月完成(万元)", "完成率", "时间进度", "差距(百分点)",
                  "灯号", "原因", "预警"]
DETAIL_WIDTHS = [8, 26, 32, 8, 12, 16, 20, 14, 14, 14, 14, 10, 10, 10, 8, 40, 26]
DETAIL_FORMATS = {1: INTEGER_FORMAT, 9: MONEY_FORMAT, 10: MONEY_FORMAT, 11: MONEY_FORMAT, 12: RATE_FORMAT,
                  13: RATE_FORMAT, 14: POINTS_FORMAT}
LIGHT_COLUMN = 15
BOTTOM_HEADERS = ["类别", "类别内排名", "项目名称", "牵头单位", "分包领导", "累计完成(万元)", "完成率", "灯号", "原因"]
BOTTOM_WIDTHS = [14, 10, 32, 20, 14, 14, 10, 8, 40]


def _write_light(sheet, row, col, line):
    write_cell(sheet, row, col, line.light_label, fill=LIGHT_FILLS.get(line.light))


def bulletin_workbook(bulletin, tables=None):
    """The bulletin as .xlsx bytes: sheets 汇总 (totals, 亿元), 明细 (one row per project, 万元) and
    排名靠后 (the projects pressed at the monthly on-site office meeting)."""
    tables = tables or bulletin_tables(bulletin)
    workbook = Workbook()
    header_row = 3

    sheet = workbook.active
    sheet.title = "汇总"
    _title(sheet, tables.title, len(TOTAL_HEADERS), tables.notes)
    write_header(sheet, TOTAL_HEADERS, row=header_row)
    row = header_row
    for t in tables.totals:
        row += 1
        for col, (value, fmt) in enumerate([
            (t.dimension, None), (t.label, None), (t.count, INTEGER_FORMAT), (t.plan_yi, YI_FORMAT),
            (t.completed_yi, YI_FORMAT), (ratio(t.completion_rate), RATE_FORMAT),
            (t.green, INTEGER_FORMAT), (t.yellow, INTEGER_FORMAT), (t.red, INTEGER_FORMAT),
        ], start=1):
            write_cell(sheet, row, col, value, number_format=fmt)
        for col, light in ((7, Light.GREEN), (8, Light.YELLOW), (9, Light.RED)):
            sheet.cell(row=row, column=col).fill = LIGHT_FILLS[light]
    set_widths(sheet, TOTAL_WIDTHS)
    _finish(sheet, header_row, row, len(TOTAL_HEADERS))

    sheet = workbook.create_sheet("明细")
    _title(sheet, tables.title, len(DETAIL_HEADERS), tables.notes)
    write_header(sheet, DETAIL_HEADERS, row=header_row)
    row = header_row
    for d in tables.details:
        row += 1
        values = [d.rank, d.code, d.name, d.stage, d.category, d.zone, d.unit, d.leaders, d.plan_in_force,
                  d.completed_ytd, d.completed_month, ratio(d.completion_rate), ratio(d.time_progress),
                  d.gap_points, None, d.reasons, d.forecast or None]
        for col, value in enumerate(values, start=1):
            write_cell(sheet, row, col, value, number_format=DETAIL_FORMATS.get(col))
        _write_light(sheet, row, LIGHT_COLUMN, d)
        for col in (LIGHT_COLUMN + 1, LIGHT_COLUMN + 2):  # 原因, 预警
            sheet.cell(row=row, column=col).alignment = Alignment(wrap_text=True, vertical="top")
    set_widths(sheet, DETAIL_WIDTHS)
    _finish(sheet, header_row, row, len(DETAIL_HEADERS))

    sheet = workbook.create_sheet("排名靠后")
    _title(sheet, tables.title + " 月度现场办公会督促项目（完成率最低）", len(BOTTOM_HEADERS), tables.notes)
    write_header(sheet, BOTTOM_HEADERS, row=header_row)
    row = header_row
    for d in tables.bottom:
        row += 1
        values = [d.category, d.rank, d.name, d.unit, d.leaders, d.completed_ytd, ratio(d.completion_rate),
                  None, d.reasons]
        formats = {2: INTEGER_FORMAT, 6: MONEY_FORMAT, 7: RATE_FORMAT}
        for col, value in enumerate(values, start=1):
            write_cell(sheet, row, col, value, number_format=formats.get(col))
        _write_light(sheet, row, 8, d)
    set_widths(sheet, BOTTOM_WIDTHS)
    _finish(sheet, header_row, row, len(BOTTOM_HEADERS))
    return workbook_bytes(workbook)


def bulletin_filenames(bulletin):
    period = f"{bulletin.year}-{bulletin.month:02d}"
    return f"重点项目月通报-{period}", f"bulletin-{period}"


def bulletin_xlsx_response(bulletin):
    name, ascii_name = bulletin_filenames(bulletin)
    return xlsx_response(bulletin_workbook(bulletin), name + ".xlsx", ascii_name + ".xlsx")


# --- the problem ledger --------------------------------------------------------------------------


PROBLEM_HEADERS = ["序号", "项目名称", "问题类别", "问题", "问题描述", "责任单位", "提出场合", "提出日期",
                   "办结时限", "状态", "逾期天数", "办理结果", "办结日期"]
PROBLEM_WIDTHS = [6, 28, 14, 28, 36, 20, 24, 12, 12, 10, 9, 36, 12]
DATE_FORMAT = "yyyy-mm-dd"


def days_overdue(problem, today):
    """Days past the deadline: until today while open, until its resolution once closed; 0 if on time."""
    end = problem.resolved_on if problem.status == ProblemStatus.RESOLVED and problem.resolved_on else today
    return max((end - problem.deadline).days, 0)


def problems_queryset(queryset):
    return queryset.select_related("project", "responsible_unit", "meeting").order_by("deadline", "id")


def problem_workbook(queryset, today=None, subtitle=""):
    """The problems of `queryset` (already filtered) as .xlsx bytes; rows overdue today are filled red.
    One query."""
    today = today or timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "问题台账"
        header_row = 3
        notes = [f"导出日期：{today.isoformat()}", "逾期未办结的问题以红色底纹标出"] + ([subtitle] if subtitle else [])
        _title(sheet, "解放区重点项目问题台账", len(PROBLEM_HEADERS), notes)
        write_header(sheet, PROBLEM_HEADERS, row=header_row)
        row = header_row
        for number, problem in enumerate(problems_queryset(queryset), start=1):
            row += 1
            origin = choice_label(ProblemOrigin, problem.origin)
            if problem.meeting_id:
                origin = f"{origin}：{problem.meeting.title}"
            overdue = Problem.is_overdue(problem, today)  # the admin annotates a field of that name
            values = [
                number, problem.project.name, choice_label(ProblemCategory, problem.category), problem.title,
                problem.description, problem.responsible_unit.name if problem.responsible_unit_id else "", origin,
                problem.raised_on, problem.deadline, choice_label(ProblemStatus, problem.status),
                days_overdue(problem, today), problem.resolution, problem.resolved_on,
            ]
            formats = {1: INTEGER_FORMAT, 8: DATE_FORMAT, 9: DATE_FORMAT, 11: INTEGER_FORMAT, 13: DATE_FORMAT}
            for col, value in enumerate(values, start=1):
                cell = write_cell(sheet, row, col, value, number_format=formats.get(col),
                                  fill=OVERDUE_FILL if overdue else None)
                if col in (5, 12):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        set_widths(sheet, PROBLEM_WIDTHS)
        _finish(sheet, header_row, row, len(PROBLEM_HEADERS))
    return workbook_bytes(workbook)


def problem_xlsx_response(queryset, today=None, subtitle=""):
    today = today or timezone.localdate()
    return xlsx_response(problem_workbook(queryset, today=today, subtitle=subtitle),
                         f"问题台账-{today.isoformat()}.xlsx", f"problems-{today.isoformat()}.xlsx")


# --- the quarterly review ranking ----------------------------------------------------------------


def review_criterion_scores(review, criteria):
    """{project_id: {criterion_id: weighted part}}: per criterion, the mean over reviewers normalised to
    0..100 by the maximum score, times the criterion's share of the total weight; the parts of a project
    add up to its score (project_review_score) before rounding. One query."""
    values = {}
    for score in ReviewScore.objects.filter(review=review).only("project_id", "criterion_id", "score"):
        values.setdefault(score.project_id, {}).setdefault(score.criterion_id, []).append(score.score)
    total_weight = sum((c.weight for c in criteria), Decimal("0")) or Decimal("1")
    result = {}
    for project_id, by_criterion in values.items():
        parts = {}
        for criterion in criteria:
            given = by_criterion.get(criterion.pk)
            if given:
                mean = sum(given) / len(given)
                parts[criterion.pk] = mean * HUNDRED / criterion.max_score * criterion.weight / total_weight
        result[project_id] = parts
    return result


def review_workbook(review):
    """The review's ranking per category as .xlsx bytes: each criterion's weighted part, the total
    score, rank, and the top (激励先进, green) and bottom (鞭策后进, red) marked. Three queries."""
    with translation.override(settings.LANGUAGE_CODE):
        ranking = review_ranking(review=review)
        criteria = list(review.criteria.order_by("id"))
        parts = review_criterion_scores(review, criteria)
        headers = ["类别", "类别内排名", "项目名称",
                   *[f"{c.name}(权重{c.weight.normalize():f})" for c in criteria], "综合得分", "标记"]
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "观摩排名"
        header_row = 3
        status = PublicationStatus.PUBLISHED if review.is_published else PublicationStatus.DRAFT
        notes = [f"状态：{status.label}", f"观摩日期：{review.date.isoformat()}",
                 "各项得分 = 评委平均分折算为百分制 × 权重占比，合计为综合得分"]
        _title(sheet, f"{review.year}年第{review.quarter}季度重点项目观摩排名 {review.title}", len(headers), notes)
        write_header(sheet, headers, row=header_row)
        row = header_row
        n = len(criteria)
        for category, rows in ranking.items():
            for line in rows:
                row += 1
                mark = "激励先进" if line.is_top else "鞭策后进" if line.is_bottom else ""
                project_parts = parts.get(line.project_id, {})
                values = [choice_label(Category, category), line.rank, line.project_name,
                          *[project_parts.get(c.pk) for c in criteria], line.score, mark]
                fill = TOP_FILL if line.is_top else BOTTOM_FILL if line.is_bottom else None
                for col, value in enumerate(values, start=1):
                    fmt = INTEGER_FORMAT if col == 2 else POINTS_FORMAT if 4 <= col <= 4 + n else None
                    write_cell(sheet, row, col, value, number_format=fmt, fill=fill)
        set_widths(sheet, [14, 10, 32, *[14] * n, 12, 10])
        _finish(sheet, header_row, row, len(headers))
    return workbook_bytes(workbook)


def review_xlsx_response(review):
    period = f"{review.year}-Q{review.quarter}"
    return xlsx_response(review_workbook(review), f"季观摩排名-{period}.xlsx", f"review-ranking-{period}.xlsx")


# --- half-year and year-end evaluations ----------------------------------------------------------


EVALUATION_HEADERS = ["排名", "名称", "投资完成得分", "节点得分", "问题办结得分", "观摩得分", "总分"]
EVALUATION_WIDTHS = [8, 36, 14, 12, 14, 12, 12]


def evaluation_results(evaluation):
    """(project rows, unit rows) in rank order: the frozen results once published, else computed now.
    Each row has rank, name and the four part scores and total."""
    from projects.services.evaluations import evaluation_compute

    if evaluation.is_published:
        results = list(evaluation.results.select_related("project", "unit"))
        for result in results:
            result.name = result.project.name if result.project_id else result.unit.name
        projects = [r for r in results if r.subject == "project"]
        units = [r for r in results if r.subject == "unit"]
    else:
        data = evaluation_compute(evaluation=evaluation)
        projects, units = data.projects, data.units
    return sorted(projects, key=lambda r: (r.rank, r.name)), sorted(units, key=lambda r: (r.rank, r.name))


def evaluation_workbook(evaluation):
    """The evaluation's ranking as .xlsx bytes: sheets 项目 and 单位, the first place green, the last red."""
    with translation.override(settings.LANGUAGE_CODE):
        projects, units = evaluation_results(evaluation)
        status = PublicationStatus.PUBLISHED if evaluation.is_published else PublicationStatus.DRAFT
        notes = [f"状态：{status.label}",
                 f"权重：投资完成 {evaluation.weight_completion}，节点 {evaluation.weight_milestones}，"
                 f"问题办结 {evaluation.weight_problems}，观摩 {evaluation.weight_reviews}"]
        title = f"{evaluation.year}年{evaluation.get_kind_display()}"
        workbook = Workbook()
        workbook.remove(workbook.active)
        header_row = 3
        for sheet_name, rows in (("项目", projects), ("单位", units)):
            sheet = workbook.create_sheet(sheet_name)
            _title(sheet, f"{title}（{sheet_name}排名）", len(EVALUATION_HEADERS), notes)
            write_header(sheet, EVALUATION_HEADERS, row=header_row)
            row = header_row
            last_rank = max((r.rank for r in rows), default=0)
            for result in rows:
                row += 1
                fill = TOP_FILL if result.rank == 1 else BOTTOM_FILL if result.rank == last_rank > 1 else None
                values = [result.rank, result.name, result.completion_score, result.milestone_score,
                          result.problem_score, result.review_score, result.total]
                for col, value in enumerate(values, start=1):
                    write_cell(sheet, row, col, value, fill=fill,
                               number_format=INTEGER_FORMAT if col == 1 else POINTS_FORMAT if col > 2 else None)
            set_widths(sheet, EVALUATION_WIDTHS)
            _finish(sheet, header_row, row, len(EVALUATION_HEADERS))
    return workbook_bytes(workbook)


def evaluation_xlsx_response(evaluation):
    name = f"{evaluation.year}-{evaluation.kind}"
    return xlsx_response(evaluation_workbook(evaluation), f"考核排名-{name}.xlsx", f"evaluation-{name}.xlsx")
