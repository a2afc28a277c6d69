"""Rows changed since the preview: the version check of the two-step imports (monthly reports,
project library).

A preview records, for every row of the workbook that names a stored record, the state it saw:
`(pk, version)` (a fingerprint of the fields for records without a version, the milestones). The
person confirms that preview later; meanwhile somebody may have saved one of those records. The
import then locks the rows it is about to write (SELECT … FOR UPDATE, for the rest of its
transaction), compares them with the state the preview saw, and refuses the whole import when any
differs: each such row is a `RowConflict` naming the row, the record, who saved it and when, and
what changed. Nothing is written; versions only grow.

The state a preview saw travels with the preview, signed (`seen_token`), bound to the user and to
the exact file (its SHA-256): the admin keeps it in the confirm form, the API returns it as
`preview_token` from a dry run and takes it back on the import."""

import hashlib
from dataclasses import dataclass, field

from django.core import signing
from django.utils.formats import localize
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from projects.exceptions import DomainError
from projects.locking import describe

TOKEN_MAX_AGE = 24 * 60 * 60  # a preview token is good for a day


@dataclass
class RowConflict:
    """One row of the workbook whose record was saved by someone else after the preview."""

    sheet: str
    row: int
    label: str
    record: int | None  # the record's id now (None: it was deleted)
    seen_version: object  # the version the preview saw (None: there was no record)
    version: object  # the version now (None: there is no record)
    user: str | None = None  # who saved it last
    date: object = None  # when (datetime)
    changes: list = field(default_factory=list)  # [{field, label, old, new, user, date}]

    @property
    def message(self):
        who = self.user or _("unknown user")
        when = localize(localtime(self.date)) if self.date else "—"
        if self.record is None:
            text = _("Row %(row)s (%(label)s): the record was deleted after the preview.")
        elif self.seen_version is None:
            text = _("Row %(row)s (%(label)s): %(user)s created this record on %(date)s, after the preview.")
        else:
            text = _("Row %(row)s (%(label)s): %(user)s changed this record on %(date)s, after the preview.")
        text %= {"row": self.row, "label": self.label, "user": who, "date": when}
        if self.changes:
            text += " " + "; ".join(describe(change) for change in self.changes)
        return text

    def as_dict(self):
        return {
            "sheet": self.sheet, "row": self.row, "label": self.label, "record": self.record,
            "seen_version": self.seen_version, "version": self.version, "user": self.user,
            "date": self.date.isoformat() if self.date else None, "message": self.message,
            "changes": [{"field": c["field"], "label": c["label"], "old": c["old"], "new": c["new"]}
                        for c in self.changes],
        }


def fingerprint(*values):
    """A short stand-in for the version of a record without one: a hash of the fields compared."""
    return hashlib.sha256(repr(values).encode()).hexdigest()[:16]


def _file_hash(data):
    return hashlib.sha256(data).hexdigest()


def seen_token(seen, *, data, user, purpose):
    """The signed state a preview of `data` saw ({row key: [pk, version]}), for `user` only."""
    return signing.dumps({"file": _file_hash(data), "seen": seen},
                         salt=f"projects.import.seen.{purpose}.{user.pk}", compress=True)


def read_seen_token(token, *, data, user, purpose, field="preview_token"):
    """The state a preview saw, from its token; DomainError(field) when the token was altered, is
    older than a day, belongs to another user or another file."""
    try:
        payload = signing.loads(token, salt=f"projects.import.seen.{purpose}.{user.pk}", max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise DomainError(_("The preview has expired; preview the file again."), field=field,
                          code="expired") from None
    except signing.BadSignature:
        raise DomainError(_("The preview token could not be verified; preview the file again."), field=field,
                          code="bad_token") from None
    if not isinstance(payload, dict) or payload.get("file") != _file_hash(data):
        raise DomainError(_("The preview token belongs to another file; preview this file first."), field=field,
                          code="other_file")
    return payload.get("seen") or {}


def last_saves(model, pks):
    """{pk: (user's name, date)} of the latest history row of each record (one query)."""
    if not pks:
        return {}
    latest = {}
    rows = model.history.filter(id__in=pks).select_related("history_user").order_by("id", "-history_date",
                                                                                      "-history_id")
    for row in rows:
        if row.id in latest:
            continue
        user = row.history_user
        latest[row.id] = ((user.get_full_name() or user.get_username()) if user else None, row.history_date)
    return latest


def find_conflicts(rows, seen, *, model, versioned=True):
    """RowConflicts of `rows` [(sheet, row, label, key, read, now)], where `read` is the (pk,
    version) the import computed its values from and `now` the (pk, version) locked now ((None,
    None): no record), against `seen` ({key: [pk, version]}, what the person's preview saw; rows
    missing from it are compared with `read` alone)."""
    from projects.history import changes_since

    found = []
    for sheet, number, label, key, read, now in rows:
        before = tuple(seen[key]) if key in seen else tuple(read)
        if before == tuple(now) == tuple(read):
            continue
        found.append(RowConflict(sheet=sheet, row=number, label=label, record=now[0],
                                 seen_version=before[1], version=now[1]))
    if found:
        saves = last_saves(model, [c.record for c in found if c.record is not None])
        for conflict in found:
            conflict.user, conflict.date = saves.get(conflict.record, (None, None))
            if versioned and conflict.record is not None and conflict.seen_version is not None:
                conflict.changes = changes_since(model, conflict.record, conflict.seen_version)
    return found
