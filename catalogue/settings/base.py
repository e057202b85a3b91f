"""Settings shared by every environment. SQLite unless DATABASE_URL says otherwise."""
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    # the floors, bottom up: each imports only from those above it in this list (pyproject.toml)
    "catalogue",
    "pilots",
    "measures",
    "lineage",
    "lookup",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "catalogue.middleware.ReaderDependentCachingMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "catalogue.middleware.UnreadableRequestMiddleware",
    "catalogue.middleware.LanguageFromQueryMiddleware",
    "catalogue.reading.ReadingScriptMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "catalogue.middleware.DatabaseUnavailableMiddleware",
    # last, as django-axes asks: it turns a locked-out login into its lockout response
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed admin logins: 5 per user and address, then locked for an hour.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Behind a reverse proxy the client's address comes from X-Forwarded-For, believed only as far as
# it was written by these proxies (comma-separated addresses or networks): lockouts and rate
# limits then fall on the client, not on the proxy every request comes through.
TRUSTED_PROXIES = [p for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
AXES_CLIENT_IP_CALLABLE = "catalogue.clientip.client_ip"
# Login and its redirect are the admin's: a `next=` refused as unsafe lands on the admin's index.
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

# Headers every response carries; production adds HSTS and secure cookies.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "catalogue.urls"
WSGI_APPLICATION = "catalogue.wsgi.application"

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
                "catalogue.reading.context",
            ],
            "builtins": ["django.templatetags.i18n", "catalogue.templatetags.reading"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A persistent connection that died with its server is noticed and replaced at the
        # start of the next request: the app recovers by itself when the database returns.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Readers keep reading while a writer (a reindex's batch in the worker) holds its transaction;
    # a transaction takes the write lock when it begins, so one that reads then writes (an admin
    # save) waits its turn behind another writer instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"init_command": "PRAGMA journal_mode=WAL;",
                                                          "transaction_mode": "IMMEDIATE"})
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, whose waits for the server end by DATABASE_CLIENT_TIMEOUT in the app
    # servers' workers (catalogue.db).
    DATABASES["default"]["ENGINE"] = "catalogue.db_backends.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        # An unreachable server must fail fast (the page answers 503 within 2 s), and no query
        # may hold a worker for long.
        "connect_timeout": int(os.environ.get("DB_CONNECT_TIMEOUT", "2")),
        "options": f"-c statement_timeout={int(os.environ.get('DB_STATEMENT_TIMEOUT_MS', '5000'))}",
        # A server cut off by the network (packets dropped, nothing refused) is given up by the
        # kernel in seconds, not after the quarter of an hour TCP otherwise retransmits for: when
        # what was sent goes unacknowledged for DB_TCP_USER_TIMEOUT_MS, or an idle connection's
        # probes (after DB_KEEPALIVES_IDLE s, DB_KEEPALIVES_COUNT of them DB_KEEPALIVES_INTERVAL s
        # apart) go unanswered. A busy server's kernel acknowledges both, so long statements (a
        # reindex) are never cut; a hung server's kernel does too, which only
        # DATABASE_CLIENT_TIMEOUT catches.
        "keepalives": 1,
        "keepalives_idle": int(os.environ.get("DB_KEEPALIVES_IDLE", "5")),
        "keepalives_interval": int(os.environ.get("DB_KEEPALIVES_INTERVAL", "2")),
        "keepalives_count": int(os.environ.get("DB_KEEPALIVES_COUNT", "3")),
        "tcp_user_timeout": int(os.environ.get("DB_TCP_USER_TIMEOUT_MS", "10000")),
    })
# Seconds an app server's request waits for the database (a query, a commit, the health check,
# connecting) before it answers 503: a database that hangs (a network partition, a stopped
# server) must not freeze the workers. Under 2 s, with room for the page, so that the 503 arrives
# within 2 s. 0 turns it off. PostgreSQL only; commands and the task worker are not bound by it.
DATABASE_CLIENT_TIMEOUT = float(os.environ.get("DB_CLIENT_TIMEOUT", "1.5"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Development and tests: WhiteNoise serves straight from the app and project static folders.
# Production (settings.prod) serves the hashed files collectstatic writes to STATIC_ROOT.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOCALE_PATHS = [BASE_DIR / "locale"]

FIXTURE_DIRS = [BASE_DIR / "fixtures"]
# Seed texts and curated reference facts the fixtures are built from.
SOURCES_DIR = BASE_DIR / "fixtures" / "sources"
REFERENCE_DIR = BASE_DIR / "fixtures" / "reference"

# Requests per client and window (count, seconds) on the costliest anonymous paths (catalogue.ratelimit).
RATE_LIMITS = {
    "export": (int(os.environ.get("RATE_LIMIT_EXPORTS", "20")), 60),
    "place_guess": (int(os.environ.get("RATE_LIMIT_PLACE_GUESSES", "60")), 60),
}

# Rows an export writes at most; a larger result says in the file where it stops (measures.exports).
EXPORT_MAX_ROWS = int(os.environ.get("EXPORT_MAX_ROWS", "100000"))
# Measures in one briefing (PDF, Word): a document for people to read; past it, it says so.
BRIEFING_MAX_MEASURES = int(os.environ.get("BRIEFING_MAX_MEASURES", "500"))

MEASURES_PAGE_SIZE = 20
API_PAGE_SIZE = 20

# Background work (rebuilding the search index after a vocabulary edit) is queued in the
# database and run by `manage.py db_worker` (django-tasks): no broker, and a task is queued in
# the same transaction as the edit that asks for it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"jieba": {"level": "WARNING"}},
}

# The facet index (measures.Measure) includes the key as a non-key column where the database
# supports it (PostgreSQL); SQLite builds it without, which is what we want there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
