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
