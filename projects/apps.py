from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"
    verbose_name = _("Major projects")

    def ready(self):
        from projects import history  # noqa: F401  (connects the change-reason signal receiver)
        from projects import audit

        audit.connect()

        from django.contrib.auth.signals import user_logged_in

        from tracker.middleware import mark_login

        user_logged_in.connect(mark_login, dispatch_uid="tracker_idle_session_login")
