"""Optimistic locking (no lost updates) for the records two people edit at once: projects,
annual plans, monthly reports and problems.

Each of them has a `version`. `Versioned.save()` moves it on with one conditional statement,

    UPDATE ... SET version = version + 1 WHERE id = %s AND version = <the version this instance was loaded with>

and refuses the save (StaleVersion, nothing stored) when no row matched: somebody saved the record
after this instance was read. A person's edit carries the version they loaded (the admin form's
hidden field, the API's If-Match header or `version` field); `check_version()` compares it with the
current row, locked for the rest of the transaction, and reports what changed meanwhile."""

from django.db import models, transaction
from django.db.models import F
from django.utils.formats import localize
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from projects.exceptions import Conflict


class StaleVersion(Conflict):
    """The record changed since the version the user loaded (409; 412 for a failed If-Match).

    `changes` lists what changed meanwhile: [{field, label, old, new, user, date}]."""

    def __init__(self, message, *, changes=(), current_version=None, code="stale_version"):
        super().__init__(message, code=code)
        self.changes = list(changes)
        self.current_version = current_version


class Versioned(models.Model):
    """Mixin of models with a `version` field: every save of an existing row increments it
    atomically and fails when the row moved on since this instance was loaded."""

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_version = instance.__dict__.get("version")
        return instance

    def expect_version(self, version):
        """Saves of this instance will succeed only if the row is still at `version`."""
        self._loaded_version = version

    def save(self, *args, **kwargs):
        if self._state.adding or self.pk is None:
            return super().save(*args, **kwargs)
        expected = getattr(self, "_loaded_version", None)
        if expected is None:
            expected = self.version
        using = kwargs.get("using") or self._state.db or "default"
        with transaction.atomic(using=using):
            bumped = type(self)._base_manager.using(using).filter(pk=self.pk, version=expected).update(
                version=F("version") + 1)
            if not bumped:
                raise stale(type(self), self.pk, expected)
            self.version = expected + 1
            result = super().save(*args, **kwargs)
        self._loaded_version = self.version
        return result


def describe(change):
    """One line for a person: "completed investment year-to-date: 100 → 200 (reporter, 2013-10-05 09:00)"."""
    who = change.get("user") or _("unknown user")
    when = localize(localtime(change["date"])) if change.get("date") else ""
    return _("%(label)s: %(old)s → %(new)s (%(user)s, %(date)s)") % {
        "label": change["label"], "old": _blank(change["old"]), "new": _blank(change["new"]), "user": who,
        "date": when}


def _blank(value):
    return "—" if value in (None, "") else value


def stale(model, pk, expected, *, code="stale_version"):
    """The StaleVersion error for `model` row `pk` loaded at version `expected`."""
    from projects.history import changes_since

    current = model._base_manager.filter(pk=pk).values_list("version", flat=True).first()
    changes = changes_since(model, pk, expected) if current is not None else []
    if not changes:
        # The history cannot say which fields (the named version never existed, or the record was
        # changed outside the history): the version itself is what changed, with the last save.
        changes = [_version_change(model, pk, expected, current)]
    if current is None:
        message = _("This record was deleted meanwhile.")
    else:
        message = _("Someone else saved this record meanwhile (you loaded version %(loaded)s, it is now at "
                    "version %(current)s). Reload it and make your change again.") % {
            "loaded": expected, "current": current}
    return StaleVersion(message, changes=changes, current_version=current, code=code)


def _version_change(model, pk, expected, current):
    last = model.history.filter(id=pk).select_related("history_user").order_by("-history_date",
                                                                              "-history_id").first()
    user = last.history_user if last is not None else None
    return {"field": "version", "label": str(model._meta.get_field("version").verbose_name), "old": expected,
            "new": current, "user": (user.get_full_name() or user.get_username()) if user else None,
            "date": last.history_date if last is not None else None}


def check_version(model, pk, expected, *, code="stale_version"):
    """Locks row `pk` for the rest of the transaction and raises StaleVersion unless it is at
    version `expected`. Returns the current version."""
    current = model._base_manager.select_for_update().filter(pk=pk).values_list("version", flat=True).first()
    if current != expected:
        raise stale(model, pk, expected, code=code)
    return current


def lock_version(model, pk):
    """Locks row `pk` for the rest of the transaction and returns its version (None if it is gone)."""
    return model._base_manager.select_for_update().filter(pk=pk).values_list("version", flat=True).first()


def is_versioned(model):
    return issubclass(model, Versioned)
