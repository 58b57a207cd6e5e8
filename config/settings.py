"""Dangjian settings: one module, every value from the environment with a newcomer-safe default.

See `.env.example` for each variable. A missing or malformed required value fails at start
with a message saying which one and how to set it.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from core.network import parse_networks
from core.storage import file_storages

BASE_DIR = Path(__file__).resolve().parent.parent
# The database alias of the reports' read replica (core/replica.py), when one is configured.
REPORTS_DB = "reports"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. `make run` writes one into .env; in production set it in the "
        "environment (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

# Key for the ID numbers at rest (Fernet, urlsafe base64 of 32 bytes). Never in code.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")
if not FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEY is not set. `make run` writes one into .env; in production "
        "generate one with `python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'` and keep it with your backups."
    )

# During a key rotation only: the keys before the current one, still readable (comma-separated).
FIELD_ENCRYPTION_OLD_KEYS = env.list("FIELD_ENCRYPTION_OLD_KEYS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Reverse proxies (addresses or CIDR networks) whose X-Forwarded-For is believed. Empty: the
# client address is the connection's (REMOTE_ADDR); a header from anyone else is ignored.
try:
    TRUSTED_PROXIES = [str(n) for n in parse_networks(env.list("TRUSTED_PROXIES", default=[]))]
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from exc

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "core.apps.StaticFilesConfig",  # django.contrib.staticfiles without bundler files
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_filters",
    "treebeard",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "core",
    "accounts",
    "audit",
    "organisations",
    "roster",
    "learning",
    "meetings",
    "outreach",
    "api",
    "demo",
]

MIDDLEWARE = [
    # Before SecurityMiddleware: X-Forwarded-Proto counts only from TRUSTED_PROXIES.
    "core.network.ForwardedProtoMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    }
]

# No DATABASE_URL: the embedded SQLite database, so a fresh machine needs nothing installed.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL and a busy timeout let the dev server and a task worker share the file.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A read replica (PostgreSQL streaming replication) for reports: the reads a report makes inside
# core.replica.reporting() go to it (core.replica.ReplicaRouter); everything else, and every
# write, goes to "default". Empty: reports read "default" like the rest.
REPORTS_DATABASE_URL = env.str("REPORTS_DATABASE_URL", default="")
if REPORTS_DATABASE_URL:
    DATABASES[REPORTS_DB] = env.db_url_config(REPORTS_DATABASE_URL)
    DATABASES[REPORTS_DB].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES[REPORTS_DB]["CONN_HEALTH_CHECKS"] = True
    # The test run gives the replica no database of its own: it reads the default's.
    DATABASES[REPORTS_DB]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Empty: per-process memory, which is right for one process only. Several processes or
# machines (gunicorn workers, app servers, task workers) share one Redis:
# redis://127.0.0.1:6379/1 (Django's own RedisCache).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
SHARED_CACHE = not CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache"))

# Sessions (accounts/sessions.py): "db" keeps them in the database; "cached_db" reads them
# from the cache (Redis) and writes them through to the database, so the security officer's
# 在线会话 page still lists every session and ending one ends it everywhere. A cache-only
# store is refused: its sessions could be neither listed nor ended.
SESSION_STORE = env.str("SESSION_STORE", default="db")
if SESSION_STORE not in ("db", "cached_db"):
    raise ImproperlyConfigured(
        f"SESSION_STORE={SESSION_STORE!r}: use db or cached_db (a cache-only store would hide "
        "sessions from the security officer's page, which lists and ends them)."
    )
if SESSION_STORE == "cached_db" and not SHARED_CACHE:
    raise ImproperlyConfigured(
        "SESSION_STORE=cached_db needs a cache every process shares (CACHE_URL=redis://...): "
        "with per-process memory a session ended in one process would live on in another."
    )
SESSION_ENGINE = f"django.contrib.sessions.backends.{SESSION_STORE}"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses locked-out accounts and addresses before any password check.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UsernameOrPhoneBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Password policy (DESIGN §8): length and the number of character classes are settings.
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=8)
PASSWORD_MIN_CLASSES = env.int("PASSWORD_MIN_CLASSES", default=3)
# Words no password may contain: the platform's and the organisation's names (lower case,
# compared case-insensitively). A deployment adds its own, e.g. the prefecture's name.
PASSWORD_FORBIDDEN_WORDS = env.list(
    "PASSWORD_FORBIDDEN_WORDS",
    default=["dangjian", "dangwei", "gongwei", "jiguan", "zhibu", "dangyuan"],
)
# Days after which a password must be changed (等保 periodic change); 0 = never.
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=0)
if PASSWORD_MAX_AGE_DAYS < 0:
    raise ImproperlyConfigured("PASSWORD_MAX_AGE_DAYS must be 0 (off) or a number of days.")
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {
            "user_attributes": ("username", "display_name", "phone", "email", "first_name")
        },
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {
        "NAME": "accounts.validators.CharacterClassValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CLASSES},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # 12345678Aa: a common password with a little decoration.
    {"NAME": "accounts.validators.CommonPasswordPartValidator"},
    {
        "NAME": "accounts.validators.ForbiddenWordsValidator",
        "OPTIONS": {"words": PASSWORD_FORBIDDEN_WORDS},
    },
]

# Lockout (django-axes, accounts/lockout.py): 5 failures of one account from one address lock
# that account at that address for 15 minutes, so one person's typos behind an office's NAT lock
# no one else. Against password spraying, LOCKOUT_ADDRESS_FAILURES failures from one address
# (any accounts) lock the address, except for security officer accounts, which only their own
# failures lock: the one who unlocks others always has a way in.
AXES_FAILURE_LIMIT = env.int("LOCKOUT_FAILURES", default=5)
LOCKOUT_ADDRESS_FAILURES = env.int("LOCKOUT_ADDRESS_FAILURES", default=30)
if not AXES_FAILURE_LIMIT < LOCKOUT_ADDRESS_FAILURES:
    raise ImproperlyConfigured("LOCKOUT_ADDRESS_FAILURES must be larger than LOCKOUT_FAILURES.")
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "core.network.client_ip"
AXES_USERNAME_CALLABLE = "accounts.lockout.attempted_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# Never stored in clear in the attempt records (the password-change form counts as well).
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "old_password",
    "new_password",
    "new_password_again",
    "csrfmiddlewaretoken",
]
AXES_VERBOSE = False
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# Sessions (accounts.middleware.SessionLimitsMiddleware keeps both clocks): 30 minutes idle,
# and 12 hours after sign-in at most, however active the session is.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_MAX_SECONDS = env.int("SESSION_MAX_HOURS", default=12) * 3600
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Production (DEBUG off) speaks HTTPS only: plain HTTP is redirected and browsers are told to
# remember it for a year. The health check stays reachable over HTTP for the proxy's probes.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
# Believed only from TRUSTED_PROXIES (core.network.ForwardedProtoMiddleware strips it otherwise).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Audit events are kept AUDIT_RETENTION_DAYS; never fewer than the floor of 等保 2.0
# (≥ 180 days), which the purge also enforces whatever the setting says.
AUDIT_RETENTION_MIN_DAYS = 180
AUDIT_RETENTION_DAYS = max(env.int("AUDIT_RETENTION_DAYS", default=365), AUDIT_RETENTION_MIN_DAYS)


def _positive_int(name: str, default: int) -> int:
    try:
        value = env.int(name, default=default)
    except ValueError:
        shown = env.str(name)
        raise ImproperlyConfigured(f"{name} must be a whole number, got {shown!r}.") from None
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be at least 1, got {value}.")
    return value


# Content Security Policy (django-csp): scripts only from our own origin, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Bootstrap components set inline style attributes.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
# The platform's catalogues, then its replacements for Django's and DRF's own wording
# (locale/overrides/README in the .po headers). makemessages writes into the first.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "overrides"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end packages installed by npm from package-lock.json, served by the app.
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/tom-select", BASE_DIR / "node_modules" / "tom-select" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
WHITENOISE_USE_FINDERS = DEBUG
# Uploads and generated files, outside the web root. Two storages: "default" (uploads and
# generated documents) and "private" (attachments: minutes, lesson files, request photos, and
# roster uploads with clear ID numbers; read only through views that check scope,
# core.uploads.serve_file). FILE_STORAGE=filesystem keeps them under MEDIA_ROOT and
# PRIVATE_MEDIA_ROOT, which several app servers and workers must share (NFS);
# FILE_STORAGE=s3 puts them in S3-compatible object storage (MinIO, Ceph, OSS, COS) through
# django-storages, nothing shared on disk. core/storage.py builds both.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "uploads")
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")
FILE_STORAGE = env.str("FILE_STORAGE", default="filesystem")
S3_BUCKET = env.str("S3_BUCKET", default="")
S3_PRIVATE_BUCKET = env.str("S3_PRIVATE_BUCKET", default="") or S3_BUCKET
S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="")
S3_REGION = env.str("S3_REGION", default="")
S3_ACCESS_KEY_ID = env.str("S3_ACCESS_KEY_ID", default="")
S3_SECRET_ACCESS_KEY = env.str("S3_SECRET_ACCESS_KEY", default="")
S3_ADDRESSING_STYLE = env.str("S3_ADDRESSING_STYLE", default="path")
try:
    STORAGES = {
        **file_storages(
            kind=FILE_STORAGE,
            bucket=S3_BUCKET,
            private_bucket=S3_PRIVATE_BUCKET,
            endpoint_url=S3_ENDPOINT_URL,
            region=S3_REGION,
            access_key=S3_ACCESS_KEY_ID,
            secret_key=S3_SECRET_ACCESS_KEY,
            addressing_style=S3_ADDRESSING_STYLE,
        ),
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from exc
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Background tasks (Django's task API): the database queue by default (`manage.py db_worker`),
# or RQ on Redis (TASKS_BACKEND=django_tasks_rq.RQBackend, RQ_URL=redis://host:6379/2,
# `manage.py rqworker default` on as many machines as needed).
TASKS_BACKEND = env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")
TASKS = {"default": {"BACKEND": TASKS_BACKEND}}
RQ_URL = env.str("RQ_URL", default="")
if TASKS_BACKEND.startswith("django_tasks_rq."):
    if not RQ_URL:
        raise ImproperlyConfigured(
            "TASKS_BACKEND=django_tasks_rq.RQBackend needs RQ_URL, the Redis the queue lives in "
            "(e.g. redis://127.0.0.1:6379/2)."
        )
    INSTALLED_APPS.append("django_rq")
# A roster apply of 100,000 rows runs for minutes: a job may run this long before RQ stops it.
RQ_QUEUES = {"default": {"URL": RQ_URL or "redis://127.0.0.1:6379/2", "DEFAULT_TIMEOUT": 3600}}
# `manage.py rqworker` runs each job as a django-tasks Task (plain RQ jobs cannot call one).
RQ = {"JOB_CLASS": "django_tasks_rq.backend.Job"}

# Roster import (花名册) limits: a small upload must never exhaust a web process or a worker.
# Files at or above ROSTER_BACKGROUND_ROWS rows or ROSTER_BACKGROUND_MB (on disk, or unpacked
# for .xlsx) are read by the task worker only. An .xlsx is refused, from its zip directory and
# before anything parses it, when it unpacks past ROSTER_MAX_UNPACKED_MB in all or when its
# shared strings (or any other part read whole) unpack past ROSTER_MAX_SHARED_STRINGS_MB. A run
# of ROSTER_EMPTY_ROWS_END empty rows ends the table; a table longer than ROSTER_MAX_ROWS is
# refused. A running import silent for ROSTER_STALE_MINUTES counts as interrupted (it can be
# retried, and purged); a task not picked up after ROSTER_TASK_WAIT_MINUTES makes the page say
# the worker is not running. Uploads never applied are discarded after ROSTER_UPLOAD_EXPIRY_DAYS
# by `manage.py purge_roster_uploads` (their files hold clear ID numbers).
ROSTER_MAX_UPLOAD_MB = _positive_int("ROSTER_MAX_UPLOAD_MB", 20)
ROSTER_MAX_ROWS = _positive_int("ROSTER_MAX_ROWS", 100_000)
ROSTER_MAX_UNPACKED_MB = _positive_int("ROSTER_MAX_UNPACKED_MB", 400)
ROSTER_MAX_SHARED_STRINGS_MB = _positive_int("ROSTER_MAX_SHARED_STRINGS_MB", 50)
ROSTER_EMPTY_ROWS_END = _positive_int("ROSTER_EMPTY_ROWS_END", 1000)
ROSTER_BACKGROUND_ROWS = _positive_int("ROSTER_BACKGROUND_ROWS", 10_000)
ROSTER_BACKGROUND_MB = _positive_int("ROSTER_BACKGROUND_MB", 5)
# Member exports of at least this many members are written by the task worker (with progress
# and a download) rather than inside the request.
ROSTER_EXPORT_BACKGROUND_ROWS = _positive_int("ROSTER_EXPORT_BACKGROUND_ROWS", 5000)
ROSTER_TASK_WAIT_MINUTES = _positive_int("ROSTER_TASK_WAIT_MINUTES", 2)
ROSTER_STALE_MINUTES = _positive_int("ROSTER_STALE_MINUTES", 10)
ROSTER_UPLOAD_EXPIRY_DAYS = _positive_int("ROSTER_UPLOAD_EXPIRY_DAYS", 7)

# Organisational life (meetings): reminders go out this many days before a period ends; meeting
# notices go, besides the in-app notice, to each backend listed (dotted paths; the console by
# default, meetings.channels.EmailBackend by Django's mail settings, or a deployment's SMS gateway).
MEETING_REMINDER_DAYS = _positive_int("MEETING_REMINDER_DAYS", 7)
MEETING_NOTICE_BACKENDS = env.list(
    "MEETING_NOTICE_BACKENDS", default=["meetings.channels.ConsoleBackend"]
)

# "该身份证号码已登记在册" tells a secretary that a number is registered somewhere outside their
# organisation: each such answer is audited, and a user gets at most ID_CHECK_LIMIT_PER_HOUR of
# them an hour (counted in the cache), after which new ID numbers are refused for the hour.
ID_CHECK_LIMIT_PER_HOUR = _positive_int("ID_CHECK_LIMIT_PER_HOUR", 20)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Hashed, expiring tokens (django-rest-knox), header `Authorization: Token <key>`.
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.PasswordChanged",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # A missing object's 404 in the reader's language (Django's own message is English).
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
}
# API tokens (django-rest-knox): only a hash is stored; each token expires this many days after
# it was made (no sliding renewal), and a user holds at most API_TOKENS_PER_USER at a time.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=90)
if not 1 <= API_TOKEN_TTL_DAYS <= 3650:
    raise ImproperlyConfigured(
        f"API_TOKEN_TTL_DAYS={API_TOKEN_TTL_DAYS} is out of range: give a number of days from "
        "1 to 3650 (default 90)."
    )
API_TOKENS_PER_USER = env.int("API_TOKENS_PER_USER", default=5)
if API_TOKENS_PER_USER < 1:
    raise ImproperlyConfigured("API_TOKENS_PER_USER must be at least 1 (default 5).")
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": API_TOKENS_PER_USER,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Dangjian API",
    "DESCRIPTION": "机关党建工作平台 REST API v1: organisations and members, scoped to the caller.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Every operation documents its error answers too (api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_errors",
    ],
    "SERVE_PERMISSIONS": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.PasswordChanged",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SexEnum": "organisations.models.Sex",
        "MemberCategoryEnum": "organisations.models.MemberCategory",
        "MemberStatusEnum": "organisations.models.MemberStatus",
        "RequestStatusEnum": "outreach.models.Status",
        "RequestKindEnum": "outreach.models.RequestKind",
        "OrganisationKindEnum": "organisations.models.OrganisationKind",
        "MeetingKindEnum": "meetings.models.MeetingKind",
        "MeetingStatusEnum": "meetings.models.MeetingStatus",
        "ComplianceStatusEnum": "meetings.models.ComplianceStatus",
        "DecisionKindEnum": "meetings.models.DecisionKind",
        "DecisionOutcomeEnum": "meetings.models.DecisionOutcome",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    # No badge image from the online validator: intranets reach no internet.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Routes /bench/reference/, the ceiling page bench/member_list.py compares the member list
# with (bench/reference_page.py). Only the benchmark's server turns it on; never in production.
BENCH_REFERENCE_PAGE = env.bool("BENCH_REFERENCE_PAGE", default=False)

# The Django admin bypasses the services' audit trail; off unless an operator needs it.
DJANGO_ADMIN_ENABLED = env.bool("DJANGO_ADMIN_ENABLED", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# The party–masses channel (outreach): a sender past OUTREACH_HOLD_PER_HOUR submissions an
# hour (per address or per phone) is held for moderation (stored, never dropped); past
# OUTREACH_REFUSE_PER_HOUR per address new submissions are refused with a message (nothing is
# acknowledged that is not stored). OUTREACH_ANSWER_APPROVAL: a public answer needs a second
# person's approval (责任编辑) before the public sees it.
OUTREACH_HOLD_PER_HOUR = _positive_int("OUTREACH_HOLD_PER_HOUR", 5)
OUTREACH_REFUSE_PER_HOUR = _positive_int("OUTREACH_REFUSE_PER_HOUR", 60)
OUTREACH_ANSWER_APPROVAL = env.bool("OUTREACH_ANSWER_APPROVAL", default=False)
OUTREACH_MAX_IMAGES = 3
OUTREACH_MAX_IMAGE_MB = 5
# Messages outside the platform (outreach.messaging): SMS to submitters, e-mail to handlers.
# Dotted paths of backends; the console backend logs them with the address masked.
OUTREACH_MESSAGE_BACKENDS = env.list(
    "OUTREACH_MESSAGE_BACKENDS", default=["outreach.messaging.ConsoleBackend"]
)
