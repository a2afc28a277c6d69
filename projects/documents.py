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


def supports_labels(supports, model):
    """`supports` ("total_investment; stage (…)") with each leading field name replaced by the
    verbose name of that field of `model` (or of a term in TERMS); other words are left as written."""
    if not supports:
        return ""
    names = {key: str(label) for key, label in TERMS.items()}
    if model is not None:
        for field in model._meta.get_fields():
            if hasattr(field, "verbose_name"):
                names[field.name] = str(field.verbose_name)
    parts = []
    for part in supports.split(";"):
        part = part.strip()
        for candidate in sorted(names, key=len, reverse=True):
            if part == candidate or (part.startswith(candidate) and part[len(candidate)] in " :(（"):
                part = names[candidate] + part[len(candidate):]
                break
        parts.append(part)
    return "；".join(parts) if _chinese() else "; ".join(parts)
