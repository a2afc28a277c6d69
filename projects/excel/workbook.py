"""Reading untrusted workbooks safely and writing workbooks that are safe to open.

Reading: bounded size, a zip whose contents would inflate past a limit is refused before openpyxl
sees it (zip bombs), formulas are refused (a ledger carries figures, not computations), and every
problem is reported with its row and column. Writing: text that a spreadsheet would take for a
formula (= + - @) is stored as a quoted string cell."""

import gc
import io
import zipfile
import zlib
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl import load_workbook
from openpyxl.reader.excel import ExcelReader
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from projects.exceptions import DomainError

# A workbook of 100,000 report rows inflates to about 60 MB; anything far beyond is not a ledger.
MAX_INFLATED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.00"


class _UnsizedSheet(ReadOnlyWorksheet):
    """A read-only worksheet that does not look for its size when opened: openpyxl scans the sheet
    XML for its <dimension> element, which is the whole sheet when a writer (openpyxl's write-only
    mode among them) puts it last. Rows then run to their last cell."""

    def _get_size(self):
        pass


class _StreamingReader(ExcelReader):
    """openpyxl's reader in read-only mode, with unsized worksheets."""

    def read_worksheets(self):
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            worksheet = _UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


def open_workbook(data, *, sized=True):
    """Opens uploaded bytes as a read-only workbook, or raises DomainError(field="file").
    `sized=False`: its sheets are not measured when opened (rows are then as long as their last
    cell), for readers that stream the rows anyway (`sheet_values`)."""
    limit = getattr(settings, "TRACKER_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
    if len(data) > limit:
        raise DomainError(
            _("The file is too large (%(size)s bytes; at most %(limit)s)."),
            field="file", code="too_large", params={"size": len(data), "limit": limit},
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        inflated = sum(info.file_size for info in archive.infolist())
        compressed = sum(info.compress_size for info in archive.infolist()) or 1
    except (zipfile.BadZipFile, ValueError, OSError):
        raise DomainError(_("The file is not an Excel workbook (.xlsx) or it is damaged."),
                          field="file", code="not_xlsx") from None
    if inflated > MAX_INFLATED_BYTES or inflated / compressed > MAX_COMPRESSION_RATIO and inflated > 10 * 1024 * 1024:
        raise DomainError(_("The workbook inflates to an implausible size; it was refused."),
                          field="file", code="zip_bomb")
    try:
        if sized:
            return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        reader = _StreamingReader(io.BytesIO(data), read_only=True, data_only=False)
        reader.read()
        return reader.wb
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise DomainError(_("The file is not an Excel workbook (.xlsx) or it is damaged."),
                          field="file", code="not_xlsx") from None


def sheet_values(worksheet):
    """(row number, [values]) for each row of a read-only worksheet, in order, as
    `iter_rows(values_only=True)` reads them but at about twice its speed: a value is at index
    column - 1 (the list runs to the row's last cell), rows absent from the file are skipped,
    a formula is its text with a leading "=", a date-formatted number a datetime, a shared string
    its text. Raises DomainError(field="file") when the sheet's XML is damaged."""
    from xml.etree.ElementTree import ParseError

    from openpyxl.cell.text import Text
    from openpyxl.utils import column_index_from_string
    from openpyxl.utils.datetime import from_excel, from_ISO8601
    from openpyxl.worksheet._reader import CELL_TAG, FORMULA_TAG, INLINE_STRING, ROW_TAG, VALUE_TAG
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"

    shared = worksheet._shared_strings
    book = worksheet.parent
    date_styles, delta_styles, epoch = book._date_formats, book._timedelta_formats, book.epoch
    columns = {}  # "AB" → 28
    number = 0
    try:
        with worksheet._get_source() as source:
            for _event, element in iterparse(source):
                if element.tag != ROW_TAG:
                    continue
                r = element.get("r")
                previous, number = number, (int(float(r)) if r else number + 1)
                values = []
                column = 0
                for cell in element:
                    if cell.tag != CELL_TAG:
                        continue
                    coordinate = cell.get("r")
                    if coordinate:
                        letters = coordinate.rstrip("0123456789")
                        column = columns.get(letters) or columns.setdefault(letters, column_index_from_string(letters))
                    else:
                        column += 1
                    kind = cell.get("t", "n")
                    text = formula = inline = None
                    for child in cell:
                        if child.tag == VALUE_TAG:
                            text = child.text
                        elif child.tag == FORMULA_TAG:
                            formula = child
                        elif child.tag == INLINE_STRING:
                            inline = child
                    if formula is not None:
                        value = "=" + (formula.text or "")
                    elif kind == "inlineStr":
                        if inline is None:
                            value = None
                        elif len(inline) == 1 and inline[0].tag == TEXT_TAG and not len(inline[0]):
                            value = inline[0].text or ""  # plain text, no runs: what Text.content gives
                        else:
                            value = Text.from_tree(inline).content
                    elif not text:
                        value = None
                    elif kind == "n":
                        value = float(text) if "." in text or "E" in text or "e" in text else int(text)
                        style = cell.get("s")
                        if style and int(style) in date_styles:
                            try:
                                value = from_excel(value, epoch, timedelta=int(style) in delta_styles)
                            except (OverflowError, ValueError):
                                value = "#VALUE!"
                    elif kind == "s":
                        value = shared[int(text)]
                    elif kind == "b":
                        value = bool(int(text))
                    elif kind == "d":
                        value = from_ISO8601(text)
                    else:  # "str" (a formula's text result), "e" (an error such as #N/A)
                        value = text
                    if column > len(values):
                        values.extend([None] * (column - len(values)))
                    values[column - 1] = value
                element.clear()
                if number > previous:  # a row repeated or out of order is ignored, as openpyxl does
                    yield number, values
    except (ParseError, ValueError, IndexError, KeyError, OSError, EOFError, zipfile.BadZipFile, zlib.error):
        raise DomainError(_("The file is not an Excel workbook (.xlsx) or it is damaged."),
                          field="file", code="not_xlsx") from None


@contextmanager
def collector_paused():
    """Within the block, Python's cyclic garbage collector does not run (reference counting still
    frees everything else). A bulk import allocates a few container objects a row that all stay
    alive until it ends, so the collector would run again and again over the whole heap for nothing:
    about a quarter of the import's time at 10,000 rows a workbook. Re-enabled after the block
    (if it was enabled before), which collects whatever cycles the import left."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def is_formula(value):
    return isinstance(value, str) and value.startswith("=")


def cell_decimal(value):
    """A number cell as Decimal (two places); None for an empty cell; raises ValueError for text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, Decimal)):
        return Decimal(value).quantize(Decimal("0.01"))
    if isinstance(value, float):
        # openpyxl returns floats for numeric cells; go through repr to keep what the user typed.
        return Decimal(repr(value)).quantize(Decimal("0.01"))
    try:
        return Decimal(str(value).strip().replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError(value) from None


def cell_text(value):
    if value is None:
        return ""
    return str(value).strip()


def cell_bool(value):
    return cell_text(value).lower() in {"是", "yes", "y", "true", "1", "√", "x"}


def write_cell(sheet, row, col, value, number_format=None, fill=None, font=None, border=True):
    """Writes one cell safely; every export goes through here.

    A string is always a string cell, never a formula: openpyxl would store any text starting with
    "=" as a formula (a link, a macro call); text starting with = + - @ or a tab / carriage return
    also gets Excel's quote prefix, so that editing the cell does not turn it into a formula either
    (spreadsheet formula injection). Control characters a worksheet cannot hold (which a record may
    have received from an API client) are dropped rather than failing the whole export. Other values
    (numbers, Decimals, dates) are written as they are."""
    cell = sheet.cell(row=row, column=col)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = value.startswith(FORMULA_PREFIXES)
    else:
        cell.value = value
    if border:
        cell.border = BORDER
    if number_format:
        cell.number_format = number_format
    if fill is not None:
        cell.fill = fill
    if font is not None:
        cell.font = font
    return cell


def write_header(sheet, headers, row=1):
    for col, header in enumerate(headers, start=1):
        cell = write_cell(sheet, row, col, header, fill=HEADER_FILL, font=HEADER_FONT)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)


def write_row(sheet, row, values, formats=None):
    """Writes one row through `write_cell` (formula-safe); `formats` maps column index → number format."""
    for col, value in enumerate(values, start=1):
        write_cell(sheet, row, col, value, number_format=(formats or {}).get(col))


def set_widths(sheet, widths):
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width


def a4_landscape(sheet, title_rows="1:1"):
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = title_rows
