"""Newsroom settings: one file, read from the environment.

Every variable has an embedded default that works on a fresh checkout (SQLite and
Celery's filesystem broker under ``var/``). ``.env.example`` lists them all.
With ``DEBUG`` off the process refuses to start without ``SECRET_KEY``.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from newsroom.caches import cache_settings
from newsroom.env import env_bool, env_float, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent


VAR_DIR = Path(os.environ.get("NEWSROOM_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "csp",
    "articles.apps.SignInThrottleConfig",  # django-axes, with an Arabic name
    # The API's documentation page (Swagger UI) from our own static files, not a CDN.
    "ninja",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The API's requests per client network, cached answers included.
    "articles.api.limits.ApiRateLimitMiddleware",
    # Whole reader pages, as sent (compressed), keyed by the content version.
    "articles.site.cache.PageCacheMiddleware",
    # HTML compressed here (pages carry no secret, and Django pads against BREACH);
    # static files come compressed from WhiteNoise.
    "django.middleware.gzip.GZipMiddleware",
    # Inside GZip: the ETag is the hash of the uncompressed page (GZip's random padding
    # would otherwise give each render its own), and cached pages answer 304 too.
    "django.middleware.http.ConditionalGetMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: answers a locked-out login with its own page.
    "axes.middleware.AxesMiddleware",
]

# Admin sign-in throttled against password guessing (django-axes): after
# AXES_FAILURE_LIMIT failures for one user name from one address, that pair is locked
# out for AXES_COOLOFF_TIME hours. Counted in the cache (Redis in production), so no
# address is written to the database; the address is read like a reporter's
# (articles.lib.clients.client_address, TRUSTED_PROXY_COUNT).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "articles.lib.clients.client_address"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

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
                "articles.site.context.site",
            ],
        },
    },
]

# Database: SQLite under var/ by default; DATABASE_URL=postgres://... in production.
# WAL + IMMEDIATE transactions + a busy timeout let the worker and the web server
# write at the same time without "database is locked".
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "newsroom.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
            # A file, not memory, so that threads in a test see one database; one per
            # test process, so that concurrent runs don't share it.
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The web processes' PostgreSQL statements give up after this long, and their waits for
# a lock after this (milliseconds; 0: no limit): a held lock or a slow database answers
# 503 with Retry-After in seconds, never a gunicorn worker stuck (newsroom/wsgi.py).
# Celery workers and commands are not limited.
WEB_STATEMENT_TIMEOUT_MS = env_int("WEB_STATEMENT_TIMEOUT_MS", 10_000)
WEB_LOCK_TIMEOUT_MS = env_int("WEB_LOCK_TIMEOUT_MS", 3_000)

REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_URL = os.environ.get("CACHE_URL", REDIS_URL)
CACHES = cache_settings(CACHE_URL, VAR_DIR, env_float("CACHE_SOCKET_TIMEOUT_SECONDS", 2.0))
if not CACHE_URL:
    # django-axes counts sign-in failures in the cache: one process (runserver on a
    # laptop) counts right in local memory; several processes need the shared cache.
    SILENCED_SYSTEM_CHECKS = ["axes.W001"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Arabic (right to left) first, French second.
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", "العربية"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own date formats (Moroccan month names come from our catalogue: locale/ar).
FORMAT_MODULE_PATH = ["newsroom.formats"]
TIME_ZONE = "Africa/Casablanca"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Django serves the image copies itself on a laptop; in production a proxy or S3 does.
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)
# Our image copies go through Django's storage API: a folder under var/ by default,
# any S3-compatible store (django-storages, `pip install -e '.[s3]'`) by settings alone.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    MEDIA_STORAGE: dict[str, object] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            "querystring_auth": False,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": MEDIA_STORAGE,
    "quarantine": {"BACKEND": "articles.lib.storage.QuarantineStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Reader pages: how long whole pages are cached by content version (0 turns the page cache
# off; short, because pages show relative times), how long browsers may keep them, and
# how often a web process re-reads the content version.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)
PAGE_MAX_AGE_SECONDS = env_int("PAGE_MAX_AGE_SECONDS", 60)

# The public JSON API (/api/v1/): requests per client network (the /24 or /48, as image
# reports count them) in each window; 0 turns the limit off.
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 120)
API_RATE_WINDOW_SECONDS = env_int("API_RATE_WINDOW_SECONDS", 60)
# "Most read" (articles.reads, docs/privacy.md): daily counts kept this many days.
READS_KEEP_DAYS = env_int("READS_KEEP_DAYS", 7)
CONTENT_VERSION_RECHECK_SECONDS = float(os.environ.get("CONTENT_VERSION_RECHECK_SECONDS", "1"))


# Content-Security-Policy (django-csp): nothing from any host but ours, no inline
# script or style (a nonce is added only to a response whose template asks for one).
def _media_origins() -> list[str]:
    """Where our image copies are served from when they are not on our own host."""
    bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
    if not bucket:
        return []
    domain = os.environ.get("AWS_S3_CUSTOM_DOMAIN", "").split("/")[0]
    if domain:
        return [f"https://{domain}"]
    endpoint = os.environ.get("AWS_S3_ENDPOINT_URL", "")
    if endpoint:
        return [endpoint.rstrip("/")]
    return [f"https://{bucket}.s3.amazonaws.com"]


_media_hosts = _media_origins()
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, *_media_hosts],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}

# Security. Production (DEBUG off) passes `check --deploy`.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Our scripts never read the CSRF cookie (forms carry the token), so it is HttpOnly too.
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
# Trust X-Forwarded-Proto only when told a proxy in front sets it (and overwrites any
# value a client sent); otherwise any client could claim to be on HTTPS.
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Celery: kombu's filesystem transport under var/ by default, Redis in production.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Exchange tables; kombu's default is ./control, wherever the process started.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # An unacknowledged task (worker killed) is redelivered after this many seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Ingestion.
FETCH_ALLOW_PRIVATE_ADDRESSES = env_bool("FETCH_ALLOW_PRIVATE_ADDRESSES", False)
FETCH_TIMEOUT_SECONDS = env_int("FETCH_TIMEOUT_SECONDS", 30)
FETCH_MAX_BYTES = env_int("FETCH_MAX_BYTES", 10 * 1024 * 1024)
FETCH_MAX_ENTRIES = env_int("FETCH_MAX_ENTRIES", 500)
FETCH_INTERVAL_SECONDS = env_int("FETCH_INTERVAL_SECONDS", 15 * 60)
FETCH_MAX_BACKOFF_SECONDS = env_int("FETCH_MAX_BACKOFF_SECONDS", 24 * 3600)
FETCH_LEASE_SECONDS = env_int("FETCH_LEASE_SECONDS", 180)
FETCH_LOG_KEEP = env_int("FETCH_LOG_KEEP", 50)
FETCH_USER_AGENT = os.environ.get(
    "FETCH_USER_AGENT", f"NewsroomBot/0.1 (+{SITE_URL}; Moroccan news reader)"
)

# Full text from outlets' pages (articles.fulltext), for outlets where staff turn it on.
FULLTEXT_MAX_BYTES = env_int("FULLTEXT_MAX_BYTES", 5 * 1024 * 1024)
FULLTEXT_TIMEOUT_SECONDS = env_int("FULLTEXT_TIMEOUT_SECONDS", 20)
# Seconds between two requests to one host, across all workers (a robots.txt
# Crawl-delay asks for more, up to FULLTEXT_MAX_CRAWL_DELAY).
FULLTEXT_HOST_DELAY_SECONDS = env_float("FULLTEXT_HOST_DELAY_SECONDS", 2.0)
FULLTEXT_MAX_CRAWL_DELAY = env_int("FULLTEXT_MAX_CRAWL_DELAY", 30)
# A worker waits this long for a host's turn, then hands the task back with a countdown.
FULLTEXT_HOST_WAIT_SECONDS = env_int("FULLTEXT_HOST_WAIT_SECONDS", 1)
# Page tasks on a queue of their own (then run workers with -Q celery,NAME or dedicated
# ones with -Q NAME); empty: the default queue, beside feeds and images.
FULLTEXT_QUEUE = os.environ.get("FULLTEXT_QUEUE", "")
if FULLTEXT_QUEUE:
    CELERY_TASK_ROUTES = {"articles.tasks.fetch_page": {"queue": FULLTEXT_QUEUE}}
FULLTEXT_ROBOTS_TTL_SECONDS = env_int("FULLTEXT_ROBOTS_TTL_SECONDS", 24 * 3600)
# An unreachable robots.txt (5xx, network) means "disallow all" until we try again.
FULLTEXT_ROBOTS_RETRY_SECONDS = env_int("FULLTEXT_ROBOTS_RETRY_SECONDS", 3600)
# Tries of one page on network errors (5xx, timeouts), with backoff; never more.
FULLTEXT_MAX_ATTEMPTS = env_int("FULLTEXT_MAX_ATTEMPTS", 3)
# A feed body this long (characters of text) is taken to be the full article.
FULLTEXT_FEED_FULL_CHARS = env_int("FULLTEXT_FEED_FULL_CHARS", 1500)
# Articles of an outlet re-run at once from admin or the fulltext command, newest first.
FULLTEXT_RERUN_LIMIT = env_int("FULLTEXT_RERUN_LIMIT", 500)

# Feed discovery (docs/discovery.md): a feed that answers 404/410 or an HTML page is
# looked for again at most once per interval per outlet, among at most this many
# candidate addresses; each request waits up to HOST_WAIT seconds for the host's turn.
DISCOVERY_INTERVAL_SECONDS = env_int("DISCOVERY_INTERVAL_SECONDS", 6 * 3600)
DISCOVERY_MAX_CANDIDATES = env_int("DISCOVERY_MAX_CANDIDATES", 8)
DISCOVERY_HOST_WAIT_SECONDS = env_int("DISCOVERY_HOST_WAIT_SECONDS", 35)

# Image copies: limits on what we download and decode, and the sizes we keep.
IMAGE_MAX_BYTES = env_int("IMAGE_MAX_BYTES", 15 * 1024 * 1024)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 40_000_000)
IMAGE_TIMEOUT_SECONDS = env_int("IMAGE_TIMEOUT_SECONDS", 30)
IMAGE_COPY_WIDTH = env_int("IMAGE_COPY_WIDTH", 1200)
IMAGE_THUMBNAIL_WIDTH = env_int("IMAGE_THUMBNAIL_WIDTH", 400)
IMAGE_QUALITY = env_int("IMAGE_QUALITY", 80)

# Image reports (articles.moderation): distinct networks within the window hide an image.
IMAGE_REPORT_THRESHOLD = env_int("IMAGE_REPORT_THRESHOLD", 3)
IMAGE_REPORT_WINDOW_DAYS = env_int("IMAGE_REPORT_WINDOW_DAYS", 7)
# Reports an hour counted from one reader and from one network; more are thanked only.
IMAGE_REPORT_RATE = env_int("IMAGE_REPORT_RATE", 10)
# More automatic hides than this within an hour stop automatic hiding until staff reset.
IMAGE_HIDE_BREAKER = env_int("IMAGE_HIDE_BREAKER", 20)
# Perceptual-hash bits two copies of one photo may differ by (of 64).
IMAGE_LOOKALIKE_DISTANCE = env_int("IMAGE_LOOKALIKE_DISTANCE", 6)
# Key of the hashes that stand for readers and networks (never stored raw).
REPORT_HASH_KEY = os.environ.get("REPORT_HASH_KEY", "") or SECRET_KEY
# Proxies in front of the app that append to X-Forwarded-For (0: read the connection).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Copies of hidden images: out of the public media storage.
QUARANTINE_ROOT = Path(os.environ.get("QUARANTINE_ROOT", "") or VAR_DIR / "quarantine")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
