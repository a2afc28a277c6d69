"""Audit events: who did which security- or record-relevant thing, when, from where.

Each event is one JSON line of the logger "tracker.audit" (audit.log under TRACKER_LOG_DIR, kept
TRACKER_LOG_RETENTION_DAYS days; see docs/deploy.md) with the fields event, actor, client_ip and
request_id, plus the event's own. Events of a database transaction are written when it commits:
a publication that rolls back is not logged as done.

Events: import.reports, import.library, bulletin.published, review.published,
evaluation.published, backup.created, backup.restored, backup.restore_refused, login.locked_out,
role.changed, role.removed, account.flags_changed, user.deleted, token.issued, token.revoked
(projects/models/tokens.py)."""

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from tracker.logs import current_request

logger = logging.getLogger("tracker.audit")
_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def _actor_name(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.get_username()


def audit_event(event, *, user=None, on_commit=True, using="default", **fields):
    """Log the audit event `event` ("bulletin.published") with `fields` (JSON-ready values). The
    actor is `user`, else the user of the request being served; without a request (a command) the
    actor is None unless given."""
    request = current_request()
    if user is None and request is not None:
        user = getattr(request, "user", None)
    # A field named like a LogRecord attribute (created, name, msg …) would be refused by logging.
    record = {"event": event, "actor": _actor_name(user),
              **{(f"{key}_" if key in _RESERVED else key): value for key, value in fields.items()}}
    if request is not None:
        from projects.security import client_ip

        record["client_ip"] = client_ip(request)
        record["request_id"] = getattr(request, "request_id", None)

    def write():
        logger.info(event, extra=record)

    if on_commit:
        transaction.on_commit(write, using=using)
    else:
        write()


# --- Lockouts (django-axes) ----------------------------------------------------------------------

def _connect_axes():
    from axes.signals import user_locked_out

    @receiver(user_locked_out, dispatch_uid="tracker_audit_locked_out")
    def locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
        audit_event("login.locked_out", on_commit=False, username=username, ip_address=ip_address)


# --- Role changes -------------------------------------------------------------------------------

ACCOUNT_FLAGS = ("is_superuser", "is_staff", "is_active")


def _connect_roles():
    from django.contrib.auth import get_user_model

    from projects.models import Profile

    User = get_user_model()

    @receiver(pre_save, sender=Profile, dispatch_uid="tracker_audit_profile_before")
    def profile_before(sender, instance, raw=False, **kwargs):
        instance._audit_before = None
        if instance.pk and not raw:
            instance._audit_before = (Profile.objects.filter(pk=instance.pk)
                                      .values_list("role", "unit_id").first())

    @receiver(post_save, sender=Profile, dispatch_uid="tracker_audit_profile_after")
    def profile_after(sender, instance, created, raw=False, **kwargs):
        if raw:
            return
        before = getattr(instance, "_audit_before", None)
        old_role, old_unit = before if before else (None, None)
        if created or (old_role, old_unit) != (instance.role, instance.unit_id):
            audit_event("role.changed", account=instance.user.get_username(), old_role=old_role,
                        new_role=instance.role, old_unit_id=old_unit, new_unit_id=instance.unit_id,
                        new_account=created)

    @receiver(pre_save, sender=User, dispatch_uid="tracker_audit_user_before")
    def user_before(sender, instance, raw=False, update_fields=None, **kwargs):
        instance._audit_flags = None
        if update_fields is not None and not set(update_fields) & set(ACCOUNT_FLAGS):
            return  # e.g. last_login at each login: no query
        if instance.pk and not raw:
            instance._audit_flags = User.objects.filter(pk=instance.pk).values(*ACCOUNT_FLAGS).first()

    @receiver(post_save, sender=User, dispatch_uid="tracker_audit_user_after")
    def user_after(sender, instance, created, raw=False, **kwargs):
        if raw:
            return
        before = getattr(instance, "_audit_flags", None)
        after = {flag: getattr(instance, flag) for flag in ACCOUNT_FLAGS}
        if created:
            if instance.is_superuser or instance.is_staff:
                audit_event("account.flags_changed", account=instance.get_username(), old=None, new=after,
                            new_account=True)
        elif before is not None and before != after:
            audit_event("account.flags_changed", account=instance.get_username(), old=before, new=after,
                        new_account=False)


    # Deletions: a profile deleted (the account loses its role; also when its account is deleted,
    # which deletes the profile with it) and an account deleted. The account's name is read before
    # the rows go (pre_delete); the event is written once the deletion commits.

    @receiver(pre_delete, sender=Profile, dispatch_uid="tracker_audit_profile_deleting")
    def profile_deleting(sender, instance, **kwargs):
        instance._audit_account = User.objects.filter(pk=instance.user_id).values_list(
            User.USERNAME_FIELD, flat=True).first()

    @receiver(post_delete, sender=Profile, dispatch_uid="tracker_audit_profile_deleted")
    def profile_deleted(sender, instance, origin=None, using="default", **kwargs):
        origin_model = getattr(origin, "model", type(origin))  # a model instance or a queryset
        audit_event("role.removed", using=using, account=getattr(instance, "_audit_account", None),
                    old_role=instance.role, old_unit_id=instance.unit_id,
                    account_deleted=isinstance(origin_model, type) and issubclass(origin_model, User))

    @receiver(post_delete, sender=User, dispatch_uid="tracker_audit_user_deleted")
    def user_deleted(sender, instance, using="default", **kwargs):
        audit_event("user.deleted", using=using, account=instance.get_username(), user_id=instance.pk,
                    old={flag: getattr(instance, flag) for flag in ACCOUNT_FLAGS})


def connect():
    """Called from ProjectsConfig.ready()."""
    _connect_axes()
    _connect_roles()
