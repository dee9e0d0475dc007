"""Settings for the hongsibu platform, read from the environment.

With nothing set the platform runs without any server: SQLite under ``var/``, a
file-based cache and Celery on kombu's filesystem transport. ``DATABASE_URL``,
``CELERY_BROKER_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=True)
TESTING = env.bool("TESTING", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the platform refuses to start "
            "without it: set SECRET_KEY to a long random string."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. With DEBUG off the platform refuses to start "
            "without it: set ALLOWED_HOSTS to the host names it is served under, "
            "comma-separated."
        )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Personal data at rest (core/crypto.py). Without keys, development derives them
# from SECRET_KEY; production must set its own.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
FIELD_HASH_KEY = env.str("FIELD_HASH_KEY", default="")
if not FIELD_ENCRYPTION_KEYS or not FIELD_HASH_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY are not set. With DEBUG off "
            "personal data needs keys of its own: generate one with "
            "`python -c 'import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())'`."
        )
    import base64 as _b64
    import hashlib as _hl

    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [
        _b64.urlsafe_b64encode(
            _hl.sha256(f"enc:{SECRET_KEY}".encode()).digest()
        ).decode()
    ]
    FIELD_HASH_KEY = (
        FIELD_HASH_KEY or _hl.sha256(f"hash:{SECRET_KEY}".encode()).hexdigest()
    )


INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "knox",
    "django_htmx",
    "phonenumber_field",
    "treebeard",
    "axes",
    "core",
    "grids",
    "policing",
    "disputes",
    "dashboards",
    "integrations",
    "audit",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "core.middleware.RequestSizeLimitMiddleware",
    "core.middleware.NulCharacterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.LoginRequiredMiddleware",
    "integrations.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.twofactor.TwoFactorMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "hongsibu.urls"
WSGI_APPLICATION = "hongsibu.wsgi.application"

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
                "core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so a real worker started by a test sees the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    # Several processes (web, worker, beat) share the file: wait for locks.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A whole multipart request (several photos); each file is also checked by
# content and size when it is stored.
MAX_UPLOAD_REQUEST_BYTES = env.int("MAX_UPLOAD_REQUEST_BYTES", default=30 * 1024 * 1024)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: a bad token must answer 401, not the 403 of session auth.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # knox's, run once per request (the Idempotency-Key middleware's
        # result is reused).
        "integrations.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # Per account; integration clients have a rate of their own.
    "DEFAULT_THROTTLE_CLASSES": ["integrations.throttling.AccountRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_RATE_LIMIT", default="6000/min"),
        "integration": env.str("API_INTEGRATION_RATE_LIMIT", default="1200/min"),
    },
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=90)),
    "AUTH_HEADER_PREFIX": "Token",
    # Recognisable in logs and by secret scanners.
    "TOKEN_PREFIX": "hsb_",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hongsibu grid policing and dispute resolution API",
    "DESCRIPTION": "红寺堡区网格警务与矛盾纠纷化解平台 API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "integrations.schema.add_contract",
    ],
}

# One name per choice set shared by several fields (disputes).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "DisputeStageEnum": "disputes.models.Dispute.Stage",
        "DisputeLevelEnum": "disputes.models.Level",
        "PartyRoleEnum": "disputes.models.Party.Role",
        "AccountRoleEnum": "core.models.Role",
    }
)

PHONENUMBER_DEFAULT_REGION = "CN"
PHONENUMBER_DB_FORMAT = "E164"

# --- Login protection ---------------------------------------------------------
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_VERBOSE = False
# Lock by account, not by address: a township office shares one NAT address and
# a few typos by its staff must not lock everyone out.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- Celery -------------------------------------------------------------------
BROKER_DIR = Path(env.str("BROKER_DIR", default=str(VAR_DIR / "broker")))
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or (
    f"redis://{REDIS_URL.split('://', 1)[1]}" if REDIS_URL else "filesystem://"
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # A task taken by a worker that dies (power cut, OOM kill) goes back to the
    # queue once it has been unacknowledged this long: longer than the longest
    # task. New workers look for such tasks at start and every 10 s.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# A task is acknowledged after it ran and requeued when its worker dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "core.tasks.heartbeat_task", "schedule": 30.0},
}
# Beat entries of the domain apps are added below their names, one per job.
CELERY_BEAT_SCHEDULE.update(
    {
        # Every deadline sweep registered with core.sweep (disputes, whistles,
        # hazards): marks once, notifies once, escalates by policy.
        "sweep-overdue": {
            "task": "disputes.tasks.sweep_overdue_task",
            "schedule": 60.0,
        },
        # The dashboards' summary tables: changed (grid, day) pairs and the
        # open-now snapshot; the dashboards lag the cases by at most ~40 s.
        "refresh-dashboard-stats": {
            "task": "dashboards.tasks.refresh_stats_task",
            "schedule": 30.0,
        },
        "rebuild-dashboard-stats": {
            "task": "dashboards.tasks.rebuild_stats_task",
            "schedule": crontab(minute=41, hour=2),
        },
        "purge-expired-tokens": {
            "task": "core.tasks.purge_expired_tokens_task",
            "schedule": crontab(minute=17, hour=3),
        },
        # Audit records are chained after each write's commit; this chains
        # what a busy head or a crash left, so the chain lags by seconds.
        "chain-audit": {
            "task": "audit.tasks.chain_audit_task",
            "schedule": 10.0,
            "options": {"expires": 20},
        },
        "audit-retention": {
            "task": "audit.tasks.prune_audit_task",
            "schedule": crontab(minute=41, hour=3),
        },
        "deliver-webhooks": {
            "task": "integrations.tasks.deliver_webhooks_task",
            "schedule": 10.0,
            # a run left in the queue is useless once the next one is due
            "options": {"expires": 30},
        },
        "purge-idempotency-keys": {
            "task": "integrations.tasks.purge_idempotency_keys_task",
            "schedule": crontab(minute=23),
        },
    }
)

# --- Webhooks -----------------------------------------------------------------
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
WEBHOOK_RETRY_HOURS = env.int("WEBHOOK_RETRY_HOURS", default=24)
# One beat run stops sending after this long, so slow receivers cannot pile up.
WEBHOOK_RUN_BUDGET_SECONDS = env.float("WEBHOOK_RUN_BUDGET_SECONDS", default=40.0)

# --- Maps ---------------------------------------------------------------------
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")
MAP_MAX_ZOOM = env.int("MAP_MAX_ZOOM", default=18)
# Where a map without tiles is centred (Hongsibu) until the grids are drawn.
MAP_CENTER = (37.42, 106.06)

# --- Logging ------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes logs every reset at INFO; lockouts still show as warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Production hardening (effective when DEBUG is off) -------------------------
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # idle timeout: each request extends the session
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Content-Security-Policy (django-csp 4) ----------------------------------------
# No inline script anywhere: JS lives in static/js and data travels through
# json_script. htmx is configured by a meta tag (includeIndicatorStyles=false,
# allowEval=false). Leaflet draws markers from data: images; the tile service
# (MAP_TILE_URL) is the one outside origin images may come from. Style
# attributes (not <style> elements) stay allowed: they cannot run code.
_CSP_IMG = ["'self'", "data:", "blob:"]
if MAP_TILE_URL:
    from urllib.parse import urlsplit as _urlsplit

    _tiles = _urlsplit(MAP_TILE_URL.replace("{s}", "a"))
    if _tiles.scheme and _tiles.netloc:
        _CSP_IMG.append(f"{_tiles.scheme}://{_tiles.netloc.replace('a.', '*.', 1)}")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": _CSP_IMG,
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PERMISSIONS_POLICY_HEADER = "camera=(self), geolocation=(self), microphone=()"

# --- Audit trail (audit/) ---------------------------------------------------------
# Unset keeps every record forever; a value below 184 days is raised to 184.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=None)
# verify_audit reports records still unchained after this long (the chain-audit
# beat task runs every 10 s).
AUDIT_CHAIN_GRACE_SECONDS = env.int("AUDIT_CHAIN_GRACE_SECONDS", default=300)
# How many reverse proxies in front add X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
