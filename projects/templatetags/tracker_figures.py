"""Figures as the project office writes them: {{ value|wan }} → "62,000.00" (万元 with thousands
separators, two decimals), {{ value|rate }} → "103.33" (a rate or points, two decimals); "—" for
a missing figure."""

from decimal import Decimal, InvalidOperation

from django import template

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
def wan(value):
    """A sum in 万元 with thousands separators and two decimals."""
    number = _decimal(value)
    return MISSING if number is None else f"{number:,.2f}"


@register.filter
def rate(value):
    """A rate (%) or a number of points with two decimals."""
    number = _decimal(value)
    return MISSING if number is None else f"{number:,.2f}"
