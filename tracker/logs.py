"""Structured logs: JSON lines on stderr and, with TRACKER_LOG_DIR, in daily files kept
TRACKER_LOG_RETENTION_DAYS days (180 by default: 等保 2.0 asks for six months of audit logs).

Every record carries the request id of the request being served (RequestIdMiddleware), so the
nginx access log, the application log, the audit log and the X-Request-ID header a user quotes
from an error page all meet on one value. See docs/deploy.md, "Logs"."""

import contextvars
import logging
import re
import uuid

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

# The request being served in this thread/task (set by RequestIdMiddleware).
CURRENT_REQUEST = contextvars.ContextVar("tracker_current_request", default=None)

# An incoming X-Request-ID is kept when it looks like an id (a proxy's or a client's): 8 to 64
# letters, digits, '-', '_', '.' or ':'. Anything else (too long, spaces, control characters that
# would forge log lines) is replaced by a new uuid4 hex.
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,63}$")


def valid_request_id(value):
    return bool(value) and bool(REQUEST_ID_RE.match(value))


def new_request_id():
    return uuid.uuid4().hex


def current_request():
    return CURRENT_REQUEST.get()


class RequestContextFilter(logging.Filter):
    """Adds request_id (and the user's name) of the request being served to every record."""

    def filter(self, record):
        if not getattr(record, "request_id", None):
            # django.request logs its 4xx/5xx lines with the request attached, after the middleware.
            request = getattr(record, "request", None) or CURRENT_REQUEST.get()
            record.request_id = getattr(request, "request_id", None)
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time (ISO 8601 with offset), level, logger, message, request_id,
    then the record's extra fields; exceptions as a single escaped string."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("json_ensure_ascii", False)
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        # django.request attaches the request object itself: its repr says nothing the line lacks.
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request"])
        super().__init__("%(levelname)s %(name)s %(message)s %(request_id)s", *args, **kwargs)


# The files under TRACKER_LOG_DIR that every process writes: the logs and the locks under which
# concurrent-log-handler writes and rotates them.
LOG_FILES = ("tracker.log", "audit.log", ".__tracker.lock", ".__audit.lock")


def logging_config(*, level="WARNING", log_dir=None, retention_days=180):
    """The LOGGING dict of the settings. Records of the logger "tracker" (requests: tracker.request,
    audit events: tracker.audit) are kept from INFO; everything else from `level`."""
    handlers = {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_context"]},
    }
    app_handlers = ["console"]
    audit_handlers = ["console"]
    if log_dir:
        for name, filename in (("file", "tracker.log"), ("audit_file", "audit.log")):
            handlers[name] = {
                # Several gunicorn workers (processes) write the same file: this handler rotates at
                # midnight under a file lock, where logging's TimedRotatingFileHandler would let each
                # process rotate on its own and lose lines.
                "class": "concurrent_log_handler.ConcurrentTimedRotatingFileHandler",
                "filename": f"{log_dir}/{filename}",
                "when": "midnight",
                "backupCount": retention_days,
                "encoding": "utf-8",
                "formatter": "json",
                "filters": ["request_context"],
            }
        app_handlers.append("file")
        audit_handlers += ["file", "audit_file"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": "tracker.logs.RequestContextFilter"}},
        "formatters": {"json": {"()": "tracker.logs.JsonFormatter"}},
        "handlers": handlers,
        "root": {"handlers": app_handlers, "level": level},
        "loggers": {
            "tracker": {"handlers": app_handlers, "level": "INFO", "propagate": False},
            "tracker.audit": {"handlers": audit_handlers, "level": "INFO", "propagate": False},
        },
    }
