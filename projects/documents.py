"""The five source documents in seeds/, in one place: a title and a date for each file name, so that
pages show "《2014年解放区政府工作报告》（2014年初）" rather than `001_9e72c8706aa50388.txt`; and the
fields a source supports written with their verbose names ("总投资；阶段", not "total_investment;
stage"). The titles are read from the documents themselves (headline or subject); the dates are
as precise as the documents allow."""

from django.utils.translation import get_language, gettext_lazy as _

# file name → (Chinese title, English title, date as the document allows it, in Chinese and English)
DOCUMENTS = {
    "000_b76cfeaad4da6d93.txt": ("解放区2013年十大经济新闻和十大民生新闻", "Jiefang District's ten economic and ten livelihood news of 2013",
                                 "2013年末", "end of 2013"),
    "001_9e72c8706aa50388.txt": ("解放区2014年政府工作报告（2013年回顾与2014年计划）",
                                 "Jiefang District government work report 2014 (2013 review, 2014 plan)",
                                 "2014年初", "early 2014"),
    "002_d483e3190728a4fe.txt": ("解放区2011年上半年工作综述（建党90周年）",
                                 "Jiefang District's first half of 2011 (90 years of the Party)",
                                 "2011年年中", "mid-2011"),
    "003_de8a6e769b4f48b7.txt": ("「解放元素」闪亮市政府工作报告（含解放区2022年教育工作综述）",
                                 "Jiefang in the city government work report (with the 2022 education review)",
                                 "2023年1月", "January 2023"),
    "004_3a1a967272ad7249.txt": ("示范区重点工作推进会要求：正视问题 明确目标 狠抓落实 强化保障",
                                 "The demonstration zone's key-work meeting: face the problems, set the goals",
                                 "2014年9月15日", "15 September 2014"),
}


def document_choices():
    """(file name, title and date) of the five documents, for a document picker."""
    return [("", "---------")] + [(name, document_title(name)) for name in DOCUMENTS]


def _chinese():
    return (get_language() or "zh-hans").lower().startswith("zh")


def document_title(file_name):
    """The document's title and date in the current language; the file name when unknown."""
    known = DOCUMENTS.get(file_name)
    if known is None:
        return file_name
    title_zh, title_en, date_zh, date_en = known
    return f"《{title_zh}》（{date_zh}）" if _chinese() else f"“{title_en}” ({date_en})"


# Words the sources use for what is not a field of the record itself.
TERMS = {"year": _("year"), "programme": _("programme"), "annual plan": _("annual plan"),
         "description": _("description"), "responsibility": _("responsibility"),
         "milestone": _("milestone")}


# Fields a source never supports: bookkeeping.
NOT_SUPPORTED = {"id", "version", "created_at", "updated_at", "is_archived"}


# Fields the sources name by a TERMS word: Project.programmes is "programme 十大建设" in them.
FIELD_TERMS = {"programmes": "programme"}


def _vocabulary(model):
    """({code: label}, {word as written: code}) of what a source of a `model` record may support:
    the model's own fields (by their verbose names, in their order), then the TERMS. A field the
    sources name by a term (FIELD_TERMS) has the term as its code, so that what is stored reads
    back unchanged."""
    names, written = {}, {}
    if model is not None:
        for field in model._meta.get_fields():
            if field.name not in NOT_SUPPORTED and getattr(field, "concrete", False):
                code = FIELD_TERMS.get(field.name, field.name)
                names[code] = str(field.verbose_name)
                written[field.name] = written[code] = code
    for key, label in TERMS.items():
        if key not in names:
            names[key] = str(label)
            written[key] = key
    return names, written


def supports_names(model):
    """{code: label} of what a source of a `model` record may support (_vocabulary)."""
    return _vocabulary(model)[0]


def split_supports(supports, model):
    """`supports` ("total_investment; stage (续建：接下文)") as [(code, note), ...]: each part's
    leading field name (or TERMS word) and what follows it as written, stripped ("(续建：接下文)",
    ": 2014 (计划年度)", "十大建设"). A part that names no field is ("", the part)."""
    written = _vocabulary(model)[1]
    candidates = sorted(written, key=len, reverse=True)
    pairs = []
    for part in (supports or "").split(";"):
        part = part.strip()
        if not part:
            continue
        for candidate in candidates:
            if part == candidate or (part.startswith(candidate) and part[len(candidate)] in " :：(（"):
                pairs.append((written[candidate], part[len(candidate):].strip()))
                break
        else:
            pairs.append(("", part))
    return pairs


def join_supports(pairs):
    """The stored `supports` of [(code, note), ...], as split_supports reads it back: "code (note)",
    "code: note", "code note", or the note alone; empty pairs are left out."""
    parts = []
    for code, note in pairs:
        code, note = (code or "").strip(), (note or "").strip()
        if not code:
            part = note
        elif not note:
            part = code
        elif note[0] in ":：":
            part = code + note
        else:
            part = f"{code} {note}"
        if part:
            parts.append(part)
    return "; ".join(parts)


def supports_labels(supports, model):
    """`supports` ("total_investment; stage (…)") with each leading field name replaced by the
    verbose name of that field of `model` (or of a term in TERMS); other words are left as written."""
    if not supports:
        return ""
    names = supports_names(model)
    parts = []
    for code, note in split_supports(supports, model):
        if not code:
            parts.append(note)
        else:
            parts.append(join_supports([(names[code], note)]))
    return "；".join(parts) if _chinese() else "; ".join(parts)
