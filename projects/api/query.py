"""Unknown query parameters answer 400 naming them, so that a typo (`?stag=continuing`) does not
silently return the whole unfiltered list, nor a typo in `?monht=` the default month. Clients that
send parameters of their own opt out with `?lenient=true`.

Known parameters of a list: the view's filters (range filters with their suffixes), its pagination
(`page`, `page_size`, `cursor`), `format`, `lenient`, and a view's `extra_query_params` (the project
list's `progress_year`, `progress_month`). Elsewhere (one record, its history, the dashboard, the
report template, the to-do list): what the operation reads, named where it reads it
(`check_known_params`), plus `format` and `lenient`."""

from django.utils.translation import gettext as _
from django_filters.widgets import SuffixedMultiWidget
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend
from rest_framework.settings import api_settings

LENIENT = "lenient"


def known_query_params(view):
    """The query parameters a list view understands."""
    known = {LENIENT, api_settings.URL_FORMAT_OVERRIDE}
    filterset_class = getattr(view, "filterset_class", None)
    if filterset_class is not None:
        for name, filter_ in filterset_class.base_filters.items():
            known.add(name)
            widget = filter_.field_class.widget if hasattr(filter_.field_class, "widget") else None
            widget = filter_.extra.get("widget", widget)
            suffixes = getattr(widget, "suffixes", None)
            if suffixes is None and isinstance(widget, type) and issubclass(widget, SuffixedMultiWidget):
                suffixes = widget.suffixes
            for suffix in suffixes or ():
                known.add(f"{name}_{suffix}" if suffix else name)
    paginator = getattr(view, "paginator", None)
    for attribute in ("page_query_param", "page_size_query_param", "cursor_query_param"):
        value = getattr(paginator, attribute, None)
        if value:
            known.add(value)
    known.update(getattr(view, "extra_query_params", ()))
    return known


def is_lenient(request):
    value = request.query_params.get(LENIENT, "")
    if value.lower() in ("", "false", "0", "no"):
        return False
    if value.lower() in ("true", "1", "yes"):
        return True
    raise exceptions.ValidationError({LENIENT: [exceptions.ErrorDetail(
        _("Must be true or false."), code="invalid")]})


def check_query_params(request, view):
    """ValidationError (400) naming every query parameter the list does not understand."""
    _refuse_unknown(request, known_query_params(view), _(
        "Unknown query parameter. This list takes: %(known)s (add lenient=true to ignore parameters it does "
        "not know)."))


def check_known_params(request, names):
    """ValidationError (400) naming every query parameter of a request outside the lists (one record,
    a history, the dashboard…) that is not in `names` (nor format or lenient)."""
    _refuse_unknown(request, {LENIENT, api_settings.URL_FORMAT_OVERRIDE, *names}, _(
        "Unknown query parameter. This takes: %(known)s (add lenient=true to ignore parameters it does not "
        "know)."))


def _refuse_unknown(request, known, text):
    if is_lenient(request):
        return
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        message = text % {"known": ", ".join(sorted(known))}
        raise exceptions.ValidationError({name: [exceptions.ErrorDetail(message, code="unknown_parameter")]
                                          for name in unknown})


class KnownQueryParamsMixin:
    """APIViews outside the lists: `takes_query_params` names what the view reads; anything else
    answers 400 (documented with `lenient` in the schema, projects/api/schema.py)."""

    takes_query_params = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "GET":
            check_known_params(request, self.takes_query_params)


class KnownQueryParamsFilter(BaseFilterBackend):
    """First of the filter backends: refuses unknown query parameters (see the module docstring)."""

    def filter_queryset(self, request, queryset, view):
        check_query_params(request, view)
        return queryset
