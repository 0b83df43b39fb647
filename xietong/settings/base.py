"""Settings shared by every environment. Everything that varies comes from the environment."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("XIETONG_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SECRET_KEY", "")
# The audit chain's key (HMAC-SHA256): never in the database, so its rows cannot be rewritten with recomputed
# hashes. Required in production; a fixed non-secret key in development and the tests (docs/operations.md).
AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
# The platform's public address, for links sent by SMS and e-mail (electronic service of documents).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Demo mode lists the demo logins on the login page. Never on in production.
DEMO_MODE = env_bool("XIETONG_DEMO", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    # Before django_tasks_db: its `db_worker` command (with a heartbeat) takes the library's place.
    "xietong.ops",
    "django_tasks_db",
    "ninja",
    "axes",
    "xietong.core",
    "xietong.audit",
    "xietong.accounts",
    "xietong.parties",
    "xietong.cases",
    "xietong.notifications",
    "xietong.triage",
    "xietong.intake",
    "xietong.lookup",
    "xietong.batches",
    "xietong.webhooks",
    "xietong.outreach",
    "xietong.mediation",
    "xietong.agreements",
    "xietong.judiciary",
    "xietong.service",
    "xietong.repayment",
    "xietong.risk",
    "xietong.suggestions",
    "xietong.stats",
    "xietong.demo",
]

MIDDLEWARE = [
    "xietong.ops.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "xietong.core.middleware.NulCharacterMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "xietong.core.csp.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Prometheus metrics (django-prometheus) at /metrics, off unless XIETONG_METRICS=1. With several
# gunicorn processes set PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode).
XIETONG_METRICS = env_bool("XIETONG_METRICS", False)
if XIETONG_METRICS:
    INSTALLED_APPS.append("django_prometheus")
    MIDDLEWARE = [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        *MIDDLEWARE,
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    ]

ROOT_URLCONF = "xietong.urls"
WSGI_APPLICATION = "xietong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "xietong" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "xietong.core.context_processors.platform",
            ],
        },
    },
]


def database_from_env() -> dict[str, object]:
    """SQLite in WAL mode by default; any database named by DATABASE_URL otherwise."""
    url = os.environ.get("DATABASE_URL")
    if url:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
        if config["ENGINE"] == "django.db.backends.postgresql":
            # Server-side binding with prepared statements: PostgreSQL plans a repeated lookup once
            # per connection instead of on every call (ID lookup 1.6 → 0.5 ms, bench/README.md).
            # Behind PgBouncer in transaction mode, set its max_prepared_statements.
            options = dict(config.get("OPTIONS") or {})  # type: ignore[call-overload]
            options.setdefault("server_side_binding", env_bool("DB_SERVER_SIDE_BINDING", True))
            options.setdefault("prepare_threshold", int(os.environ.get("DB_PREPARE_THRESHOLD", "5")))
            # A database host that does not answer fails a connection in seconds, not minutes.
            options.setdefault("connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "5")))
            config["OPTIONS"] = options
        return config
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "xietong.sqlite3")),
        # Each gunicorn process keeps its connection: a new one reads the whole schema before its first
        # statement, 1.6–2 ms of CPU on every request that touches the database (bench/README.md).
        "CONN_MAX_AGE": int(os.environ.get("SQLITE_CONN_MAX_AGE", "600")),
        "OPTIONS": {
            # One writer at a time: a request waits up to 20 s for the lock (a 100,000-row batch import
            # holds it for about 10 s) instead of failing with "database is locked".
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): five failures per username and address lock for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "xietong" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "xietong" / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"


def media_storage() -> dict[str, object]:
    """Uploads and rendered documents: the file system under MEDIA_ROOT (a volume shared by every web
    process and worker), or any Django storage backend named by XIETONG_MEDIA_STORAGE with its options
    as JSON in XIETONG_MEDIA_STORAGE_OPTIONS (e.g. django-storages' S3 backend; docs/operations.md)."""
    backend = os.environ.get("XIETONG_MEDIA_STORAGE", "").strip()
    if not backend:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {"BACKEND": backend, "OPTIONS": json.loads(os.environ.get("XIETONG_MEDIA_STORAGE_OPTIONS", "") or "{}")}


STORAGES = {
    "default": media_storage(),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Operations (docs/operations.md): the queue's upkeep, the scheduler, health checks.
XIETONG_TASKS_KEEP_DAYS = int(os.environ.get("XIETONG_TASKS_KEEP_DAYS", "14"))
XIETONG_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("XIETONG_WORKER_HEARTBEAT_SECONDS", "15"))
XIETONG_WORKER_DEAD_SECONDS = float(os.environ.get("XIETONG_WORKER_DEAD_SECONDS", "120"))
XIETONG_TASKS_RUNNING_MAX_SECONDS = float(os.environ.get("XIETONG_TASKS_RUNNING_MAX_SECONDS", "3600"))
# Tasks safe to run twice are declared with @retry_safe (xietong/ops/retry.py): retried with back-off
# when they fail, re-queued when their worker dies. Task paths listed here get the default policy too.
XIETONG_TASKS_REQUEUE_SAFE = [p for p in os.environ.get("XIETONG_TASKS_REQUEUE_SAFE", "").split(",") if p]

# An API token's last use is written at most once per this many seconds (a read does not write).
XIETONG_API_LAST_USED_EVERY_SECONDS = float(os.environ.get("XIETONG_API_LAST_USED_EVERY_SECONDS", "300"))
# A token verified by a web process is trusted by that process for this many seconds without being
# read again (0: read on every call). A revocation applies at once in the process that made it and
# within these seconds in the others; an expiry is checked on every call.
XIETONG_API_TOKEN_CACHE_SECONDS = float(os.environ.get("XIETONG_API_TOKEN_CACHE_SECONDS", "5"))

# /readyz: how long a check may take, and how old the last worker heartbeat and the oldest ready task may be.
XIETONG_READYZ_TIMEOUT_SECONDS = float(os.environ.get("XIETONG_READYZ_TIMEOUT_SECONDS", "2"))
XIETONG_READYZ_WORKER_SECONDS = float(os.environ.get("XIETONG_READYZ_WORKER_SECONDS", "120"))
XIETONG_READYZ_QUEUE_SECONDS = float(os.environ.get("XIETONG_READYZ_QUEUE_SECONDS", "600"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp 4): scripts and styles from our own origin only, no inline
# script, handler or style anywhere (the pages' behaviour is in static/xietong/app.js, by data
# attributes); `json_script` data blocks are not executed. htmx injects no style (htmx-config in
# base.html) and evaluates nothing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Uploaded files are never kept in memory above this size.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

PLATFORM_NAME = _("Xietong financial dispute center")


def logging_config(*, json_lines: bool) -> dict[str, object]:
    """Console logs with the request id on every line; one JSON object per line in production."""
    plain = {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    as_json = {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(process)d %(message)s",
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        "timestamp": False,
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "xietong.ops.requestid.RequestIdFilter"}},
        "formatters": {"plain": plain, "json": as_json},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id"],
                "formatter": "json" if json_lines else "plain",
            }
        },
        "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "axes": {"level": "WARNING"},
            "apscheduler": {"level": "WARNING"},
            # WeasyPrint's font subsetting and its progress log some forty INFO lines for every PDF.
            "fontTools": {"level": "WARNING"},
            "weasyprint.progress": {"level": "WARNING"},
        },
    }


LOGGING = logging_config(json_lines=env_bool("XIETONG_LOG_JSON", False))

# SMS: a pluggable backend. The default writes each message to the console and to a file.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "xietong.notifications.backends.ConsoleFileSmsBackend")
SMS_FILE_PATH = Path(os.environ.get("SMS_FILE_PATH", VAR_DIR / "sms.log"))
# Signed checkpoints of the audit head, appended outside the database (docs/operations.md).
AUDIT_CHECKPOINT_FILE = Path(os.environ.get("AUDIT_CHECKPOINT_FILE", VAR_DIR / "audit-checkpoints.log"))
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "xietong@localhost")
