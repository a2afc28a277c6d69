"""Login throttling (django-axes): the client address it counts failures by, and the lockout
answer of the API."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind TRACKER_PROXY_COUNT reverse proxies the address
    the outermost trusted proxy saw (counted from the right of X-Forwarded-For, which a client can
    prepend to but not append to)."""
    proxies = getattr(settings, "TRACKER_PROXY_COUNT", 0)
    meta = request.META
    if proxies > 0:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return meta.get("REMOTE_ADDR") or "0.0.0.0"


def cooloff_minutes():
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


class LockedOut(exceptions.APIException):
    """429 in the API's error shape, with Retry-After: too many failed logins for this username
    from this address."""

    status_code = 429
    default_code = "locked_out"

    def __init__(self):
        self.wait = settings.AXES_COOLOFF_TIME.total_seconds()
        super().__init__(
            _("Too many failed logins for this username from your address: try again in %(minutes)s "
              "minutes, or ask the project office to unlock the account.") % {"minutes": cooloff_minutes()},
            code="locked_out",
        )


def lockout_response(request, original_response=None, credentials=None):
    """The admin's answer to a login during a lockout: the login page's look with the reason, 429."""
    from django.contrib import admin
    from django.template.response import TemplateResponse

    context = {**admin.site.each_context(request), "title": _("Log in"), "cooloff_minutes": cooloff_minutes()}
    response = TemplateResponse(request, "projects/lockout.html", context, status=429)
    return response.render()
