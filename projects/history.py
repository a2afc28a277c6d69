"""The audit trail: who changed what and when, and why (django-simple-history).

Every domain model has `history = HistoricalRecords()`. This module adds what the admin and the
API share:

- `change_reason(text)`: a context in which every history row written gets `text` as its
  `history_change_reason` (the admin's 修改原因 field, the API's X-Change-Reason header or
  `change_reason` body field); services need not pass it along;
- `history_entries(records, names=…)`: history rows as entries {id, date, user, type, reason,
  changes}, `user` naming the person only for viewers who may see names (office, auditors), each diffed against the version before it (simple-history's diff_against) in a fixed number of
  queries, whatever the number of rows;
- `changes_since(model, pk, version)`: what changed in a versioned record since the version a
  person loaded, for the "changed meanwhile" messages of optimistic locking.
"""

import contextvars
import datetime
from contextlib import contextmanager
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery
from django.dispatch import receiver
from django.utils.translation import gettext as _
from simple_history.signals import pre_create_historical_record

# simple-history's own column (CharField(max_length=100)).
REASON_MAX_LENGTH = 100

# Bookkeeping columns that change on every save: never listed as a change.
NOT_DIFFED = {"id", "version", "updated_at"}

TYPES = {"+": "created", "~": "changed", "-": "deleted"}

_reason = contextvars.ContextVar("tracker_change_reason", default=None)


@contextmanager
def change_reason(reason):
    """Within the block, history rows get `reason` (stripped, None when empty) as their reason."""
    reason = (reason or "").strip() or None
    token = _reason.set(reason if reason is None else reason[:REASON_MAX_LENGTH])
    try:
        yield
    finally:
        _reason.reset(token)


def current_reason():
    return _reason.get()


@receiver(pre_create_historical_record)
def _apply_change_reason(sender, instance, history_instance, **kwargs):
    reason = _reason.get()
    if reason and not history_instance.history_change_reason:
        history_instance.history_change_reason = reason


def frozen_owner(obj):
    """The published bulletin, review or evaluation that freezes `obj` (itself or its parent), or None."""
    for candidate in (obj, getattr(obj, "review", None), getattr(obj, "bulletin", None),
                      getattr(obj, "evaluation", None)):
        if candidate is not None and getattr(candidate, "is_published", False):
            return candidate
    return None


def frozen_message(obj):
    """Why `obj` cannot be changed or deleted in place (it is, or belongs to, a published record), or None."""
    owner = frozen_owner(obj)
    if owner is None:
        return None
    return _("%(object)s is published and never changes.") % {"object": owner}


def plain(value):
    """A value as JSON and a person read it: decimals and dates as strings."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def diffed_fields(history_model):
    """The tracked fields a diff lists (every column but the bookkeeping ones)."""
    return [f for f in history_model.tracked_fields if f.name not in NOT_DIFFED]


def field_changes(new, old):
    """[{field, label, old, new}] between two history rows of one object; `old` None for a creation."""
    fields = diffed_fields(type(new))
    if old is None:
        return [
            {"field": f.name, "label": str(f.verbose_name), "old": None, "new": plain(getattr(new, f.attname))}
            for f in fields if getattr(new, f.attname) not in (None, "")
        ]
    labels = {f.name: str(f.verbose_name) for f in fields}
    # simple-history diffs the editable fields; the frozen ones (published_at, totals…) are compared here.
    delta = new.diff_against(old, included_fields=[f.name for f in fields if f.editable])
    changes = [(c.field, c.old, c.new) for c in delta.changes]
    changes += [(f.name, getattr(old, f.attname), getattr(new, f.attname)) for f in fields
                if not f.editable and getattr(old, f.attname) != getattr(new, f.attname)]
    return [{"field": name, "label": labels.get(name, name), "old": plain(before), "new": plain(after)}
            for name, before, after in sorted(changes, key=lambda change: change[0])]


def with_previous(records):
    """Annotates `records` (a queryset of one model's history) with `previous_id`: the history row
    of the same object just before each row, whatever filters narrow `records`."""
    history_model = records.model
    earlier = history_model._default_manager.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    ).order_by("-history_date", "-history_id")
    return records.annotate(previous_id=Subquery(earlier.values("history_id")[:1]))


def history_user(user, *, names=True):
    """Who made a change as a history entry says it: {id, username, role}, or with `names` False
    (a viewer who may not see names, projects/permissions.py HISTORY_NAMES) only the role; None
    when no person made it (a command, a fixture load)."""
    if user is None:
        return None
    from projects.permissions import role_of

    role = role_of(user)
    role = str(role) if role is not None else None
    if not names:
        return {"id": None, "username": None, "role": role}
    return {"id": user.pk, "username": user.get_username(), "role": role}


def history_entries(rows, *, names=True):
    """Entries for `rows` (history rows annotated by with_previous()), in their order; one query
    for the rows' predecessors. `names`: whether the entries name who made each change (office
    staff and auditors, projects.permissions.sees_history_users) or only that person's role."""
    rows = list(rows)
    if not rows:
        return []
    history_model = type(rows[0])
    previous_ids = {row.previous_id for row in rows if row.previous_id is not None}
    previous = history_model._default_manager.in_bulk(previous_ids) if previous_ids else {}
    entries = []
    for row in rows:
        old = previous.get(row.previous_id)
        user = row.history_user
        entries.append({
            "id": row.history_id,
            "date": row.history_date,
            "user": history_user(user, names=names),
            "type": TYPES.get(row.history_type, row.history_type),
            "reason": row.history_change_reason or "",
            "changes": [] if row.history_type == "-" else field_changes(row, old),
        })
    return entries


def object_history(model, pk):
    """The history rows of one object, newest first, with their users."""
    return model.history.filter(id=pk).select_related("history_user", "history_user__profile").order_by(
        "-history_date", "-history_id")


def changes_since(model, pk, version):
    """What changed in the versioned record `pk` since `version`: [{field, label, old, new, user,
    date}], `old` being the value at `version` and `new` the current one, with who changed the
    field last and when. Empty when the history does not reach back to `version`."""
    rows = list(object_history(model, pk).filter(version__gte=version))
    if not rows:
        return []
    rows.reverse()  # oldest first
    baseline = next((row for row in rows if row.version == version), None)
    if baseline is None:
        return []
    later = rows[rows.index(baseline) + 1:]
    last_change = {}
    previous = baseline
    for row in later:
        for change in field_changes(row, previous):
            last_change[change["field"]] = row
        previous = row
    if not later:
        return []
    current = later[-1]
    result = []
    for change in field_changes(current, baseline):
        who = last_change.get(change["field"], current)
        result.append({**change, "user": who.history_user.get_username() if who.history_user else None,
                       "date": who.history_date})
    return result


def bulk_insert_with_history_rows(model, rows, *, user, key, batch_size=2000):
    """`simple_history.utils.bulk_create_with_history` for a bulk import of new rows, at close to
    the database's own bulk-load speed, from dicts {attname: value} (no model instance is built).

    A field a dict leaves out gets its default (`Field.get_default()`); a field with its own
    `pre_save` (`auto_now(_add)`) gets it called on the dict's values; then `get_db_prep_save`. The
    rows are inserted without `RETURNING` — PostgreSQL `COPY` (psycopg's `cursor.copy`), other
    databases one `executemany` a batch — and their ids read back by `key`, the attnames of a
    unique constraint (e.g. ("project_id", "year", "month")), one query a batch. Last, their "+"
    history rows (history_user `user`, the reason of the enclosing `change_reason()` block if any,
    one history_date a batch, every tracked field) are written the same way, without a historical
    model instance per row. All inside one transaction (the caller's, if any); no signals, like
    simple-history's bulk path. Returns the number of rows inserted."""
    from types import SimpleNamespace

    writer = _BulkWriter(model, key)
    fields, special = writer.fields, writer.special
    given = set().union(*(row.keys() for row in rows)) if rows else set()
    unknown = given - set(writer.attnames)
    if unknown:  # an auto pk among them: new rows only
        raise ValueError(f"bulk_insert_with_history_rows(): {sorted(unknown)} are not columns to insert "
                         f"into {model._meta.label}.")
    # (attname, default) of each column: a callable default is called for every row.
    missing = object()
    columns = [(f.attname, f.default if f.has_default() and callable(f.default) else
                f.get_default() if f is not writer.pk else None) for f in fields]

    def values_of(row):
        values = [row.get(name, missing) for name, _default in columns]
        for i, value in enumerate(values):
            if value is missing:
                default = columns[i][1]
                values[i] = default() if callable(default) else default
        if special:
            holder = SimpleNamespace(**dict(zip(writer.attnames, values)))
            for i in special:
                values[i] = fields[i].pre_save(holder, True)
        return values

    writer.write(rows, values_of, user=user, batch_size=batch_size)
    return len(rows)


class _BulkWriter:
    """For `bulk_insert_with_history_rows`: the columns of `model` and of its history, prepared
    once, and the batched writes."""

    def __init__(self, model, key):
        from django.conf import settings
        from django.db import connections, router
        from django.db.models import Field

        self.model, self.key = model, key
        self.using = router.db_for_write(model)
        self.connection = connection = connections[self.using]
        meta = model._meta
        self.pk = pk = meta.pk
        self.fields = fields = [f for f in meta.concrete_fields if f is not pk or not pk.db_returning]
        position = {f.attname: i for i, f in enumerate(fields)}
        if pk not in fields and not set(key) <= set(position):
            raise ValueError(f"bulk_insert_with_history_rows(): {key} are not columns of {meta.label}.")
        # Field.pre_save is getattr(); call it only where a field type overrides it (auto_now, files…).
        self.special = [i for i, f in enumerate(fields) if type(f).pre_save is not Field.pre_save]
        self.attnames = [f.attname for f in fields]
        self.key_index = [position[name] for name in key] if pk not in fields else []
        # Where get_db_prep_save() returns the value unchanged (text in a text column, an int in an
        # integer column or a key to an integer pk, a bool in a boolean column, mostly None) it is not called.
        self.plain = [_plain_type(f) for f in fields]
        self.none_needs_prep = [f.get_db_prep_save(None, connection) is not None for f in fields]  # e.g. JSON null
        self.history_on = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
        if self.history_on:
            self.history = history = model.history.model
            by_attname = {f.attname: f for f in history._meta.concrete_fields}
            tracked = [f.attname for f in history.tracked_fields]
            # Where each history column's value comes from: the row's prepared values, or the new pk (-1).
            self.sources = [position.get(name, -1) for name in tracked]
            self.extra = [by_attname["history_date"], by_attname["history_user_id"],
                          by_attname["history_change_reason"], by_attname["history_type"]]
            self.history_columns = [by_attname[name].column for name in tracked] + [f.column for f in self.extra]
            self.reason = current_reason()

    def write(self, items, values_of, *, user, batch_size):
        """Inserts `items` (each turned into its field values by `values_of`) and their history
        rows, a batch at a time."""
        from django.db import transaction
        from django.utils import timezone

        connection, fields, plain, none_needs_prep = self.connection, self.fields, self.plain, self.none_needs_prep
        key_index, pk = self.key_index, self.pk
        with transaction.atomic(using=self.using, savepoint=False), connection.cursor() as cursor:
            for start in range(0, len(items), batch_size):
                batch = items[start:start + batch_size]
                rows, keys = [], []
                for item in batch:
                    values = values_of(item)
                    keys.append(tuple(values[i] for i in key_index))
                    for i, value in enumerate(values):
                        if value is None:
                            if none_needs_prep[i]:
                                values[i] = fields[i].get_db_prep_save(value, connection)
                        elif value.__class__ is not plain[i]:
                            values[i] = fields[i].get_db_prep_save(value, connection)
                    rows.append(values)
                _insert_rows(connection, cursor, self.model._meta.db_table, [f.column for f in fields], rows)
                pks = _read_back_ids(self.model, self.using, self.key, keys) if pk not in fields else \
                    [row[fields.index(pk)] for row in rows]
                if not self.history_on:
                    continue
                extra, sources = self.extra, self.sources
                extra_values = [extra[0].get_db_prep_save(timezone.now(), connection),
                                extra[1].get_db_prep_save(user.pk if user is not None else None, connection),
                                self.reason, "+"]
                pk_prep = pk.get_db_prep_save
                _insert_rows(connection, cursor, self.history._meta.db_table, self.history_columns, [
                    [row[i] if i >= 0 else pk_prep(new_pk, connection) for i in sources] + extra_values
                    for new_pk, row in zip(pks, rows)
                ])


def _insert_rows(connection, cursor, table, columns, rows):
    """INSERT of prepared rows, no RETURNING: COPY on PostgreSQL, executemany elsewhere."""
    qn = connection.ops.quote_name
    column_list = ", ".join(qn(column) for column in columns)
    if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):
        with cursor.cursor.copy(f"COPY {qn(table)} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {qn(table)} ({column_list}) VALUES ({placeholders})", rows)


def _plain_type(field):
    """The Python type whose values `field.get_db_prep_save` passes through unchanged, or None."""
    from django.db import models

    if field.is_relation:
        target = field.target_field
        return int if type(target) in (models.AutoField, models.BigAutoField, models.SmallAutoField) else None
    return {models.CharField: str, models.TextField: str, models.BooleanField: bool,
            models.IntegerField: int, models.SmallIntegerField: int, models.BigIntegerField: int,
            models.PositiveIntegerField: int, models.PositiveSmallIntegerField: int,
            models.PositiveBigIntegerField: int}.get(type(field))


def _read_back_ids(model, using, key, values):
    """The pks of freshly inserted rows, in order, read from the database by `key` (the attnames
    of a unique constraint; `values` holds each row's key values): one query, equal filters on the
    key fields every row shares, `__in` on the one that varies most."""
    filters = {}
    varying = []
    for i, name in enumerate(key):
        distinct = {row[i] for row in values}
        if len(distinct) == 1:
            filters[name] = next(iter(distinct))
        else:
            varying.append((len(distinct), name, distinct))
    if varying:
        _count, name, distinct = max(varying, key=lambda item: item[0])
        filters[f"{name}__in"] = distinct
    pks = {tuple(row[:-1]): row[-1] for row in
           model._base_manager.using(using).filter(**filters).values_list(*key, model._meta.pk.attname)}
    found = [pks.get(row) for row in values]
    for row, pk in zip(values, found):
        if pk is None:
            raise RuntimeError(f"{model._meta.label}: the row {dict(zip(key, row))} was not found after its insert")
    return found
