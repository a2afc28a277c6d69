"""The request id, and one JSON log line per request."""

import logging
import time

from tracker.logs import CURRENT_REQUEST, new_request_id, valid_request_id

logger = logging.getLogger("tracker.request")

HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Sets `request.request_id` (a valid incoming X-Request-ID, e.g. nginx's, or a new uuid4 hex),
    echoes it in the X-Request-ID header of every response (errors, redirects and static files
    included: it is the first middleware) and logs the request as one line of tracker.request.

    The id is also in every log record written while the request is served (tracker/logs.py), in
    the API's error bodies ("request_id") and on the HTML error pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if valid_request_id(incoming) else new_request_id()
        token = CURRENT_REQUEST.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request.request_id
            self.log(request, response, time.perf_counter() - started)
            return response
        finally:
            CURRENT_REQUEST.reset(token)

    def log(self, request, response, seconds):
        user = getattr(request, "user", None)
        status = response.status_code
        level = logging.ERROR if status >= 500 else logging.INFO
        from projects.security import client_ip

        logger.log(level, "%s %s %s", request.method, request.path, status, extra={
            "method": request.method,
            "path": request.path,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "user": user.get_username() if user is not None and user.is_authenticated else None,
            "client_ip": client_ip(request),
        })


# The session key of the time (epoch seconds) the session's expiry was last moved ahead.
IDLE_SEEN_KEY = "_tracker_idle_seen"
# The expiry moves ahead at most once in this many seconds: a logged-in session ends between
# SESSION_COOKIE_AGE - IDLE_REFRESH_SECONDS and SESSION_COOKIE_AGE after its last request.
IDLE_REFRESH_SECONDS = 60


class IdleSessionMiddleware:
    """Admin sessions end after TRACKER_SESSION_IDLE_MINUTES (SESSION_COOKIE_AGE) without a request.

    Django's SESSION_SAVE_EVERY_REQUEST would do it by writing the session on every request: an
    UPDATE (and, on SQLite, the database's write lock) for every admin page read. Here a session in
    use is saved, which moves its expiry and its cookie's max-age SESSION_COOKIE_AGE ahead, at most
    once a minute. Goes right after SessionMiddleware, so that the session is saved on the way out;
    sessions the request did not touch (token-authenticated API calls) are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed or session.is_empty():
            return response
        from django.contrib.auth import SESSION_KEY
        from django.utils import timezone

        if SESSION_KEY not in session:
            return response
        now = int(timezone.now().timestamp())
        seen = session.get(IDLE_SEEN_KEY)
        if not isinstance(seen, int) or now - seen >= IDLE_REFRESH_SECONDS or now < seen:
            session[IDLE_SEEN_KEY] = now  # modified: SessionMiddleware saves it with a new expiry
        return response


def mark_login(sender, request, user, **kwargs):
    """user_logged_in: a new login session starts its idle clock now (saved with the login, so the
    first requests after it write nothing). Token logins (no session login) are left alone."""
    from django.contrib.auth import SESSION_KEY
    from django.utils import timezone

    session = getattr(request, "session", None)
    if session is not None and SESSION_KEY in session:
        session[IDLE_SEEN_KEY] = int(timezone.now().timestamp())
