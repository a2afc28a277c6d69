"""django-axes (login throttling) under a translated name, and the messages of Django's admin and of
django-axes that their own catalogues do not translate into
Chinese (django-axes has no zh_Hans catalogue; Django's admin lacks a few screen-reader texts).
Their Chinese is kept in our catalogue (projects/locale/zh_Hans/LC_MESSAGES/django.po): Django merges
the catalogues of all installed apps, so a message translated here is translated on their pages too.
Listed with gettext_noop so that `makemessages` keeps them in our catalogue."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext, gettext_lazy as _
from django.utils.translation import gettext_noop


class AxesConfig(AxesAppConfig):
    """django-axes, named in Chinese in the admin's index and sidebar (INSTALLED_APPS names this class;
    it is not in projects/apps.py, where a second AppConfig would stop Django finding ProjectsConfig)."""

    verbose_name = _("Login throttling")

    def ready(self):
        super().ready()
        name_axes_columns()
        name_axes_records()

# Django's admin: the visually hidden headings of the index's tables (read by screen readers), the
# hint on the user add page.
ADMIN = [gettext_noop("Model name"), gettext_noop("Add link"), gettext_noop("Change or view list link"),
         gettext_noop("After you’ve created a user, you’ll be able to edit more user options.")]

# django-axes (login throttling): the app, its models, fields, fieldsets, filters and actions.
AXES = [
    gettext_noop("access attempt"), gettext_noop("access attempts"),
    gettext_noop("access log"), gettext_noop("access logs"),
    gettext_noop("access failure"), gettext_noop("access failures"),
    gettext_noop("access attempt expiration"), gettext_noop("access attempt expirations"),
    gettext_noop("Access Attempt"), gettext_noop("Access lock out"), gettext_noop("Attempt Remaining"),
    gettext_noop("Attempt Time"), gettext_noop("Clean up expired attempts"), gettext_noop("Expires At"),
    gettext_noop("Failed Logins"), gettext_noop("Form Data"), gettext_noop("GET Data"),
    gettext_noop("HTTP Accept"), gettext_noop("IP Address"), gettext_noop("Locked Out"),
    gettext_noop("Logout Time"), gettext_noop("Meta Data"), gettext_noop("Not set"),
    gettext_noop("POST Data"), gettext_noop("Path"), gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("User Agent"),
]


def name_axes_columns():
    """django-axes' changelist columns `status` and `expiration` are methods without a description,
    which the admin would head with the English method name: give them translated headings."""
    from axes import admin as axes_admin

    axes_admin.AccessAttemptAdmin.status.short_description = _("lockout status")
    axes_admin.AccessAttemptAdmin.expiration.short_description = _("expires at")


def name_axes_records():
    """django-axes' records name themselves in English ("Access Log for … @ …"), as the titles of their
    pages: name them in the current language."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.utils import formats

    def when(value):
        return formats.date_format(value, "DATETIME_FORMAT") if value else "-"

    AccessAttempt.__str__ = lambda self: gettext("Failed logins of %(username)s since %(time)s") % {
        "username": self.username, "time": when(self.attempt_time)}
    AccessLog.__str__ = lambda self: gettext("Login of %(username)s at %(time)s") % {
        "username": self.username, "time": when(self.attempt_time)}
    AccessFailureLog.__str__ = lambda self: gettext("Failed login of %(username)s at %(time)s") % {
        "username": self.username, "time": when(self.attempt_time)}


ACTIONS = {"add": _("may add"), "change": _("may change"), "delete": _("may delete"), "view": _("may view")}

# Models of libraries that name themselves in English only: (app, model) as the permission pickers
# say them. django-rest-knox's own token table lies under the tracker's API tokens (ApiToken).
THIRD_PARTY_NAMES = {
    ("knox", "authtoken"): (_("API token library"), _("token record of the library")),
}


def permission_label(permission):
    """A permission as the user and group forms list it: "重点项目 | 年度投资计划 | 可添加", not Django's
    stored English name ("Can add annual plan"); a permission of another kind keeps its name."""
    action, _sep, model_name = permission.codename.partition("_")
    model = permission.content_type.model_class()
    if action not in ACTIONS or model is None or model._meta.model_name != model_name:
        return str(permission)
    app_name, name = THIRD_PARTY_NAMES.get((model._meta.app_label, model._meta.model_name),
                                           (model._meta.app_config.verbose_name, model._meta.verbose_name))
    recorded = getattr(model, "instance_type", None)  # django-simple-history's record of a model's changes
    if recorded is not None:
        owner = recorded._meta.auto_created  # the members of a many-to-many field, kept with each version
        subject = recorded._meta.verbose_name
        if owner:
            field = owner._meta.get_field(model._meta.model_name.split("_", 1)[1])
            subject = f"{owner._meta.verbose_name}（{field.verbose_name}）"
        name = gettext("history of %(model)s") % {"model": subject}
    return f"{app_name} | {name} | {ACTIONS[action]}"
