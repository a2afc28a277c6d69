"""Descriptions for integrators, in Chinese and English, of every operation and parameter of the
schema (TrackerAutoSchema.get_operation calls `describe_operation`).

Plain CRUD operations are described from the model (its name in both languages and its
docstring); the mechanism's actions and the special endpoints have their Chinese text here, next
to the English docstring of their view. Parameters without a description in both languages get
one from the model field they filter (its verbose name in both languages) and the suffix of the
filter (`_after`, `_min`, `_name` …). projects/tests/test_api_schema_descriptions.py fails on any
operation or parameter without both languages, and on notes meant for developers."""

import re

from django.core.exceptions import FieldDoesNotExist
from django.utils import translation

CJK = re.compile(r"[\u4e00-\u9fff]")
# Chinese written as Chinese, not a Chinese term quoted in English ("the template (台账)"): Chinese
# characters, then Chinese punctuation on the same line.
CHINESE_SENTENCE = re.compile(r"[\u4e00-\u9fff][^\n]*?[。；：，、！？]")
LATIN = re.compile(r"\b[a-z]{3,}\b")  # an English word (not an acronym such as ISO)
# Phrases of notes for developers that must not reach an integrator.
DEVELOPER_NOTES = ("projects/permissions", "projects/services", "projects/api/", "projects/excel", "projects/models",
                   "projects/tests", ".py", "role_actions", "project_path", "recorded_by", "CRUD with", "bench B",
                   "viewset", "ViewSet", "queryset", "serializer", "TODO", "archive_services", "goes through",
                   "service_action", "_services", "Mixin")

STANDARD = {
    "list": ("列出{zh}（分页；可用下列参数筛选）。", "List {en_plural} (paged; filter with the parameters below)."),
    "create": ("新建一条{zh}。", "Create a {en}."),
    "retrieve": ("读取一条{zh}。", "Read one {en}."),
    "update": ("修改一条{zh}（提交全部字段）。", "Replace one {en} (send every field)."),
    "partial_update": ("修改一条{zh}（只提交要改的字段）。", "Change one {en} (send only the fields to change)."),
    "destroy": ("删除一条{zh}。", "Delete one {en}."),
}

# The Chinese of the mechanism's actions (by action name) and of the special endpoints (by view class).
ACTIONS = {
    "submit": "报送：把草稿月报报送项目办审核（本单位填报员或项目办）。",
    "accept": "审核通过：项目办审核通过已报送的月报；只有审核通过的月报计入通报。",
    "return_": "退回：项目办把已报送的月报退回单位修改，须写明原因。",
    "publish": "发布：项目办发布（冻结）该记录，发布后不再改变。",
    "archive": "归档：记录从默认列表中隐去，相关记录和历史全部保留。",
    "unarchive": "取消归档：让已归档的记录回到默认列表。",
    "close": "销号：写明解决情况和日期，关闭问题（责任单位或项目办）。",
    "escalate": "提级：把问题提交领导协调，须写明原因。",
    "history": "历史：该记录的各个版本（最新在前），每条注明修改时间、原因和改动的字段；修改人的账号只向项目办和审计员显示，"
               "其他角色只看到修改人的角色。可按日期筛选（项目办和审计员还可按用户筛选）。",
    "scores": "评分：该次观摩的评分。",
    "download": "下载附件文件：照片为重新编码后的图片，文件为原样。",
    "thumbnail": "照片的 JPEG 缩略图（文件类附件返回 404）。",
}
VIEWS = {
    "HealthView": "健康检查（无需登录）：应用在运行且数据库可用时返回 ok，否则 503。",
    "TokenView": "令牌：用用户名和密码换取 API 令牌（POST）；DELETE 作废调用者自己的令牌。",
    "OC4IDSView": "开放数据：按 /api/projects/ 的筛选条件输出 OC4IDS 0.9.5 项目数据包（金额单位为元）；无匹配项目时返回 404。",
    "DashboardView": "驾驶舱：某月（默认最近有审核月报的月份）的累计完成与序时进度、按区域和类别的完成率、红黄绿灯数、前五名和后五名、"
                     "逾期问题和缺报月报；按调用者的角色限定范围。",
    "ReportTemplateView": "下载月报模板（Excel）：调用者负责填报的项目各占一行，已填好项目代码、名称、有效计划和上月累计；项目办可限定单位。",
    "ReportImportView": "导入填好的月报模板：全部行无误才写入，否则一行不写。dry_run=true 只预览；带上预览返回的 preview_token，"
                        "预览之后被他人修改过的行会作为冲突返回 409。",
    "LibraryExportView": "导出项目库工作簿（项目库、年度计划、时间节点三张表），筛选条件同 /api/projects/；已归档的项目只在 "
                         "include_archived=true 时导出。",
    "LibraryImportView": "导入项目库工作簿（仅项目办）：全部行无误才写入。dry_run=true 只预览；preview_token 用法同月报导入。",
    "BulletinXlsxView": "下载通报工作簿：汇总（以亿元计）、明细（每个项目一行，以万元计，红黄绿灯以文字和单元格颜色表示）和排名靠后"
                        "（各类别末位）三张表，A4 横向；已发布的通报导出发布时冻结的数字，草稿即时计算。",
    "ProblemXlsxView": "下载问题台账工作簿，筛选条件同 /api/problems/。",
    "ReviewRankingXlsxView": "下载观摩排名工作簿：按项目类别排名，列出各评分项的加权得分、总分和名次，并标出前列（激励先进）和末位"
                             "（鞭策后进）的项目。",
    "EvaluationXlsxView": "下载考评结果工作簿：“项目”和“单位”两张表，列出四个分项得分和总分及名次；已发布的考评为冻结的结果，"
                          "草稿即时计算。",
    "MeView": "当前用户：账号、角色、单位和关联的分包领导。",
    "MyTodoView": "我的待办：调用者按其角色需要处理的事项。单位填报员：本单位应报和被退回的月报、本单位负责的问题；分包领导：其红灯"
                  "和黄灯项目、待评分的观摩、已提交领导协调的问题；项目办：待审核的月报、待编制或待发布的通报、逾期问题、迟报的单位；"
                  "审计员：无。每个角色只读取自己的待办。",
    "YearRolloverView": "年度结转（仅项目办）：开启下一年度，已竣工项目关闭、其余项目带入下一年并生成草稿年度计划；dry_run=true "
                        "只预览，确认后一次性写入。",
    "SpectacularAPIView": "本 API 的 OpenAPI 3 说明（YAML；?format=json 返回 JSON）。",
}
VIEW_EN = {
    "SpectacularAPIView": "The OpenAPI 3 schema of this API (YAML; ?format=json for JSON).",
}

PARAMETERS = {
    "page": ("页码（从 1 开始）。", "Page number (from 1)."),
    "page_size": ("每页条数（默认 50，最多 500；项目列表最多 1000）。", "Rows per page (50 by default, at most 500; "
                                                             "projects: 1,000)."),
    "cursor": ("游标：上一页答复中 next 链接里的值，原样传回。", "The cursor from the previous page's `next` link, "
                                                               "sent back as it is."),
    "format": ("答复格式：json（或 API 可浏览页面的 api）。", "Answer format: json (or api for the browsable page)."),
    "ordering": ("排序字段，前加 - 为倒序，如 -total_investment。", "Sort by this field; prefix - for descending, e.g. "
                                                                  "-total_investment."),
    "q": ("全文检索：名称、英文名、别名等包含此文字。", "Search: names, English names, aliases … containing this text."),
    "search": ("全文检索。", "Search text."),
    "include_archived": ("true 时也列出已归档的记录。", "true: list archived records too."),
    "lang": ("说明文字的语言（zh-hans 或 en）。", "Language of the schema's texts (zh-hans or en)."),
    "id": ("记录编号。", "The record's id."),
    "month": ("只看该月份（1–12）的记录。", "Only records of this month (1-12)."),
    "year": ("只看该年份的记录。", "Only records of this year."),
    "quarter": ("只看该季度（1–4）的记录。", "Only records of this quarter (1-4)."),
    "user": ("只看该用户所做的修改（用户编号或用户名）；仅限项目办和审计员，其他角色返回 400。",
             "Only changes by this user (id or username); office staff and auditors only (others: 400)."),
    "since": ("只看该日及之后的修改（YYYY-MM-DD）。", "Only changes on or after this day (YYYY-MM-DD)."),
    "until": ("只看该日及之前的修改（YYYY-MM-DD）。", "Only changes on or before this day (YYYY-MM-DD)."),
    "If-Match": ("您读取时的版本，即 ETag 头的值（如 \"3\"）。记录已是其他版本时拒绝修改（412），errors 列出期间的改动。",
                 'The version you loaded, as sent in the ETag header (e.g. "3"). If the record is at another '
                 "version the write is refused with 412 and `errors` lists what changed meanwhile."),
    "X-Change-Reason": ("修改原因（最多 100 字，非 ASCII 字符按 UTF-8 百分号编码），记入历史；也可用请求体字段 "
                        "change_reason。", "Why the change is made (at most 100 characters, percent-encode "
                        "non-ASCII as UTF-8); kept in the record's history. The body field `change_reason` does "
                        "the same."),
    "progress_year": ("进度数字的年份（默认今年）。", "Year of the progress figures (default: this year)."),
    "progress_month": ("进度数字的月份（默认今年最近有审核月报的月份，否则 12）。", "Month of the progress figures "
                       "(default: the latest month of this year with accepted reports, else 12)."),
}
SUFFIXES = {
    "after": ("{zh}不早于该日（YYYY-MM-DD）。", "{en} on or after this date (YYYY-MM-DD)."),
    "before": ("{zh}不晚于该日（YYYY-MM-DD）。", "{en} on or before this date (YYYY-MM-DD)."),
    "min": ("{zh}不小于该值。", "{en} at least this value."),
    "max": ("{zh}不大于该值。", "{en} at most this value."),
    "name": ("{zh}名称与此文字完全一致（最多 200 字）。", "{en}: its name, exactly this text (at most 200 characters)."),
    "code": ("{zh}代码。", "{en}: its code."),
}


def bilingual(text):
    return bool(CHINESE_SENTENCE.search(text or "")) and bool(LATIN.search(text or ""))


def _names(model):
    """(zh, en, en plural) names of a model."""
    with translation.override("zh-hans"):
        zh = str(model._meta.verbose_name)
    with translation.override("en"):
        en, plural = str(model._meta.verbose_name), str(model._meta.verbose_name_plural)
    return zh, en, plural


def _field_names(model, name):
    """(zh, en) verbose names of `model`'s field `name`, or None."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    verbose = getattr(field, "verbose_name", None)
    if verbose is None:  # a reverse relation
        return _names(field.related_model)[:2]
    with translation.override("zh-hans"):
        zh = str(verbose)
    with translation.override("en"):
        en = str(verbose)
    return zh, en


def _model_of(view):
    queryset = getattr(view, "queryset", None)
    return getattr(queryset, "model", None)


def _is_developer_note(text):
    return any(phrase in (text or "") for phrase in DEVELOPER_NOTES)


def _own_doc(view):
    """The view class's own docstring (not one inherited from a base class), for an integrator."""
    from drf_spectacular.plumbing import get_doc

    doc = type(view).__dict__.get("__doc__")
    return "" if not doc or _is_developer_note(doc) else get_doc(type(view))


def describe_operation(view, action, method, description):
    """The operation's description in both languages."""
    description = str(description or "")
    model = _model_of(view)
    standard = action if action in STANDARD else None
    if standard is None and action is None and model is not None and method == "get" and (
            type(view).__name__.endswith("List")):
        standard = "list"  # the nested lists (/api/projects/{id}/reports/ …)
    if standard is not None and model is not None:
        zh, en, plural = _names(model)
        zh_text, en_text = STANDARD[standard]
        parts = [zh_text.format(zh=zh), en_text.format(en=en, en_plural=plural)]
        doc = model.__doc__ or ""
        own = _own_doc(view)
        extra = own or (doc if not doc.startswith(model.__name__ + "(") else "")
        if description and not _is_developer_note(description) and description.strip() != extra.strip():
            extra = (extra + "\n\n" + description).strip() if extra and description not in extra else description
        text = parts[0] + " / " + parts[1]
        return text + ("\n\n" + extra.strip() if extra.strip() else "")
    if bilingual(description) and not _is_developer_note(description):
        return description
    zh = ACTIONS.get(action) if action else None
    zh = zh or VIEWS.get(type(view).__name__)
    english = description if description and not _is_developer_note(description) else VIEW_EN.get(
        type(view).__name__, "")
    if zh and not CHINESE_SENTENCE.search(english or ""):
        return f"{zh} / {english}".strip(" /") if english else zh
    return english or zh or ""


def describe_parameter(view, parameter):
    """The parameter's description in both languages."""
    description = str(parameter.get("description", "") or "")
    zh, en = _describe_name(view, parameter["name"], parameter.get("in"))
    if description.lstrip().startswith("* `"):  # only the list of choices: say what the parameter is first
        return f"{zh} / {en}\n\n{description}"
    if bilingual(description):
        return description
    if parameter["name"] in PARAMETERS:
        return f"{zh} / {en}"
    if CJK.search(description):
        return f"{description} / {en}"
    if LATIN.search(description):
        return f"{zh} / {description}"
    return f"{zh} / {en}"


def _describe_name(view, name, location):
    if name in PARAMETERS and not (location == "path" and name != "id"):
        return PARAMETERS[name]
    model = _model_of(view)
    if location == "path" and name.endswith("_pk"):
        parent = getattr(view, "parent_model", None)
        if parent is not None:
            zh, en, _plural = _names(parent)
            return f"{zh}编号。", f"The {en}'s id."
    if model is not None:
        names = _field_names(model, name)
        if names is not None:
            return f"按{names[0]}筛选。", f"Filter by {names[1]}."
        base, _sep, suffix = name.rpartition("_")
        if suffix in SUFFIXES and base:
            names = _field_names(model, base) or _filter_label(view, name)
            if names is not None:
                zh, en = SUFFIXES[suffix]
                return zh.format(zh=names[0]), en.format(en=names[1][:1].upper() + names[1][1:])
    label = _filter_label(view, name)
    if label is not None:
        return f"按“{label[0]}”筛选。", f"Filter by {label[1][:1].lower() + label[1][1:]}."
    words = name.replace("_", " ")
    return f"参数 {name}。", f"The {words}."


def _filter_label(view, name):
    """(zh, en) label of the view's filter `name` (or of the filter it is a suffix of)."""
    filterset_class = getattr(view, "filterset_class", None)
    if filterset_class is None:
        return None
    filter_ = filterset_class.base_filters.get(name) or filterset_class.base_filters.get(name.rpartition("_")[0])
    if filter_ is None or not filter_.label:
        return None
    with translation.override("zh-hans"):
        zh = str(filter_.label)
    with translation.override("en"):
        en = str(filter_.label)
    return zh, en
