"""Figures as the project office writes them, the tracker's one library of number filters:
{{ value|wan }} → "62,000.00" (万元 with thousands separators, two decimals), {{ value|rate }} →
"103.33" (a rate or points, two decimals); "—" for a missing figure."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

MISSING = "—"


def _decimal(value):
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


@register.filter
def wan(value, places=2):
    """A sum in 万元 with thousands separators, whatever the locale's own grouping (zh-hans has
    none): 60000 → "60,000.00" ({{ value|wan:0 }} → "60,000"); "—" for a missing figure."""
    number = _decimal(value)
    return MISSING if number is None else f"{number:,.{int(places)}f}"


@register.filter
def rate(value):
    """A rate (%) or a number of points with two decimals."""
    number = _decimal(value)
    return MISSING if number is None else f"{number:,.2f}"


@register.filter
def css_string(value):
    """`value` as the inside of a double-quoted CSS string (for @page running headers): backslashes
    and quotes escaped, line breaks as \\A. Not Django's escapejs, whose \\u002D CSS reads as
    the letters "u002D"."""
    text = str(value)
    # Safe inside <style>: no "<" is left, so nothing can close the element; HTML escaping would
    # print "&amp;" literally there.
    return mark_safe(text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ")
                     .replace("<", "\\3C ").replace(">", "\\3E "))


@register.filter
def document_title(file_name):
    """A source document's title and date instead of its file name (projects.documents)."""
    from projects.documents import document_title as title

    return title(file_name)
