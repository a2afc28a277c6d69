"""Settings of the major-project tracker, read from the environment with safe local defaults.

Production mode (TRACKER_ENV=production) refuses to start without a real secret key and turns
on the HTTPS settings; see README.md, "Production"."""

import datetime
import getpass
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from tracker.logs import LOG_FILES, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def unusable_directory(path, files=()):
    """None when the folder `path` exists (it is made when missing) and this process may write in
    it and in those of `files` that exist there; else why not, in words."""
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"it cannot be created ({exc.strerror or exc})"
    if not os.access(path, os.W_OK | os.X_OK):
        return "it is not writable"
    taken = [name for name in files if (Path(path) / name).exists() and not os.access(Path(path) / name, os.W_OK)]
    if taken:
        return (f"{', '.join(taken)} in it {'belongs' if len(taken) == 1 else 'belong'} to another user "
                "(a command run as root?)")
    return None


def user_name():
    try:
        return getpass.getuser()
    except Exception:  # no name for this uid (a container run with --user)
        return str(os.getuid())


PRODUCTION = env_str("TRACKER_ENV", "development") == "production"
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)

_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "Production mode needs DJANGO_SECRET_KEY: at least 50 characters, not the development key."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "projects.third_party.AxesConfig",  # django-axes, under a translated name
    "projects",
]

MIDDLEWARE = [
    # First: every response, redirects and errors included, carries X-Request-ID (tracker/logs.py).
    "tracker.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Right after the sessions: moves a session's expiry ahead on the way out (idle timeout).
    "tracker.middleware.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns an admin login during a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tracker" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "tracker.wsgi.application"
ASGI_APPLICATION = "tracker.asgi.application"

# The database comes from DATABASE_URL (twelve-factor); an SQLite file when it is unset.
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
                                              conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work beside one writer; IMMEDIATE takes the write lock at BEGIN so that
    # concurrent writers queue on busy_timeout instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test_db.sqlite3")} if env_bool("SQLITE_TEST_FILE") else {}

elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The bulletin's aggregate query costs enough for PostgreSQL to JIT-compile it, which takes
    # seconds for a query that runs in milliseconds (bench B3: 7x faster without JIT).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese first, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "projects" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("TRACKER_STATIC_ROOT") or BASE_DIR / "staticfiles")
# Uploaded photos and documents (projects/models/attachments.py) go through Django's storage API:
# files under MEDIA_ROOT by default; with TRACKER_MEDIA_STORAGE=s3, an S3-compatible bucket
# (AWS S3, MinIO, Ceph, Aliyun OSS …) that several app servers share. They are never served from
# a public MEDIA_URL: projects/media.py checks the reader's role first.
MEDIA_ROOT = Path(env_str("TRACKER_MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media-not-served/"
TRACKER_MEDIA_STORAGE = env_str("TRACKER_MEDIA_STORAGE", "local")
if TRACKER_MEDIA_STORAGE == "local":
    _DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif TRACKER_MEDIA_STORAGE == "s3":
    # django-storages' S3 backend; credentials may also come from the usual AWS_* environment or an
    # instance role (boto3's chain) when TRACKER_S3_ACCESS_KEY_ID is unset.
    if not env_str("TRACKER_S3_BUCKET"):
        raise ImproperlyConfigured("TRACKER_MEDIA_STORAGE=s3 needs TRACKER_S3_BUCKET.")
    _DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("TRACKER_S3_BUCKET"),
            "endpoint_url": env_str("TRACKER_S3_ENDPOINT_URL") or None,
            "region_name": env_str("TRACKER_S3_REGION") or None,
            "access_key": env_str("TRACKER_S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("TRACKER_S3_SECRET_ACCESS_KEY") or None,
            "location": env_str("TRACKER_S3_PREFIX", "tracker"),
            "default_acl": None,  # private objects: the bucket's policy, never public-read
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(f"TRACKER_MEDIA_STORAGE must be local or s3, not {TRACKER_MEDIA_STORAGE!r}")

STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Outside production WhiteNoise serves static files straight from the apps' folders (no
# collectstatic needed: a fresh clone's tests and `dev.py run` see them); production serves the
# collected, hashed and compressed copies only.
WHITENOISE_USE_FINDERS = not PRODUCTION

# WhiteNoise compresses every static file (gzip and brotli) at collectstatic; source maps (6.5 MB
# of the API docs' bundles, read only by browser developer tools) are left uncompressed: that
# halves the time of the release step.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = ["jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz",
                                       "br", "swf", "flv", "woff", "woff2", "3gp", "3gpp", "asf", "avi", "m4v",
                                       "mov", "mp4", "mpeg", "mpg", "webm", "wmv", "map"]

LOGIN_URL = "admin:login"

# Login throttling against password guessing (django-axes), for the admin login and the API's
# token endpoint: after TRACKER_LOGIN_FAILURE_LIMIT failed logins for one username from one
# address, that pair is locked out for TRACKER_LOGIN_COOLOFF_MINUTES. Attempts are kept in the
# database, so the count holds across processes. Office staff can lift a lockout in the admin
# ("Access attempts") or with `manage.py axes_reset_username <username>`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("TRACKER_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("TRACKER_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "projects.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "projects.security.client_ip"
# Behind a reverse proxy, how many proxies append to X-Forwarded-For (0: use REMOTE_ADDR).
TRACKER_PROXY_COUNT = env_int("TRACKER_PROXY_COUNT", 0)

# Uploads (Excel workbooks) are bounded. TRACKER_MAX_UPLOAD_BYTES is the one limit people meet: a
# larger workbook is refused with a message naming the limit (projects/excel/workbook.py). A request
# body that is not a file upload (JSON, forms) may be a little larger than that, so that an upload
# sent as a raw body meets the clear message first; beyond it Django answers 400. Uploaded files up
# to FILE_UPLOAD_MAX_MEMORY_SIZE stay in memory, larger ones go to a temporary file first.
TRACKER_MAX_UPLOAD_BYTES = env_int("TRACKER_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = TRACKER_MAX_UPLOAD_BYTES + 256 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = min(5 * 1024 * 1024, TRACKER_MAX_UPLOAD_BYTES)
# A JSON body (every API write but the uploads) has a limit of its own, far below the uploads': the
# largest record the API takes is a few tens of KB, so that a client cannot make a worker parse and
# check megabytes of JSON. Beyond it the API answers 413 naming the limit (projects/api/parsers.py).
TRACKER_MAX_JSON_BYTES = env_int("TRACKER_MAX_JSON_BYTES", 1024 * 1024)

# Photos: an image larger than this many pixels is refused before it is decoded (decompression
# bombs); accepted photos are re-encoded without their EXIF data (GPS position, camera serial).
TRACKER_MAX_IMAGE_PIXELS = env_int("TRACKER_MAX_IMAGE_PIXELS", 40_000_000)
TRACKER_THUMBNAIL_PX = env_int("TRACKER_THUMBNAIL_PX", 320)

# The mechanism's rules, editable without code.
TRACKER_LIGHT_YELLOW_POINTS = env_int("TRACKER_LIGHT_YELLOW_POINTS", 10)  # yellow from this many points behind
TRACKER_LIGHT_RED_POINTS = env_int("TRACKER_LIGHT_RED_POINTS", 30)  # red beyond this many points behind
TRACKER_REPORT_DUE_DAY = env_int("TRACKER_REPORT_DUE_DAY", 5)  # reports due by this day of the next month
TRACKER_RANKING_BOTTOM = env_int("TRACKER_RANKING_BOTTOM", 3)  # how many laggards a ranking names
# Reminders (manage.py send_reminders, docs/reminders.md): reports are reminded of from this many
# days before the due day, problems this many days before their deadline.
TRACKER_REMINDER_REPORT_DAYS = env_int("TRACKER_REMINDER_REPORT_DAYS", 3)
TRACKER_REMINDER_PROBLEM_DAYS = env_int("TRACKER_REMINDER_PROBLEM_DAYS", 3)
TRACKER_WEBHOOK_TIMEOUT = env_int("TRACKER_WEBHOOK_TIMEOUT", 10)  # seconds to wait for a group robot
TRACKER_SITE_URL = env_str("TRACKER_SITE_URL", "")  # e.g. https://tracker.example.org: links in reminders

# Mail (reminders): Django's settings from the environment. Without DJANGO_EMAIL_BACKEND, SMTP in
# production and the console (mail printed, not sent) in development.
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION
                        else "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "tracker@localhost")

# The office that issues the monthly bulletin, printed at its head and in its running header.
TRACKER_ISSUING_OFFICE = env_str("TRACKER_ISSUING_OFFICE", "解放区重点项目建设领导小组办公室")
# Early warning (docs/warning.md): the run rate of the last this many months is extended to December.
TRACKER_WARNING_WINDOW = env_int("TRACKER_WARNING_WINDOW", 3)
# The browser that prints the bulletin's PDF (projects/pdf.py): a name on PATH or a full path;
# empty: the first of chromium, chromium-browser, google-chrome found.
TRACKER_PDF_BROWSER = env_str("TRACKER_PDF_BROWSER", "")

# API tokens (projects/models/tokens.py, django-rest-knox): stored as SHA-512 digests, each valid
# TRACKER_API_TOKEN_DAYS days from its issue; an account keeps at most TRACKER_API_TOKENS_PER_USER
# live tokens (issuing one more revokes its oldest).
TRACKER_API_TOKEN_DAYS = env_int("TRACKER_API_TOKEN_DAYS", 30)
TRACKER_API_TOKENS_PER_USER = env_int("TRACKER_API_TOKENS_PER_USER", 10)
if TRACKER_API_TOKEN_DAYS < 1 or TRACKER_API_TOKENS_PER_USER < 1:
    raise ImproperlyConfigured("TRACKER_API_TOKEN_DAYS and TRACKER_API_TOKENS_PER_USER must be at least 1.")
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(days=TRACKER_API_TOKEN_DAYS),
    "AUTH_HEADER_PREFIX": "Token",  # "Authorization: Token <token>", as with DRF's tokens before
    "AUTO_REFRESH": False,  # a fixed lifetime: authenticating never writes
}

# Admin sessions end after TRACKER_SESSION_IDLE_MINUTES without a request: a session in use is
# saved at most once a minute (tracker.middleware.IdleSessionMiddleware), which moves its expiry
# and its cookie's that far ahead; one idle longer is over, and the admin asks to log in again.
TRACKER_SESSION_IDLE_MINUTES = env_int("TRACKER_SESSION_IDLE_MINUTES", 30)
if TRACKER_SESSION_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("TRACKER_SESSION_IDLE_MINUTES must be at least 1.")
SESSION_COOKIE_AGE = TRACKER_SESSION_IDLE_MINUTES * 60

# The REST API (projects/api/). Token first, so that an anonymous request is told how to
# authenticate (401 with WWW-Authenticate: Token); sessions serve the browsable docs.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "projects.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["projects.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": ["projects.api.query.KnownQueryParamsFilter",
                                "django_filters.rest_framework.DjangoFilterBackend"],
    # JSON bodies are bounded like forms (DATA_UPLOAD_MAX_MEMORY_SIZE); beyond it, 413.
    "DEFAULT_PARSER_CLASSES": ["projects.api.parsers.BoundedJSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    # DRF's JSON, written by orjson (bench B1, B4): the same bytes, a fraction of the time.
    "DEFAULT_RENDERER_CLASSES": ["projects.api.renderers.FastJSONRenderer",
                                 "rest_framework.renderers.BrowsableAPIRenderer"],
    "DEFAULT_PAGINATION_CLASS": "projects.api.pagination.TrackerPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "projects.api.schema.TrackerAutoSchema",
    "EXCEPTION_HANDLER": "projects.api.exceptions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATE_FORMAT": "iso-8601",
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Major-project tracker API (解放区重点项目跟踪)",
    "DESCRIPTION": (
        "Projects, plans, monthly reports, bulletins, meetings, problems, reviews and evaluations of "
        "Jiefang District's major investment projects. Money is a decimal string in 万元 (10,000 yuan); "
        "dates are ISO 8601; every error has the body described by the Error schema. Authenticate with "
        '"Authorization: Token <token>" (POST /api/auth/token/; tokens expire) or a session.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ReportStatusEnum": "projects.choices.ReportStatus",
        "PublicationStatusEnum": "projects.choices.PublicationStatus",
        "ProblemStatusEnum": "projects.choices.ProblemStatus",
        "CategoryEnum": "projects.choices.Category",
        "MilestoneKindEnum": "projects.choices.MilestoneKind",
        "ProblemCategoryEnum": "projects.choices.ProblemCategory",
        "EvaluationKindEnum": "projects.choices.EvaluationKind",
        "MeetingKindEnum": "projects.choices.MeetingKind",
        "UnitKindEnum": "projects.choices.UnitKind",
        "ZoneKindEnum": "projects.choices.ZoneKind",
    },
    # OpenAPI links from each create to the operations on the new object (projects/api/schema.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "projects.api.schema.add_links"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema and the docs pages need a login too (session or token); anonymous gets 401.
    "SERVE_PERMISSIONS": ["projects.permissions.SchemaPermission"],
}

# Open data (projects/oc4ids.py). OC4IDS project ids are "oc4ids-" + a six-character prefix
# registered with the Open Contracting Partnership + "-" + the local id; "xxxxxx" until registered.
OC4IDS_ID_PREFIX = env_str("OC4IDS_ID_PREFIX", "oc4ids-xxxxxx-")
OC4IDS_PUBLISHER_NAME = env_str("OC4IDS_PUBLISHER_NAME", "焦作市解放区发展和改革委员会")
OC4IDS_LICENSE = env_str("OC4IDS_LICENSE", "https://creativecommons.org/licenses/by/4.0/")
OC4IDS_PACKAGE_URI = env_str("OC4IDS_PACKAGE_URI", "https://example.invalid/api/oc4ids/")

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# Backups (projects/backup.py, docs/backup.md): where `manage.py backup` writes, and how many are
# kept. After each backup, backups older than TRACKER_BACKUP_KEEP_DAYS are deleted, but never the
# TRACKER_BACKUP_KEEP newest.
TRACKER_BACKUP_DIR = Path(env_str("TRACKER_BACKUP_DIR") or BASE_DIR / "backups")
TRACKER_BACKUP_KEEP = env_int("TRACKER_BACKUP_KEEP", 7)
TRACKER_BACKUP_KEEP_DAYS = env_int("TRACKER_BACKUP_KEEP_DAYS", 30)

# Logs (tracker/logs.py): JSON lines on stderr; with TRACKER_LOG_DIR also tracker.log and audit.log
# there, rotated at midnight and kept TRACKER_LOG_RETENTION_DAYS days (等保 2.0: at least 6 months).
TRACKER_LOG_DIR = env_str("TRACKER_LOG_DIR") or None
TRACKER_LOG_RETENTION_DAYS = env_int("TRACKER_LOG_RETENTION_DAYS", 180)
if TRACKER_LOG_DIR:
    # The log files are opened when logging is configured: a folder this user cannot write is said
    # here, plainly, rather than as a traceback from deep inside logging.config.
    _why = unusable_directory(TRACKER_LOG_DIR, files=LOG_FILES)
    if _why:
        raise ImproperlyConfigured(
            f"TRACKER_LOG_DIR={TRACKER_LOG_DIR} cannot be used by the user {user_name()}: {_why}. Give it to that "
            f"user once (as root: install -d -o {user_name()} -m 750 {TRACKER_LOG_DIR}, and chown the files in it; "
            "the systemd units of deploy/systemd have LogsDirectory=tracker, which does both), or leave "
            "TRACKER_LOG_DIR empty to log to stderr only (journald, docker logs).")
LOGGING = logging_config(level=env_str("DJANGO_LOG_LEVEL", "WARNING"), log_dir=TRACKER_LOG_DIR,
                         retention_days=TRACKER_LOG_RETENTION_DAYS)
