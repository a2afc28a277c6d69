"""The number filters of the pages (projects/templatetags/tracker_figures.py)."""


def test_one_wan_filter_writes_every_sum_in_wan():
    """The pages' money filter lives in one library (tracker_figures): thousands separators, two
    decimals by default, "—" for a missing figure."""
    from decimal import Decimal

    from django.template import engines

    from projects.templatetags.tracker_figures import wan

    libraries = engines["django"].engine.template_libraries
    assert [name for name, library in libraries.items() if "wan" in library.filters] == ["tracker_figures"]
    assert "tracker_numbers" not in libraries
    assert wan(Decimal("62000")) == "62,000.00" and wan("1234567.891") == "1,234,567.89"
    assert wan(Decimal("60000"), 0) == "60,000" and wan(None) == "—" and wan("") == "—" and wan("abc") == "—"
    template = engines["django"].from_string("{% load tracker_figures %}{{ v|wan }} {{ v|wan:0 }}")
    assert template.render({"v": Decimal("55000.5")}) == "55,000.50 55,000"
