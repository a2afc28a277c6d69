"""Number filters for the tracker's pages: money in 万元 and rates with thousands separators, as a
project office writes them (60,000.00), whatever the locale's own grouping (zh-hans has none)."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def wan(value, places=2):
    """60000 → "60,000.00"; None or "" → "—"."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return value
    return f"{number:,.{int(places)}f}"
