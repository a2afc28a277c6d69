"""Reading untrusted workbooks safely and writing workbooks that are safe to open.

Reading: bounded size, a zip whose contents would inflate past a limit is refused before a reader
(openpyxl, calamine) sees it (zip bombs), formulas are refused (a ledger carries figures, not
computations), and every problem is reported with its row and column. Writing: text that a spreadsheet would take for a
formula (= + - @) is stored as a quoted string cell."""

import io
import re
import zipfile
import zlib
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

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


def check_upload(data):
    """Raises DomainError(field="file") unless `data` is a zip of plausible size: at most the upload
    limit, and not inflating past MAX_INFLATED_BYTES (zip bombs) — read from the zip's directory,
    before anything is inflated."""
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
        raise _not_xlsx() from None
    if inflated > MAX_INFLATED_BYTES or inflated / compressed > MAX_COMPRESSION_RATIO and inflated > 10 * 1024 * 1024:
        raise DomainError(_("The workbook inflates to an implausible size; it was refused."),
                          field="file", code="zip_bomb")
    return archive


def _not_xlsx():
    return DomainError(_("The file is not an Excel workbook (.xlsx) or it is damaged."),
                       field="file", code="not_xlsx")


def open_workbook(data):
    """Opens uploaded bytes as a read-only openpyxl workbook, or raises DomainError(field="file")."""
    check_upload(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise _not_xlsx() from None


def read_sheets(data, names):
    """The values of the sheets `names` of uploaded bytes, read with calamine: {name: rows} for the
    sheets present, each row a list of cell values from column A, rows numbered from 1 (row n at
    index n - 1, empty rows included). An empty cell is "", a number a float (whole numbers too),
    a date-formatted cell a date or datetime, a formula cell the value the spreadsheet cached for
    it (calamine does not say it is a formula: see `formula_cells`). Raises DomainError(field="file")
    for an oversized, damaged or foreign file; the zip-bomb guard runs first."""
    check_upload(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                for name in names if name in book.sheet_names}
    except Exception:  # calamine raises its own errors, and others, for a damaged or foreign file
        raise _not_xlsx() from None


# The start of a formula element (<f>, <f t="shared" …/>, <x:f>) in a worksheet's XML.
FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
CHUNK = 1024 * 1024


def has_formulas(data):
    """Whether any worksheet of the (already checked: `check_upload`) workbook holds a formula: a
    scan of the worksheets' XML for formula elements, inflated a chunk at a time."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            tail = b""
            with archive.open(name) as member:
                while chunk := member.read(CHUNK):
                    if FORMULA_ELEMENT.search(tail + chunk):
                        return True
                    tail = chunk[-64:]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error):
        raise _not_xlsx() from None
    return False


def formula_cells(data, names):
    """{sheet name: {(row, column): formula text}} of the formula cells of the sheets `names`
    (openpyxl: slow, for the rare workbook that `has_formulas`)."""
    workbook = open_workbook(data)
    found = {}
    try:
        for name in names:
            if name not in workbook.sheetnames:
                continue
            cells = found[name] = {}
            for row in workbook[name].iter_rows():
                for cell in row:
                    if getattr(cell, "data_type", None) == "f":
                        value = cell.value
                        cells[cell.row, cell.column] = value if isinstance(value, str) else "=" + str(
                            getattr(value, "text", "") or "")
    except Exception:
        raise _not_xlsx() from None
    finally:
        workbook.close()
    return found


def cell_decimal(value):
    """A number cell as Decimal (two places); None for an empty cell; raises ValueError for text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, Decimal)):
        return Decimal(value).quantize(Decimal("0.01"))
    if isinstance(value, float):
        # Spreadsheet readers return floats for numeric cells; go through repr to keep what the user typed.
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
