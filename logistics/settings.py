"""Settings of the Campus Logistics Portal, read from the environment.

Every setting a deployment may change is an environment variable; docs/configuration.md lists
them all with their defaults. With none set the portal runs embedded: SQLite, Celery tasks
in-process, local-memory cache, Django's login form.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from logistics.schedule import BEAT_SCHEDULE

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV", default=False):
    environ.Env.read_env(BASE_DIR / ".env")

# --- Core ---------------------------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
INTERNAL_IPS = ["127.0.0.1"]

if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG off the portal needs a long random "
            "secret key (python -c 'import secrets; print(secrets.token_urlsafe(50))'). "
            "For local development set DJANGO_DEBUG=true or use `make run`."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"  # noqa: S105
if not DEBUG and ("*" in ALLOWED_HOSTS or not ALLOWED_HOSTS):
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS must name the portal's host names (comma-separated, no '*') "
        "when DJANGO_DEBUG is off."
    )

SITE_NAME = env.str("PORTAL_SITE_NAME", default="")
SITE_URL = env.str("PORTAL_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # The admin with the portal's sign-in rules (logistics.cas.PortalAdminSite).
    "logistics.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_cas_ng",
    "axes",
    "logistics",
    "repairs",
    "dining",
    "dorms",
    "lostfound",
    "parcels",
    "reviews",
]

MIDDLEWARE = [
    "logistics.middleware.RequestIdMiddleware",
    "logistics.safeguards.DatabaseUnavailableMiddleware",
    "logistics.safeguards.PermissionsPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The cached /dining/ page for visitors without a session, before the rest (dining.fastpath).
    "dining.fastpath.DiningFastPathMiddleware",
    "logistics.middleware.SessionMiddleware",
    "logistics.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "logistics.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "logistics.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "logistics.safeguards.PageWriteThrottleMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "logistics.urls"
WSGI_APPLICATION = "logistics.wsgi.application"

TEMPLATES = [
    {
        # Django's, with {% load i18n %} our portal_i18n (logistics.template_backend)
        "BACKEND": "logistics.template_backend.PortalTemplates",
        "NAME": "django",  # engines["django"], as with Django's own backend
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "logistics.context_processors.portal",
            ],
            # Django's i18n tags, a literal's {% translate %} kept per language (6 µs a tag).
            "libraries": {"i18n": "logistics.templatetags.portal_i18n"},
            # {% url 'name' %} without arguments kept (19 µs a tag): Django's tag otherwise.
            "builtins": ["logistics.templatetags.portal_url"],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that does not answer must fail requests and /healthz, not hang them.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
# PostgreSQL's Memoize plan node: off for the portal's sessions (logistics.db_session).
DATABASE_MEMOIZE = env.bool("DATABASE_MEMOIZE", default=False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL and a busy timeout let the embedded setup serve requests while a task writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["logistics.db_routers.PrimaryReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker ----------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
# Bounded timeouts: a write that notifies must never hang when Redis is unreachable.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=1.0)
# /healthz gives each check this long, so a load balancer always gets an answer within ~2 s.
HEALTHZ_TIMEOUT = env.float("HEALTHZ_TIMEOUT", default=1.5)

# The cache is an accelerator: a Redis that does not answer within this is a miss, and the
# request goes on from the database (a healthy Redis answers in well under a millisecond).
CACHE_SOCKET_TIMEOUT = env.float("CACHE_SOCKET_TIMEOUT", default=0.5)
# After this many failed Redis calls in a row a process leaves Redis alone (cache or broker,
# each on its own) for REDIS_BREAKER_RESET_SECONDS, then lets one call try again.
REDIS_BREAKER_FAILURES = env.int("REDIS_BREAKER_FAILURES", default=3)
REDIS_BREAKER_RESET_SECONDS = env.float("REDIS_BREAKER_RESET_SECONDS", default=10.0)

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache whose failures are misses (logistics.resilience breaker).
            "BACKEND": "logistics.cache.ResilientRedisCache",
            "LOCATION": env.str("CACHE_REDIS_URL", default=REDIS_URL),
            "KEY_PREFIX": "portal",
            "OPTIONS": {
                "socket_connect_timeout": CACHE_SOCKET_TIMEOUT,
                "socket_timeout": CACHE_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = not (REDIS_URL or env.str("CELERY_BROKER_URL", default=""))
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=2.0),
    "visibility_timeout": 3600,
    # One quick retry, not kombu's 2 s pause: a publish to a dead broker fails in ~0.2 s.
    "max_retries": 1,
    "interval_start": 0.2,
}
if env.str("CELERY_BROKER_SENTINEL_MASTER", default=""):
    CELERY_BROKER_TRANSPORT_OPTIONS["master_name"] = env.str("CELERY_BROKER_SENTINEL_MASTER")
CELERY_TASK_DEFAULT_QUEUE = "interactive"
CELERY_TASK_ROUTES = {"*.bulk_*": {"queue": "bulk"}}
# The outbox relay re-publishes rows whose first publish failed or was lost.
OUTBOX_RELAY_INTERVAL = env.int("OUTBOX_RELAY_INTERVAL", default=30)
OUTBOX_STALE_AFTER = env.int("OUTBOX_STALE_AFTER", default=60)
# Empty here: every app (the core too) registers its entries in AppConfig.ready().
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE

# --- Auth and identity --------------------------------------------------------------------------

AUTH_USER_MODEL = "logistics.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

CAS_SERVER_URL = env.str("CAS_SERVER_URL", default="") or None
CAS_ENABLED = bool(CAS_SERVER_URL)
# django-axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "logistics.safeguards.LoginLimitBackend",
    # The session's user with its roles and unread count in one query (logistics.backends).
    "logistics.backends.PortalModelBackend",
    # Only for sessions signed in before PortalModelBackend: a session names its backend.
    "django.contrib.auth.backends.ModelBackend",
]
if CAS_ENABLED:
    AUTHENTICATION_BACKENDS.insert(1, "logistics.cas.PortalCASBackend")
CAS_VERSION = "3"
CAS_CREATE_USER = True
CAS_APPLY_ATTRIBUTES_TO_USER = True
CAS_STORE_NEXT = False
CAS_CHECK_NEXT = True
CAS_IGNORE_REFERER = True
CAS_LOGOUT_COMPLETELY = True
CAS_REDIRECT_URL = "/"
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None
CAS_VERIFY_SSL_CERTIFICATE = env.bool("CAS_VERIFY_SSL_CERTIFICATE", default=True)
# Seconds a ticket validation may wait for the CAS server before the user sees a clear page.
CAS_TIMEOUT = env.float("CAS_TIMEOUT", default=5.0)
CAS_ROOT_PROXIED_AS = env.str("CAS_ROOT_PROXIED_AS", default="") or None
# Which CAS attribute carries what; campuses name them differently.
CAS_RENAME_ATTRIBUTES = env.dict(
    "CAS_RENAME_ATTRIBUTES",
    default={
        "displayName": "display_name",
        "cn": "display_name",
        "mail": "email",
        "mobile": "phone",
        "telephoneNumber": "phone",
        "preferredLanguage": "language",
        "locale": "language",
    },
)
# attribute=value → role, e.g. "affiliation=student:student,affiliation=faculty:teacher".
CAS_ROLE_MAP = env.str(
    "CAS_ROLE_MAP",
    default="affiliation=student:student,affiliation=teacher:teacher,affiliation=faculty:teacher,"
    "affiliation=staff:teacher",
)
# Local login stays available for break-glass admins even with CAS on.
LOCAL_LOGIN_ENABLED = env.bool("LOCAL_LOGIN_ENABLED", default=not CAS_ENABLED)
# With CAS on, /admin/login/ sends people to CAS; true opens its password form to superusers.
ADMIN_PASSWORD_LOGIN = env.bool("ADMIN_PASSWORD_LOGIN", default=False)

# Failed password sign-ins (django-axes, counted in the database so it works without Redis):
# LOGIN_FAILURE_LIMIT failures for one account, or from one client address, lock it for
# LOGIN_LOCKOUT_MINUTES. `manage.py axes_reset_username <name>` or the admin unlocks earlier.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
# Reverse proxies (addresses or networks) whose X-Forwarded-For is believed; empty: none.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# Failures during a lockout do not extend it, so the page can say when to try again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_CLIENT_IP_CALLABLE = "logistics.safeguards.client_ip"
AXES_WHITELIST_CALLABLE = "logistics.cas.is_cas_ticket_attempt"
AXES_LOCKOUT_CALLABLE = "logistics.cas.login_locked_out"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions live in the database, read through the cache; a cache failure is a miss
# (logistics.sessions), so people stay signed in while Redis is away.
SESSION_ENGINE = "logistics.sessions"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)

# --- Internationalisation -----------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format on every page, in both languages (ISO dates, 24-hour times).
FORMAT_MODULE_PATH = ["logistics.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # whitenoise's CompressedManifestStaticFilesStorage and Django's StaticFilesStorage,
        # with each file's address worked out once per process
        "BACKEND": "logistics.staticfiles.ManifestStorage"
        if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
        else "logistics.staticfiles.PlainStorage"
    },
}
if env.str("MEDIA_STORAGE", default="local") == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY", default="") or None,
            "secret_key": env.str("S3_SECRET_KEY", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# --- E-mail -------------------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# --- Webhooks (group bots) ----------------------------------------------------------------------

WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=5.0)
# An endpoint is switched off (and its owner told) after this many deliveries in a row were
# given up (each after its retries); 0 never switches one off.
WEBHOOK_DISABLE_AFTER = env.int("WEBHOOK_DISABLE_AFTER", default=5)

# --- REST API -----------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "logistics.api.authentication.BearerTokenAuthentication",
        "logistics.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["logistics.api.permissions.HasScope"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "logistics.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "logistics.api.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "logistics.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["logistics.api.throttling.WriteRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"write": env.str("API_WRITE_RATE", default="120/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Campus Logistics Portal API",
    "DESCRIPTION": "REST API of the campus logistics portal (高校后勤服务平台). "
    "Authenticate with `Authorization: Bearer <token>`; see docs/api.md. Every error answers "
    "with one body, `{code, detail, fields, request_id}`: 400 bad input (field errors in "
    "`fields`), 401 not signed in or bad token, 403 role or token scope missing, 404 not found "
    "or not yours, 405 a method the endpoint does not declare, 409 still in use, 429 throttled.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Several models have a "kind"; name the ones the schema would otherwise number.
    "ENUM_NAME_OVERRIDES": {
        "ComplaintKindEnum": "reviews.models.Complaint.Kind",
        "SubjectKindEnum": "reviews.models.Subject.Kind",
    },
}

# How long a list's "N results" (logistics.keyset.capped_count, at most 10,000+) is kept per
# filter; 0 counts on every request.
LIST_COUNT_SECONDS = env.int("LIST_COUNT_SECONDS", default=60)
# How long the repair queue's dropdown choices (repairs.choices) are kept; they are dropped on
# every change a save makes, so this bounds only what QuerySet.update changes. 0: built per request.
REPAIRS_CHOICES_SECONDS = env.int("REPAIRS_CHOICES_SECONDS", default=300)
# The repair queue's and a request page's bodies (repairs.views.common.cached_body) are kept at
# most this long; 0 draws them on every request.
REPAIRS_PAGE_SECONDS = env.int("REPAIRS_PAGE_SECONDS", default=60)
# How long the figures of a dispatcher of several units (computed from the requests, not from
# the daily rows) are kept per period; 0: computed per request.
REPAIRS_LIVE_FIGURES_SECONDS = env.int("REPAIRS_LIVE_FIGURES_SECONDS", default=300)

# --- Work calendar and repairs ------------------------------------------------------------------

# Working hours of the work calendar (logistics.workcalendar); days come from CalendarDay rows.
WORK_DAY_START = env.str("WORK_DAY_START", default="08:30")
WORK_DAY_END = env.str("WORK_DAY_END", default="17:30")
REPAIRS_AUTO_CONFIRM_DAYS = env.int("REPAIRS_AUTO_CONFIRM_DAYS", default=3)
REPAIRS_REOPEN_DAYS = env.int("REPAIRS_REOPEN_DAYS", default=7)
REPAIRS_REMINDER_BEFORE_HOURS = env.float("REPAIRS_REMINDER_BEFORE_HOURS", default=2)
REPAIRS_MAX_PHOTOS = env.int("REPAIRS_MAX_PHOTOS", default=6)

# --- Parcels ------------------------------------------------------------------------------------

# Semester start dates (ISO, comma-separated): the peak figures' forecast expects a start peak.
PARCELS_SEMESTER_STARTS = env.list("PARCELS_SEMESTER_STARTS", default=[])
# Parcels for one person scanned within this many minutes are announced in one notice.
PARCELS_NOTICE_WINDOW_MINUTES = env.int("PARCELS_NOTICE_WINDOW_MINUTES", default=10)
# How long the pickup QR code on a recipient's phone stays valid.
PARCELS_PICKUP_QR_MINUTES = env.int("PARCELS_PICKUP_QR_MINUTES", default=15)
# Wrong pickup codes a station, and a person, may try per hour before lookups are refused.
PARCELS_WRONG_CODES_PER_HOUR = env.int("PARCELS_WRONG_CODES_PER_HOUR", default=30)
# How many hours before a parcel goes back to the carrier its recipient is reminded.
PARCELS_RETURN_REMINDER_HOURS = env.int("PARCELS_RETURN_REMINDER_HOURS", default=24)

# --- Dining -------------------------------------------------------------------------------------

# The base date of the canteen price index (= 100); an ISO date, read when the index is computed.
DINING_INDEX_BASE_DATE = env.str("DINING_INDEX_BASE_DATE", default="2026-09-01")
# Lifetime of the menu cache's entries (their keys hold versions: a change never waits for it).
DINING_CACHE_SECONDS = env.int("DINING_CACHE_SECONDS", default=6 * 60 * 60)
# Whole pages and catalogues each web process keeps in memory (an LRU of this many entries).
DINING_LOCAL_CACHE_ENTRIES = env.int("DINING_LOCAL_CACHE_ENTRIES", default=64)
DINING_EPOCH_TRUST_SECONDS = env.float("DINING_EPOCH_TRUST_SECONDS", default=1.0)

# --- Reviews and complaints ---------------------------------------------------------------------

REVIEWS_EDIT_DAYS = env.int("REVIEWS_EDIT_DAYS", default=7)
REVIEWS_MAX_PHOTOS = env.int("REVIEWS_MAX_PHOTOS", default=3)
# Reviews a user may write from the pages per hour (the API has the DRF write throttle).
REVIEWS_CREATE_PER_HOUR = env.int("REVIEWS_CREATE_PER_HOUR", default=30)
REVIEWS_INVITE_DELAY_MINUTES = env.int("REVIEWS_INVITE_DELAY_MINUTES", default=60)
REVIEWS_REMINDER_DAYS = env.int("REVIEWS_REMINDER_DAYS", default=3)
REVIEWS_INVITATION_DAYS = env.int("REVIEWS_INVITATION_DAYS", default=14)
REVIEWS_COMPLAINT_ACKNOWLEDGE_HOURS = env.int("REVIEWS_COMPLAINT_ACKNOWLEDGE_HOURS", default=24)
REVIEWS_COMPLAINT_RESOLVE_HOURS = env.int("REVIEWS_COMPLAINT_RESOLVE_HOURS", default=72)
# Weight of the prior in the Bayesian-adjusted mean: like this many reviews at the overall mean.
REVIEWS_PRIOR_WEIGHT = env.int("REVIEWS_PRIOR_WEIGHT", default=10)

# Command centre (logistics.indicators): thresholds replacing the registered ones, by indicator
# key, e.g. INDICATOR_THRESHOLDS=repairs.overdue=20,parcels.overdue=50
INDICATOR_THRESHOLDS = {
    key: float(value) for key, value in env.dict("INDICATOR_THRESHOLDS", default={}).items()
}

# City supervision export (logistics.supervision, docs/supervision.md): the code the city
# platform knows the school by, the indicators the daily document carries (keys, prefixes ending
# in "." or "*"), and the benchmark dishes whose prices it reports ("name" or
# "name=local name|other local name", matched against the dishes' Chinese names).
SUPERVISION_CAMPUS_CODE = env.str("SUPERVISION_CAMPUS_CODE", default="")
SUPERVISION_INDICATORS = env.list(
    "SUPERVISION_INDICATORS",
    default=[
        "reviews.",
        "repairs.filed",
        "repairs.open",
        "repairs.overdue",
        "repairs.completion_p90",
        "repairs.completion_on_time",
        "repairs.first_time_fix",
        "repairs.repeat_faults",
        "dining.",
    ],
)
SUPERVISION_BENCHMARK_DISHES = env.list(
    "SUPERVISION_BENCHMARK_DISHES", default=["米饭", "馒头", "肉包", "大排", "红烧肉", "荷包蛋"]
)
# Where yesterday's document is pushed after midnight (HTTPS; empty: no push) and the secret of
# its HMAC signature (the X-Portal-Signature header, as webhooks).
SUPERVISION_PUSH_URL = env.str("SUPERVISION_PUSH_URL", default="")
SUPERVISION_PUSH_SECRET = env.str("SUPERVISION_PUSH_SECRET", default="")
# The weekly report (logistics.reports): the roles whose holders receive it every Monday.
WEEKLY_REPORT_ROLES = env.list("WEEKLY_REPORT_ROLES", default=["logistics_manager"])

# --- Dorms --------------------------------------------------------------------------------------

# Residents a notice is delivered to per transaction: the batch's notifications, outbox rows and
# cursor commit together, so a worker killed mid-batch loses only that batch's uncommitted work.
DORMS_DELIVERY_BATCH = env.int("DORMS_DELIVERY_BATCH", default=500)

# --- Lost and found -----------------------------------------------------------------------------

# Whether visitors without a session see the board of found items (signed-in users always do).
LOSTFOUND_BOARD_PUBLIC = env.bool("LOSTFOUND_BOARD_PUBLIC", default=False)

# --- Security -----------------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Secure cookies get the __Host- prefix: the browser then refuses them without Secure, with a
# Domain or from a sibling subdomain. portal.js reads the CSRF token from its meta tag, not this.
SESSION_COOKIE_NAME = "__Host-sessionid" if SESSION_COOKIE_SECURE else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if CSRF_COOKIE_SECURE else "csrftoken"
# Browser features pages may use: the camera for repair photos (capture), nothing else.
PERMISSIONS_POLICY = "camera=(self), geolocation=(), microphone=(), payment=(), usb=()"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = env.list("DJANGO_SILENCED_SYSTEM_CHECKS", default=[])

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"] + ([CAS_SERVER_URL] if CAS_SERVER_URL else []),
    },
}

# --- Logging ------------------------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "logistics.middleware.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
        },
        "runserver": {"format": "%(asctime)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "plain",
        },
        "runserver": {"class": "logging.StreamHandler", "formatter": "runserver"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # No handlers of its own: Django's default console handler would print each line twice.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "INFO"},
        # runserver's request lines (`make run`): every request when DEBUG, errors otherwise.
        # Redefining this logger drops Django's default handler for it, so name one here: without
        # it 200s vanished and only 4xx/5xx reached the console, through logging's last resort.
        "django.server": {
            "handlers": ["runserver"],
            "level": "INFO" if DEBUG else "WARNING",
            "propagate": False,
        },
    },
}
