"""OPS Job settings: one env-driven module (see .env.example for every variable).

Defaults give a working single machine (SQLite and a bundled Redis under HUB_DATA_DIR);
production sets DATABASE_URL, REDIS_URL and SECRET_KEY. Bad values fail loudly at start.
"""

from __future__ import annotations

import ipaddress
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from hub.core.redis_server import RedisEndpoint, bundled_endpoint

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()


def _positive_int(name: str, default: int) -> int:
    value = env.int(name, default=default)
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive integer, got {value}")
    return value


HUB_DATA_DIR = Path(env.str("HUB_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
HUB_DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data dir.

    Account secrets are encrypted with a key derived from it, so it must stay stable.
    """
    if value := env.str("SECRET_KEY", default=""):
        return value
    path = HUB_DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG/INFO/WARNING/ERROR/CRITICAL: {LOG_LEVEL}")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "channels",
    "django_celery_beat",
    "hub.core",
    "hub.users",
    "hub.audit",
    "hub.system",
    "hub.inventory",
    "hub.scripts",
    "hub.jobs",
    "hub.executions",
    "hub.schedules",
    "hub.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hub.metrics.http.HttpMetricsMiddleware",  # counts and times requests for /metrics
    "hub.core.limits.InputLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hub.core.middleware.RequestContextMiddleware",
    "hub.users.tokens.ApiTokenContextMiddleware",  # which API token acted, for the audit log
]

ROOT_URLCONF = "hub.urls"
ASGI_APPLICATION = "hub.asgi.application"
WSGI_APPLICATION = None

FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{HUB_DATA_DIR / 'hub.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the worker, beat and the web server share one SQLite file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(HUB_DATA_DIR / "test-hub.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# When REDIS_URL is unset, `hub up` runs a bundled Redis on a loopback port with a password,
# both generated once into HUB_DATA_DIR, so every process computes this same URL.
if env.str("REDIS_URL", default=""):
    BUNDLED_REDIS: RedisEndpoint | None = None
    REDIS_URL = env.str("REDIS_URL")
else:
    BUNDLED_REDIS = bundled_endpoint(HUB_DATA_DIR)
    REDIS_URL = BUNDLED_REDIS.url


def _kombu_url(url: str) -> str:
    """Kombu spells a Redis unix socket redis+socket:// where redis-py says unix://."""
    return "redis+socket://" + url.removeprefix("unix://") if url.startswith("unix://") else url


CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=_kombu_url(REDIS_URL))
CELERY_RESULT_BACKEND = None  # no result backend, so no result-backend retry to tune
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = False
# Longer than the longest run we allow (24 h), or a running execution is delivered twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 26 * 3600,
    "socket_keepalive": True,
    "socket_connect_timeout": 5,
    "retry_on_timeout": True,
    "health_check_interval": 10,
}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Survive a Redis restart (the supervisor brings the bundled one back within seconds):
# retry the broker forever, at start too, with keepalive and bounded connect timeouts.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 5
# A running execution keeps going while the broker is away (Celery 6's default cancels it).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # redis-py 8 reads with a 5 s socket_timeout; channels_redis blocks 5 s in BZPOPMIN
        # on every consumer's channel, so without this each WebSocket dies after ~5 s (1011).
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}]},
    }
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "hub",
        "TIMEOUT": 300,
    }
}

AUTHENTICATION_BACKENDS = [
    "hub.users.backends.GuardedModelBackend",  # ModelBackend behind the login delays
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user object

# Login delays (hub/users/login_guard.py): past a limit of failures per account (from any
# address) or per address (any usernames), each attempt waits 2**k s, capped; never a lockout.
LOGIN_FAILURE_LIMIT = _positive_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = _positive_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
LOGIN_MAX_DELAY_SECONDS = 60 * _positive_int("LOGIN_LOCKOUT_MINUTES", 15)


def _ip_networks(name: str) -> list[str]:
    """Comma-separated IPs or CIDRs, checked now so a typo fails at start."""
    values: list[str] = env.list(name, default=[])
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name}: {value!r} is not an IP or CIDR") from exc
    return values


# Peers whose X-Forwarded-For is believed (hub/core/middleware.py client_ip).
HUB_TRUSTED_PROXIES = _ip_networks("HUB_TRUSTED_PROXIES")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "hub.users.tokens.ApiTokenAuthentication",  # Authorization: Token opsj_…, scoped
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["hub.core.envelope.EnvelopeRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "hub.core.limits.JSONParser",
        "hub.core.limits.MultiPartParser",
        "hub.core.limits.FormParser",
    ],
    "EXCEPTION_HANDLER": "hub.core.envelope.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "hub.core.pagination.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "hub.core.limits.BoundedFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "hub.core.schema.HubAutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("LOGIN_THROTTLE_RATE", default="30/min"),
        "captcha": env.str("LOGIN_THROTTLE_RATE", default="30/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OPS Job API",
    "DESCRIPTION": "Ansible-runner powered automation hub. Every response uses the envelope "
    "{code, message, success, content}.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc served by the hub itself, so /api/docs/ works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ScriptTypeEnum": "hub.scripts.choices.ScriptType",
        "HostStatusEnum": "hub.inventory.choices.HostStatus",
        "ScriptVersionStatusEnum": "hub.scripts.choices.VersionStatus",
        "ExecutionStatusEnum": "hub.executions.choices.ExecutionStatus",
        "HostResultStatusEnum": "hub.executions.choices.HostStatus",
        "EventKindEnum": "hub.executions.choices.EventKind",
        "TokenScopeEnum": "hub.users.choices.TokenScope",
        "ExecutionKindEnum": "hub.executions.choices.ExecutionKind",
        "AuditActionEnum": "hub.audit.choices.AuditAction",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "hub.core.schema.wrap_in_envelope",
        "hub.core.schema.same_schema_on_every_database",
    ],
}

DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BYTES", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = HUB_DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_ROOT = FRONTEND_DIST if FRONTEND_DIST.exists() else None
WHITENOISE_INDEX_FILE = False
WHITENOISE_AUTOREFRESH = DEBUG  # see a rebuilt UI without restarting (development)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = HUB_DATA_DIR / "media"

EXECUTION_LOGS_DIR = Path(env.str("EXECUTION_LOGS_DIR", default=str(HUB_DATA_DIR / "logs")))
EXECUTION_WORK_DIR = Path(env.str("EXECUTION_WORK_DIR", default=str(HUB_DATA_DIR / "runs")))
PLAYBOOKS_DIR = BASE_DIR / "playbooks"
INVENTORY_PLUGINS_DIR = BASE_DIR / "inventory_plugins"
EVENT_STREAM_MAXLEN = _positive_int("EVENT_STREAM_MAXLEN", 200_000)
EVENT_STREAM_TTL_SECONDS = _positive_int("EVENT_STREAM_TTL_SECONDS", 24 * 3600)

CLOUD_ALIYUN_ACCESS_KEY = env.str("CLOUD_ALIYUN_ACCESS_KEY", default="")
CLOUD_ALIYUN_SECRET_KEY = env.str("CLOUD_ALIYUN_SECRET_KEY", default="")
CLOUD_TENCENT_SECRET_ID = env.str("CLOUD_TENCENT_SECRET_ID", default="")
CLOUD_TENCENT_SECRET_KEY = env.str("CLOUD_TENCENT_SECRET_KEY", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
    },
}

CELERY_TASK_ROUTES = {"executions.run": {"queue": "executions"}}
# A run whose liveness key (20 s, renewed every 5 s) is gone is recovered by beat; not within
# this many seconds of a Redis start: the keys' expiry ran on while Redis was down.
RECOVERY_REDIS_GRACE_SECONDS = env.float("RECOVERY_REDIS_GRACE_SECONDS", default=25.0)
CELERY_BEAT_SCHEDULE = {
    "recover-lost-executions": {
        "task": "executions.recover",
        "schedule": env.float("RECOVERY_INTERVAL_SECONDS", default=15.0),
    },
    "schedules-reconcile": {"task": "schedules.reconcile", "schedule": 30.0},
    "recover-cloud-syncs": {"task": "inventory.recover_cloud_syncs", "schedule": 300.0},
    "dashboard-beat-tick": {"task": "dashboard.beat_tick", "schedule": 30.0},
    "prune-history": {"task": "schedules.prune_history", "schedule": crontab(minute=17, hour=3)},
}

# Notification e-mail: EMAIL_URL such as smtp://user:pass@mail.example.com:587 (prints
# to the console when unset).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
