"""Haven settings.

Everything that differs between machines comes from environment variables with safe
defaults. A bad value raises ImproperlyConfigured rather than being guessed at.

- HAVEN_ENV: ``development`` (default), ``test`` or ``production``. Production turns on
  secure cookies and HSTS, and refuses to load the demo world.
- HAVEN_DATA_DIR: where the SQLite database, generated secret key, uploads and logs live
  (default ``./var``).
- DATABASE_URL: a PostgreSQL URL (psycopg 3); unset means the embedded SQLite database.
- HAVEN_SECRET_KEY: required in production; otherwise generated once into the data dir.
- HAVEN_AUDIT_KEY (or the file HAVEN_AUDIT_KEY_FILE, by default generated into the data dir):
  seals the audit log; HAVEN_AUDIT_ANCHOR_FILE and HAVEN_AUDIT_ANCHOR_EMAIL: where its chain
  heads are anchored outside the database.
- HAVEN_TRUSTED_PROXY=1: behind a reverse proxy that overwrites X-Forwarded-For, believe it.
- HAVEN_ALLOWED_HOSTS: comma-separated host names (default: localhost names).
- HAVEN_EMAIL_URL-free email: HAVEN_EMAIL_HOST etc. switch from the file backend to SMTP.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


HAVEN_ENV = os.environ.get("HAVEN_ENV", "development")
if HAVEN_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"HAVEN_ENV must be development, test or production, not {HAVEN_ENV!r}")
PRODUCTION = HAVEN_ENV == "production"

if not os.environ.get("HAVEN_DATA_DIR") and "pytest" in sys.modules:
    # A test run never touches a developer's data: anything that reaches past the test
    # database finds an empty folder of its own.
    os.environ["HAVEN_DATA_DIR"] = tempfile.mkdtemp(prefix="haven-pytest-")
DATA_DIR = Path(os.environ.get("HAVEN_DATA_DIR") or BASE_DIR / "var").resolve()  # empty means unset
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = os.environ.get("HAVEN_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("HAVEN_SECRET_KEY must be set in production")
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()


def _audit_key() -> bytes:
    """The key that seals audit entries and anchors (haven.audit.seal). It lives outside the
    database, so whoever can write the database cannot forge a seal: HAVEN_AUDIT_KEY, or a
    key file made once in the data dir (keep it with the backups, apart from the database)."""
    key = os.environ.get("HAVEN_AUDIT_KEY")
    if key:
        return key.encode()
    path = Path(os.environ.get("HAVEN_AUDIT_KEY_FILE") or DATA_DIR / "audit_key")
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip().encode()


AUDIT_KEY = _audit_key()
# Where the chain heads are anchored, outside the database (manage.py anchor_audit, hourly).
AUDIT_ANCHOR_FILE = Path(os.environ.get("HAVEN_AUDIT_ANCHOR_FILE") or DATA_DIR / "audit-anchors.jsonl")
# Optionally, each anchor is also emailed (to the data protection officer, say).
AUDIT_ANCHOR_EMAIL = [a.strip() for a in os.environ.get("HAVEN_AUDIT_ANCHOR_EMAIL", "").split(",") if a.strip()]
DEBUG = envbool("HAVEN_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("HAVEN_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("HAVEN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "haven.core",
    "haven.organisations",
    "haven.accounts",
    "haven.access",
    "haven.audit",
    "haven.people",
    "haven.concerns",
    "haven.cases",
    "haven.safety_plans",
    "haven.pupil_voice",
    "haven.resources",
    "haven.insights",
    "haven.network",
    "haven.records",
    "haven.compliance",
    "haven.workspace",
    "haven.home",
    "haven.demo",
    "rest_framework",
    "drf_spectacular",
    "haven.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "haven.core.middleware.KnownMethodsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "haven.core.middleware.NoStoreMiddleware",
    # Before anything that reads the session: /healthz and the 503 outage answers.
    "haven.core.middleware.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "haven.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "haven.urls"
WSGI_APPLICATION = "haven.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "haven" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "haven.home.context_processors.haven",
            ],
        },
    },
    {
        # The hot row loops only (the dashboard's rows, the chronology's entries), printed into
        # the Django pages by {% rows %} (haven/workspace/templatetags/rows.py).
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "haven" / "workspace" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "haven.workspace.jinja.environment", "autoescape": True},
    },
]

# Database: embedded SQLite by default; PostgreSQL through DATABASE_URL.
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "haven.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy
                # timeout instead of failing to upgrade a read lock (SQLITE_BUSY).
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL;PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "home:home"

# Sessions: 30 minutes idle timeout (refreshed on every request), gone when the browser closes.
SESSION_IDLE_SECONDS = envint("HAVEN_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ENGINE = "haven.accounts.sessions"  # the same database sessions, saved in one statement
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Lockout (django-axes): 5 failures for one account from one address locks it for 15 minutes.
AXES_FAILURE_LIMIT = envint("HAVEN_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind a reverse proxy that overwrites X-Forwarded-For (HAVEN_TRUSTED_PROXY=1), the client's
# address is the header's first entry, for the audit log and the lockout alike; otherwise the
# header is ignored, because anyone can send it.
HAVEN_TRUST_X_FORWARDED_FOR = envbool("HAVEN_TRUSTED_PROXY", False)
# The resource bank's link checker refuses links into private networks; the tests, whose web
# server is on the loopback, allow them.
HAVEN_LINK_CHECK_PRIVATE_OK = envbool("HAVEN_LINK_CHECK_PRIVATE_OK", False)
if HAVEN_TRUST_X_FORWARDED_FOR:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
AXES_USERNAME_FORM_FIELD = "email"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

OTP_TOTP_ISSUER = "Haven"
OTP_TOTP_THROTTLE_FACTOR = 1

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "haven" / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
# Uploads live outside the web root and are served only by access-checked views.
MEDIA_ROOT = DATA_DIR / "uploads"
MEDIA_URL = None
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# Background tasks through the django-tasks API; the database backend needs no broker.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("HAVEN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Email: written to files under the data dir unless an SMTP host is configured.
if os.environ.get("HAVEN_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["HAVEN_EMAIL_HOST"]
    EMAIL_PORT = envint("HAVEN_EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("HAVEN_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("HAVEN_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = envbool("HAVEN_EMAIL_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("HAVEN_FROM_EMAIL", "Haven <haven@localhost>")

# Security headers. No inline scripts or styles, nothing from outside this server.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = envbool("HAVEN_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HAVEN_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
AXES_USERNAME_CALLABLE = "haven.accounts.lockout.username_from"

# The JSON API (haven.api): personal tokens or a two-factor session, JSON in and out,
# application/problem+json for every error, per-user throttles through the cache.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "haven.api.authentication.BearerTokenAuthentication",
        "haven.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["haven.api.permissions.UsesTheApi"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["haven.api.parsers.StrictJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "haven.api.pagination.Pagination",
    "DEFAULT_THROTTLE_CLASSES": ["haven.api.permissions.ReadThrottle", "haven.api.permissions.WriteThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_read": f"{envint('HAVEN_API_READS_PER_MINUTE', 600)}/min",
        "api_write": f"{envint('HAVEN_API_WRITES_PER_MINUTE', 120)}/min",
    },
    "EXCEPTION_HANDLER": "haven.api.errors.problem_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Haven API",
    "VERSION": "1.0.0",
    "DESCRIPTION": "Safeguarding records for schools: record and read concerns, read cases and chronologies.",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PUBLIC": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ConcernStatusEnum": "haven.concerns.models.Concern.Status",
        "CaseStatusEnum": "haven.cases.models.Case.Status",
        "RouteEnum": "haven.cases.models.Route",
        "SafetyPlanStatusEnum": "haven.safety_plans.models.SafetyPlan.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "haven.api.schema.closed_request_bodies",
    ],
}
