"""The project list's fast path (bench B1): rows as dictionaries straight from one `values()` query
(the many-to-many ids included, by correlated subqueries), formatted by ProjectListSerializer's
own fields.

`ProjectListSerializer` stays the declared shape of a list row (the schema and the detail view use
it); `rows()` returns exactly what `ProjectListSerializer(page, many=True).data` returns
(projects/tests/test_api_project_list.py checks it), without building a model instance, a bound
serializer and a ReturnDict per row — at 1,000 rows that machinery costs several times the query.
The number of queries does not depend on the number of rows."""

import datetime as dt
import decimal as dec
import functools
from collections import defaultdict
from decimal import Decimal
from itertools import chain

import orjson
from django.conf import settings
from django.db import connections
from django.db.models import Expression, F, TextField
from django.db.models.expressions import Col
from django.db.models.query import ValuesIterable
from django.db.models.sql.constants import MULTI
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.encoding import force_str

from projects.choices import Light
from projects.models import Project

# Columns read from the database; the list adds display labels, related names and progress.
COLUMNS = [
    "id", "code", "name", "name_en", "aliases", "category", "zone_id", "zone__name", "stage", "key_level",
    "total_investment", "planned_start", "planned_completion", "lead_unit_id", "lead_unit__name", "parent_id",
    "description", "is_archived", "version", "created_at", "updated_at",
    "plan_baseline", "plan_in_force", "completed_ytd", "report_month", "completion_rate",
]
MANY = ("leaders", "cooperating_units", "programmes")
CHOICES = ("category", "stage", "key_level")
CONVERTED = ("total_investment", "planned_start", "planned_completion", "created_at", "updated_at",
             "plan_baseline", "plan_in_force", "completed_ytd", "completion_rate")


def schedule_light(completion_rate, month, report_month):
    """The light of the bulletin's schedule rule (projects/services/bulletins.py): the completion
    rate (rounded to 0.01) against time progress — yellow from TRACKER_LIGHT_YELLOW_POINTS behind,
    red beyond TRACKER_LIGHT_RED_POINTS — and yellow at least without an accepted report for the
    month. The bulletin also turns red for overdue milestones and problems; lists do not look."""
    return light_rule(month)(completion_rate, report_month)


def light_rule(month):
    """schedule_light for one month: a function (completion_rate, report_month) → light, with the
    time progress and the thresholds computed once (the list calls it for every row)."""
    from projects.services.bulletins import round2, time_progress

    green, yellow, red = Light.GREEN.value, Light.YELLOW.value, Light.RED.value
    if month is None:
        return lambda completion_rate, report_month: green
    progress = time_progress(month)
    red_gap, yellow_gap = -Decimal(settings.TRACKER_LIGHT_RED_POINTS), -Decimal(settings.TRACKER_LIGHT_YELLOW_POINTS)

    def light(completion_rate, report_month):
        if completion_rate is not None:
            gap = round2(completion_rate) - progress
            if gap < red_gap:
                return red
            if gap <= yellow_gap:
                return yellow
        return green if report_month == month else yellow
    return light


class RelatedIds(Expression):
    """The ids of a many-to-many field's related rows, in the related model's Meta ordering (then
    the pk), as `instance.<field>.all()` lists them: a correlated subquery on the link table,
    aggregated into one value and read back as a list.

    - SQLite: `json_group_array` over the link rows joined to the related rows and ordered. The
      link table is the outer loop of the join (CROSS JOIN fixes the order): left to itself the
      planner may walk the related table's name index, to skip the sort, and probe the link table
      for each of its rows (see docs/bench.md, Findings).
    - PostgreSQL: `ARRAY(...)` of the link rows ordered by their position in the related table's
      ids in Meta order — one array for the whole query (an InitPlan). Joining the related table
      instead costs a rescan of the join per project (PostgreSQL often hashes the whole related
      table each time): ~10 ms a field at 1,000 rows, against ~1 ms."""

    output_field = TextField()
    VENDORS = ("postgresql", "sqlite")

    def __init__(self, field_name, outer=None):
        super().__init__()
        self.field_name = field_name
        self.outer = outer if outer is not None else F("pk")

    def get_source_expressions(self):
        return [self.outer]

    def set_source_expressions(self, exprs):
        (self.outer,) = exprs

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        resolved = super().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        resolved.m2m = query.model._meta.get_field(self.field_name)
        return resolved

    def order_by(self, quote):
        related = self.m2m.related_model._meta
        order = []
        for name in [*related.ordering, related.pk.name]:
            descending = name.startswith("-")
            column = related.get_field(name.lstrip("-")).column  # plain fields only (FieldDoesNotExist else)
            if column not in {c for c, _d in order}:
                order.append((column, descending))
        return ", ".join(f"r.{quote(column)}{' DESC' if descending else ''}" for column, descending in order)

    def as_sql(self, compiler, connection):
        if connection.vendor not in self.VENDORS:
            raise NotImplementedError(f"RelatedIds supports {', '.join(self.VENDORS)}")
        outer, params = compiler.compile(self.outer)
        quote = connection.ops.quote_name
        through, related = self.m2m.remote_field.through._meta, self.m2m.related_model._meta
        source = quote(through.get_field(self.m2m.m2m_field_name()).column)
        target = quote(through.get_field(self.m2m.m2m_reverse_field_name()).column)
        link, related_pk = quote(through.db_table), quote(related.pk.column)
        if connection.vendor == "postgresql":
            ranked = f"(SELECT array_agg(r.{related_pk} ORDER BY {self.order_by(quote)}) FROM {quote(related.db_table)} r)"
            return (f"ARRAY(SELECT l.{target} FROM {link} l WHERE l.{source} = {outer} "
                    f"ORDER BY array_position({ranked}, l.{target}))"), params
        return (f"(SELECT json_group_array(x.id) FROM (SELECT l.{target} AS id FROM {link} l "
                f"CROSS JOIN {quote(related.db_table)} r ON r.{related_pk} = l.{target} WHERE l.{source} = {outer} "
                f"ORDER BY {self.order_by(quote)}) x)"), params

    def convert_value(self, value, expression, connection):
        return orjson.loads(value) if isinstance(value, str) else value


def values(queryset, serializer=None):
    """The list queryset (filtered, annotated with_progress, ordered) as dictionaries, with the
    many-to-many ids as lists (where the database supports RelatedIds; else rows() reads them).
    Given the list's serializer, on SQLite the formatted columns come already written as the
    serializer writes them (SQLiteListValues)."""
    queryset = queryset.prefetch_related(None)
    vendor = connections[queryset.db].vendor
    if vendor not in RelatedIds.VENDORS:
        return queryset.values(*COLUMNS)
    queryset = queryset.values(*COLUMNS, **{f"{name}_ids": RelatedIds(name) for name in MANY})
    if serializer is not None and vendor == "sqlite":
        fused = {name: kind for name, kind in formats(type(serializer)).items() if kind is not None}
        queryset._iterable_class = type("SQLiteListValues", (SQLiteListValues,), {"formats": fused})
    return queryset


def page_values(queryset, ids, serializer=None):
    """values() of the rows `ids` of `queryset`, in the order of `ids` (a page of
    `queryset.page_ids()`); a project gone meanwhile is left out."""
    ids = list(ids)
    if not ids:
        return []
    by_id = {row["id"]: row for row in values(queryset.filter(pk__in=ids).order_by(), serializer)}
    return [by_id[pk] for pk in ids if pk in by_id]


class SQLiteListValues(ValuesIterable):
    """values() on SQLite with the columns of `formats` written as the serializer writes them:
    Django's converters for such a column (a Decimal from the stored float, quantized for a table
    column; an aware datetime; a date) and the serializer's formatting fused into one function,
    instead of Django's generic converter loop and a second pass. Django's converters of those
    columns never return a str, so rows() passes strings through. (PostgreSQL needs none of this:
    its driver returns Decimals and datetimes, and Django converts nothing.)"""

    formats = {}  # {column: formats() kind}, per request

    def __iter__(self):
        queryset = self.queryset
        query = queryset.query
        compiler = query.get_compiler(queryset.db)
        names = list(query.selected) if query.selected else [
            *query.extra_select, *query.values_select, *query.annotation_select]
        results = compiler.execute_sql(MULTI, chunked_fetch=self.chunked_fetch, chunk_size=self.chunk_size)
        expressions = [select[0] for select in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(expressions)
        fused = []
        for pos, name in enumerate(names):
            fn = sqlite_fused(self.formats[name], expressions[pos], compiler.connection) if name in self.formats else None
            if fn is not None:
                fused.append((name, pos, fn))
                converters.pop(pos, None)
        rows = chain.from_iterable(results)
        if converters:
            rows = compiler.apply_converters(rows, converters)
        for row in rows:
            out = dict(zip(names, row))
            for name, pos, fn in fused:
                out[name] = fn(row[pos])
            yield out


SQLITE_DECIMAL = dec.Context(prec=15).create_decimal_from_float  # as Django's SQLite converter


def sqlite_fused(kind, expression, connection):
    """Raw SQLite value → the serializer's text for one column (see SQLiteListValues), or None
    when the column is not of the kind's type (Django converts it)."""
    internal = expression.output_field.get_internal_type()
    if kind[0] == "decimal" and internal == "DecimalField":
        exponent, context, plain = kind[1]
        text = str if plain else "{:f}".format
        create = SQLITE_DECIMAL
        if isinstance(expression, Col):  # Django quantizes a table column to its own places first
            field = expression.output_field
            own, own_context = Decimal(1).scaleb(-field.decimal_places), field.context
            if (own, own_context.prec, own_context.rounding) != (exponent, context.prec, context.rounding):
                return lambda value: None if value is None else text(
                    create(value).quantize(own, context=own_context).quantize(exponent, context=context))
        return lambda value: None if value is None else text(create(value).quantize(exponent, context=context))
    if kind[0] == "datetime" and internal == "DateTimeField":
        stored = connection.timezone if settings.USE_TZ else None
        represent = datetime_converter(timezone.get_current_timezone() if settings.USE_TZ else None)

        def fused(value):
            if value is None:
                return None
            if not isinstance(value, dt.datetime):
                value = parse_datetime(value)
            if stored is not None and (value.tzinfo is None or value.utcoffset() is None):
                value = value.replace(tzinfo=stored)
            return represent(value)
        return fused
    if kind[0] == "date" and internal == "DateField":
        return lambda value: None if value is None else (
            value if isinstance(value, dt.date) else parse_date(value)).isoformat()
    return None


def related_ids(ids):
    """{field: {project id: [related ids]}} for the many-to-many fields, each list in the related
    model's own order (as `instance.<field>.all()` lists them), on databases without RelatedIds:
    two queries a field, the pairs from
    the link table and the order of the related rows they name. (One query joining the related
    table lets SQLite's planner walk that table's name index and probe every project id for each
    of its rows: 200 ms for 1,000 projects.)"""
    result = {}
    for name in MANY:
        field = Project._meta.get_field(name)
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        pairs = list(through.objects.filter(**{f"{source}_id__in": ids}).order_by()
                     .values_list(f"{source}_id", f"{target}_id"))
        related = {other for _project, other in pairs}
        order = {pk: i for i, pk in enumerate(field.related_model._default_manager.filter(pk__in=related)
                                              .values_list("pk", flat=True))} if related else {}
        pairs.sort(key=lambda pair: order[pair[1]])
        by_project = defaultdict(list)
        for project_id, other_id in pairs:
            by_project[project_id].append(other_id)
        result[name] = by_project
    return result


@functools.cache
def formats(serializer_class):
    """{column: (kind, parameters)} — how the serializer's fields represent the converted columns,
    read once per serializer class (the fields do not depend on the request): "decimal" (quantize
    with the field's context, then `{:f}`), "date", "datetime" (ISO 8601 in the current time zone,
    +00:00 written Z), or None: anything else goes through the field itself."""
    from rest_framework import fields as drf
    from rest_framework.settings import api_settings

    fields = serializer_class().fields
    out = {}
    for name in CONVERTED:
        field, kind = fields[name], None
        if isinstance(field, drf.DecimalField):
            coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
            if coerce and not field.localize and not field.normalize_output and field.decimal_places is not None:
                kind = ("decimal", (Decimal(1).scaleb(-field.decimal_places), decimal_context(field),
                                    field.decimal_places <= 6))
        elif isinstance(field, drf.DateTimeField):
            if getattr(field, "format", api_settings.DATETIME_FORMAT) == drf.ISO_8601 and not hasattr(field, "timezone"):
                kind = ("datetime", ())
        elif isinstance(field, drf.DateField):
            if getattr(field, "format", api_settings.DATE_FORMAT) == drf.ISO_8601:
                kind = ("date", ())
        out[name] = kind
    return out


def converters(serializer):
    """Fast equivalents of `serializer`'s fields' to_representation for the converted columns
    (see formats()), None kept None and strings (formatted by SQLiteListValues) kept as they are."""
    out = {}
    for name, kind in formats(type(serializer)).items():
        if kind is None:
            represent = serializer.fields[name].to_representation
            out[name] = lambda value, represent=represent: None if value is None else represent(value)
        elif kind[0] == "decimal":
            out[name] = decimal_converter(*kind[1])
        elif kind[0] == "datetime":
            out[name] = datetime_converter(timezone.get_current_timezone() if settings.USE_TZ else None)
        else:
            out[name] = lambda value: value if value is None or value.__class__ is str else value.isoformat()
    return out


def decimal_converter(exponent, context, plain):
    """DecimalField.to_representation: quantized, then `{:f}` — or str(), the same text when the
    value has at most 6 decimal places (str() writes an exponent only beyond 6 leading zeros)."""
    text = str if plain else "{:f}".format

    def represent(value):
        if value is None or value.__class__ is str:
            return value
        if not isinstance(value, Decimal):
            value = Decimal(str(value).strip())
        return text(value.quantize(exponent, context=context))
    return represent


def datetime_converter(zone):
    def represent(value):
        if value is None or value.__class__ is str:
            return value
        text = (value.astimezone(zone) if zone is not None and value.tzinfo is not None else value).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return represent


def decimal_context(field):
    import decimal

    context = decimal.getcontext().copy()
    if field.max_digits is not None:
        context.prec = field.max_digits
    if field.rounding is not None:
        context.rounding = field.rounding
    return context


def rows(page, serializer):
    """The rows of `page` (dictionaries from `values()`) as `serializer` (a ProjectListSerializer
    with the view's context) represents them."""
    year, month = serializer.context.get("progress", (None, None))
    category, stage, key_level = ({value: force_str(label) for value, label in Project._meta.get_field(name).flatchoices}
                                  for name in CHOICES)
    convert = converters(serializer)
    investment, start, completion, created, updated, baseline, in_force, ytd, rate = (
        convert[name] for name in CONVERTED)
    light = light_rule(month)
    if page and "leaders_ids" not in page[0]:
        many = related_ids([row["id"] for row in page])
        for row in page:
            row.update({f"{name}_ids": many[name].get(row["id"], []) for name in MANY})
    return [{
        "id": row["id"], "code": row["code"], "name": row["name"], "name_en": row["name_en"], "aliases": row["aliases"],
        "category": row["category"], "category_display": category.get(row["category"], row["category"]),
        "zone": row["zone_id"], "zone_name": row["zone__name"],
        "stage": row["stage"], "stage_display": stage.get(row["stage"], row["stage"]),
        "key_level": row["key_level"], "key_level_display": key_level.get(row["key_level"], row["key_level"]),
        "total_investment": investment(row["total_investment"]), "planned_start": start(row["planned_start"]),
        "planned_completion": completion(row["planned_completion"]), "leaders": row["leaders_ids"],
        "lead_unit": row["lead_unit_id"], "lead_unit_name": row["lead_unit__name"],
        "cooperating_units": row["cooperating_units_ids"], "parent": row["parent_id"],
        "programmes": row["programmes_ids"], "description": row["description"],
        "is_archived": row["is_archived"], "version": row["version"],
        "created_at": created(row["created_at"]), "updated_at": updated(row["updated_at"]),
        "progress_year": year, "progress_month": month,
        "plan_baseline": baseline(row["plan_baseline"]), "plan_in_force": in_force(row["plan_in_force"]),
        "completed_ytd": ytd(row["completed_ytd"]), "report_month": row["report_month"],
        "completion_rate": rate(row["completion_rate"]),
        "light": light(row["completion_rate"], row["report_month"]),
    } for row in page]
