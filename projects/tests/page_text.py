"""What a page says: the visible text of an admin page, or of one element of it, read with the
standard library's HTML parser (scripts and styles left out, cells separated by " | ", rows by new
lines), so that tests assert the words and figures a person reads."""

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
HIDDEN = {"script", "style", "template", "title"}
BREAKS = {"br", "tr", "p", "div", "li", "h1", "h2", "h3", "h4", "caption", "thead", "tbody", "table", "dt", "dd"}


class _Text(HTMLParser):
    def __init__(self, element_id=None, selector_class=None):
        super().__init__(convert_charrefs=True)
        self.element_id, self.selector_class = element_id, selector_class
        self.depth = 0 if element_id is None and selector_class is None else None  # None: outside
        self.hidden = 0
        self.parts = []
        self.found = []

    def _matches(self, attrs):
        attrs = dict(attrs)
        if self.element_id is not None:
            return attrs.get("id") == self.element_id
        return self.selector_class in (attrs.get("class") or "").split()

    def handle_starttag(self, tag, attrs):
        if self.depth is None:
            if self._matches(attrs) and tag not in VOID:
                self.depth, self.parts = 1, []
            return
        if tag in VOID:
            if tag == "br":
                self.parts.append("\n")
            return
        self.depth += 1
        if tag in HIDDEN:
            self.hidden += 1
        if tag in ("td", "th"):
            self.parts.append(" | ")
        if tag in BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if self.depth is None or tag in VOID:
            return
        if tag in HIDDEN and self.hidden:
            self.hidden -= 1
        if tag in BREAKS:
            self.parts.append("\n")
        self.depth -= 1
        if self.depth == 0 and (self.element_id is not None or self.selector_class is not None):
            self.found.append(tidy("".join(self.parts)))
            self.depth = None

    def handle_data(self, data):
        if self.depth is not None and not self.hidden:
            self.parts.append(data)


def tidy(text):
    text = re.sub(r"[ \t\xa0]+", " ", text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip() and line.strip() != "|")


def page_text(html, element_id=None):
    """The visible text of the page, or of the element with `element_id` ("" when there is none)."""
    if isinstance(html, bytes):
        html = html.decode()
    parser = _Text(element_id=element_id)
    parser.feed(html)
    if element_id is None:
        return tidy("".join(parser.parts))
    return parser.found[0] if parser.found else ""


def texts_of_class(html, css_class):
    """The visible text of every element carrying `css_class`, in page order."""
    if isinstance(html, bytes):
        html = html.decode()
    parser = _Text(selector_class=css_class)
    parser.feed(html)
    return parser.found


class _Rows(HTMLParser):
    def __init__(self, element_id):
        super().__init__(convert_charrefs=True)
        self.element_id, self.depth, self.rows, self.cell, self.hidden = element_id, None, [], None, 0
        self.done = False

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if self.depth is None:
            if dict(attrs).get("id") == self.element_id and tag not in VOID:
                self.depth = 1
            return
        if tag in VOID:
            return
        self.depth += 1
        if tag in HIDDEN:
            self.hidden += 1
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if self.done or self.depth is None or tag in VOID:
            return
        if tag in HIDDEN and self.hidden:
            self.hidden -= 1
        if tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1].append(re.sub(r"\s+", " ", "".join(self.cell)).strip())
            self.cell = None
        self.depth -= 1
        if self.depth == 0:
            self.done = True  # ignore the rest of the page

    def handle_data(self, data):
        if not self.done and self.depth and self.cell is not None and not self.hidden:
            self.cell.append(data)


def table_rows(html, element_id):
    """The cells' texts of every table row inside the element with `element_id` (header rows too)."""
    if isinstance(html, bytes):
        html = html.decode()
    parser = _Rows(element_id)
    parser.feed(html)
    return [row for row in parser.rows if row]
