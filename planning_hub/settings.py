"""Django settings for Planning Hub.

Every deployment-specific value comes from the environment (django-environ); the defaults give
a self-contained SQLite + django-q2 ORM-broker setup so a fresh clone runs with nothing else.
Variables are documented in README.md ("Configuration").
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()

# Prometheus multiprocess mode: web workers, django-q2 workers and commands all write their
# samples here and /metrics adds them up. Must be set before prometheus_client is imported,
# which is why it sits at the top of the settings.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(VAR_DIR / "prometheus"))
Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

# --- Mode and deployment (docs/deployment.md) -----------------------------------------------
# DEBUG=true: development with tracebacks. DEBUG=false: production — SECRET_KEY is required and
# the HTTPS settings below default to on. DEBUG unset: the self-contained local setup the tests,
# `make demo` and the operator commands run in (debug pages off, a development key, plain HTTP).
DEBUG = env.bool("DEBUG", default=False)
PRODUCTION = env.str("DEBUG", default="").strip() != "" and not DEBUG
DEV_SECRET_KEY = "insecure-dev-key-change-me-" + "x" * 24
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG=false Planning Hub refuses to start on a built-in "
            "key: set SECRET_KEY to a long random value (e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), "
            "or set DEBUG=true for development. See docs/deployment.md."
        )
    SECRET_KEY = DEV_SECRET_KEY
elif PRODUCTION and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is the built-in development key; set a random one.")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=["127.0.0.1", "localhost"] + ([] if PRODUCTION else ["testserver"]),
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# HTTPS: on by default in production (DEBUG=false), off otherwise; each can be set on its own.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
# Behind a TLS-terminating proxy that sets the header (and strips it from clients), e.g.
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https. Unset: the request scheme is used as is.
_proxy_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_header and len(_proxy_header) != 2:
    raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER must be 'HEADER,value'.")
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) if _proxy_header else None

# Content-Security-Policy (django-csp 4): scripts, styles, fonts, images and requests only from
# this origin — no inline scripts or event handlers anywhere (hub pages, admin, browsable API,
# API docs); inline style *attributes* (style="…", used by DRF's and the hub's templates) are
# allowed, <style> elements are not. CSP_REPORT_ONLY=true only reports; CSP_REPORT_URI collects.
_csp_directives = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "style-src-attr": [UNSAFE_INLINE],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
if env.str("CSP_REPORT_URI", default=""):
    _csp_directives["report-uri"] = env.str("CSP_REPORT_URI")
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _csp_directives}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_directives}

# Password guessing (django-axes): AXES_FAILURE_LIMIT failed logins for one username from one
# client address lock that pair for AXES_COOLOFF_MINUTES (hub and admin login alike); a
# successful login resets the count. Behind reverse proxies set TRUSTED_PROXY_COUNT so the
# client's address (X-Forwarded-For) is counted, not the proxy's. Unlock early with
# `manage.py axes_reset_username <name>`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "planning_hub.security.client_ip"
AXES_LOCKOUT_CALLABLE = "planning_hub.security.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# the throttling counters (DRF) live in this cache: per process by default; a shared cache
# (e.g. CACHE_URL=redis://127.0.0.1:6379/1) makes the limits exact across gunicorn workers
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "django_prometheus",
    "csp",
    "axes",
    "planning_hub",
    "planning_hub.jobs",
    "audit",
    "input_sets",
    "plans",
    "runs",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "planning_hub.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "planning_hub.db_busy.DatabaseBusyMiddleware",
    # after authentication: turns a locked-out login into the lock-out page
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "planning_hub.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "planning_hub.wsgi.application"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'planning_hub.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a django-q2 worker writes; IMMEDIATE transactions and
    # a busy timeout turn "database is locked" races into short waits.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_BUSY_TIMEOUT_SECONDS", default=20),
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- i18n / time ----------------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Tokyo")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
# WhiteNoise serves static files from the app itself, so `make demo` needs no web server in
# front; collectstatic (run by the demo script) gives hashed, compressed files.
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # compressed, not hashed: nothing breaks when collectstatic has not run (tests, shell)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # plan series segments (Parquet): the filesystem under var/ by default; on the scale path
    # S3-compatible object storage, e.g. PLAN_SERIES_STORAGE_BACKEND=storages.backends.s3.S3Storage
    # and PLAN_SERIES_STORAGE_OPTIONS='{"bucket_name": "plans", "endpoint_url": "..."}'
    "plan_series": {
        "BACKEND": env(
            "PLAN_SERIES_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json(
            "PLAN_SERIES_STORAGE_OPTIONS", default={"location": str(VAR_DIR / "plan_series")}
        ),
    },
}
# also serve straight from the app folders, so a checkout works before collectstatic
WHITENOISE_USE_FINDERS = True

# --- django-q2 ------------------------------------------------------------------------------
Q_CLUSTER = {
    "name": "planning_hub",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT_SECONDS", default=1800),
    # retry must exceed timeout, or a slow task is handed to a second worker while it still runs
    "retry": env.int("Q_RETRY_SECONDS", default=1900),
    "max_attempts": 1,
    "save_limit": 500,
    "catch_up": False,
    "orm": "default",
}
if env.str("REDIS_URL", default=""):
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = env.str("REDIS_URL")

# --- Jobs (planning_hub.jobs) ---------------------------------------------------------------
# A running job's worker moves its heartbeat this often; a running job whose heartbeat is older
# than JOBS_STALE_AFTER_SECONDS is marked failed by the sweep every cluster worker runs every
# JOBS_SWEEP_SECONDS (so a dead worker's job fails within stale + sweep seconds). 0 disables a
# thread (the test suite does).
JOBS_HEARTBEAT_SECONDS = env.int("JOBS_HEARTBEAT_SECONDS", default=10)
JOBS_STALE_AFTER_SECONDS = env.int("JOBS_STALE_AFTER_SECONDS", default=60)
JOBS_SWEEP_SECONDS = env.int("JOBS_SWEEP_SECONDS", default=15)
# Uploads reading as more than this many bytes (the files; for one zip what its members declare)
# are staged to INPUT_SETS_UPLOAD_STAGING_DIR and parsed by a worker (API 202 + job).
INPUT_SETS_ASYNC_UPLOAD_BYTES = env.int("INPUT_SETS_ASYNC_UPLOAD_BYTES", default=8 * 1024**2)
INPUT_SETS_UPLOAD_STAGING_DIR = env.str(
    "INPUT_SETS_UPLOAD_STAGING_DIR", default=str(BASE_DIR / "var" / "uploads")
)

# --- Planning Hub ---------------------------------------------------------------------------
# Refuse approval by the user who uploaded the set (four-eyes principle).
INPUT_SETS_FOUR_EYES = env.bool("INPUT_SETS_FOUR_EYES", default=False)
# Cached diffs older than this are stale and recomputed on the next request.
INPUT_SET_DIFF_TTL_SECONDS = env.int("INPUT_SET_DIFF_TTL_SECONDS", default=600)
# /metrics: when either is set, only these client IPs or this bearer token may read it.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
METRICS_BEARER_TOKEN = env.str("METRICS_BEARER_TOKEN", default="")
# Zip uploads (zip bombs): members are inflated in chunks and the archive is refused as soon
# as one member passes MEMBER_BYTES, all together pass MAX_BYTES (zip_too_large), or a member
# inflates more than MAX_RATIO times the compressed bytes read so far (zip_ratio).
INPUT_SETS_ZIP_MAX_BYTES = env.int("INPUT_SETS_ZIP_MAX_BYTES", default=512 * 1024**2)
INPUT_SETS_ZIP_MAX_MEMBER_BYTES = env.int("INPUT_SETS_ZIP_MAX_MEMBER_BYTES", default=256 * 1024**2)
INPUT_SETS_ZIP_MAX_RATIO = env.int("INPUT_SETS_ZIP_MAX_RATIO", default=100)
INPUT_SETS_ZIP_MAX_FILES = env.int("INPUT_SETS_ZIP_MAX_FILES", default=100)
# Hostile files (issue 15): longest CSV line in bytes (line_too_long) and deepest JSON
# nesting (json_too_deep); see input_sets/io/hostile.py.
INPUT_SETS_CSV_MAX_LINE_BYTES = env.int("INPUT_SETS_CSV_MAX_LINE_BYTES", default=1024**2)
INPUT_SETS_JSON_MAX_DEPTH = env.int("INPUT_SETS_JSON_MAX_DEPTH", default=20)
# SQLite "database is locked" after the busy timeout: a write is retried this many times with
# exponential backoff from DB_LOCKED_RETRY_DELAY_SECONDS, then answered 503 with Retry-After.
DB_LOCKED_RETRIES = env.int("DB_LOCKED_RETRIES", default=2)
DB_LOCKED_RETRY_DELAY_SECONDS = env.float("DB_LOCKED_RETRY_DELAY_SECONDS", default=0.5)

LOG_FORMAT = env.str("LOG_FORMAT", default="plain")  # "json" for one JSON object per line
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "planning_hub.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django_q": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Plans and runs -------------------------------------------------------------------------
# Keep at most this many runs (oldest deleted first, baselines never); 0 = unlimited.
RUNS_DB_MAX_ROWS = env.int("RUNS_DB_MAX_ROWS", default=0)
# Keep at most this many plans (oldest whole plans trimmed, never those of baseline runs).
PLANS_DB_MAX_ROWS = env.int("PLANS_DB_MAX_ROWS", default=0)
# Log plan_repository_capacity_trim_alert when one trim removes at least this many plans.
PLANS_DB_GUARD_ALERT_THRESHOLD = env.int("PLANS_DB_GUARD_ALERT_THRESHOLD", default=50)
# Plans of at most this many input rows may run synchronously from the API (?sync=true).
PLANS_SYNC_MAX_INPUT_ROWS = env.int("PLANS_SYNC_MAX_INPUT_ROWS", default=20_000)
# Step artifacts (aggregate.json, …) keep their rows up to this size; bigger plans rely on the
# series (plan_export rebuilds the rows). The input snapshot keeps its tables up to the second.
PLAN_ARTIFACT_MAX_ROWS = env.int("PLAN_ARTIFACT_MAX_ROWS", default=100_000)
PLAN_SNAPSHOT_MAX_ROWS = env.int("PLAN_SNAPSHOT_MAX_ROWS", default=500_000)
# Columnar series store: rows per Parquet row group (a read of one item touches one group),
# rows per segment file, and the bytes of verified segments each process keeps in memory.
PLAN_SERIES_ROW_GROUP_ROWS = env.int("PLAN_SERIES_ROW_GROUP_ROWS", default=8_192)
PLAN_SERIES_SEGMENT_ROWS = env.int("PLAN_SERIES_SEGMENT_ROWS", default=2_000_000)
PLAN_SERIES_CACHE_BYTES = env.int("PLAN_SERIES_CACHE_BYTES", default=128 * 1024 * 1024)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "planning_hub.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["planning_hub.api.permissions.ModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "planning_hub.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "planning_hub.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "planning_hub.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # per API token (or session user) and per anonymous client; "off" disables a rate
    "DEFAULT_THROTTLE_CLASSES": [
        "planning_hub.security.TokenRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        scope: None if rate.strip().lower() == "off" else rate.strip()
        for scope, rate in (
            ("token", env.str("API_THROTTLE_TOKEN_RATE", default="1200/minute")),
            ("anon", env.str("API_THROTTLE_ANON_RATE", default="60/minute")),
        )
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Planning Hub API",
    "DESCRIPTION": "Input sets, plans, runs and jobs. Authenticate with `Authorization: Bearer <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "InputSetStatusEnum": "input_sets.choices.InputSetStatus",
        "JobStatusEnum": "plans.models.JobStatus",
        "ConfigVersionStatusEnum": "input_sets.choices.ConfigVersionStatus",
        "PlanStateEnum": "plans.models.PlanState",
    },
}
