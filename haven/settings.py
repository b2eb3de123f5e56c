"""Haven settings.

Everything that differs between machines comes from environment variables with safe
defaults. A bad value raises ImproperlyConfigured rather than being guessed at.

- HAVEN_ENV: ``development`` (default), ``test`` or ``production``. Production turns on
  secure cookies and HSTS, and refuses to load the demo world.
- HAVEN_DATA_DIR: where the SQLite database, generated secret key, uploads and logs live
  (default ``./var``).
- DATABASE_URL: a PostgreSQL URL (psycopg 3); unset means the embedded SQLite database.
- HAVEN_SECRET_KEY: required in production; otherwise generated once into the data dir.
- Each secret (HAVEN_SECRET_KEY, DATABASE_URL, HAVEN_EMAIL_PASSWORD, HAVEN_REDIS_URL, the keys)
  may instead come from the file NAME_FILE names, or a systemd credential called NAME
  (``secret`` below; docs/deploy.md, section 11), so the environment file holds none.
- HAVEN_AUDIT_KEY (or the file HAVEN_AUDIT_KEY_FILE, by default generated into the data dir):
  seals the audit log; HAVEN_AUDIT_ANCHOR_FILE and HAVEN_AUDIT_ANCHOR_EMAIL: where its chain
  heads are anchored outside the database; HAVEN_AUDIT_KEYS_OLD: earlier audit keys after a
  rotation.
- HAVEN_FIELD_KEY (or the file HAVEN_FIELD_KEY_FILE, by default generated into the data dir):
  32 random bytes in base64 that encrypt the narratives at rest (haven.core.fieldcrypt);
  HAVEN_FIELD_KEYS_OLD (comma-separated) or the data dir's ``field_keys_old`` file (one a
  line): earlier keys, still used to read values written before a rotation.
- HAVEN_TRUSTED_PROXY=1: behind a reverse proxy that overwrites X-Forwarded-For, believe it.
- HAVEN_ALLOWED_HOSTS: comma-separated host names (default: localhost names).
- HAVEN_BASE_URL: the public address in emails' links (default ``http://127.0.0.1:$HAVEN_PORT``;
  HAVEN_SITE_URL is its older name and still read).
- HAVEN_REDIS_URL: keep rate limits and lockouts in Redis rather than the database.
- HAVEN_CLAMD: scan uploads with ClamAV's clamd (a unix socket path or host:port).
- HAVEN_EMAIL_URL-free email: HAVEN_EMAIL_HOST etc. switch from the file backend to SMTP.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from haven.core.logs import logging_config
from haven.core.transport import database_url_problem, redis_url_problem

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


# Where each secret given by the operator came from (environment, file, systemd credential):
# haven.core.backup leaves these out of its archive and says so.
SECRET_ORIGINS: dict[str, str] = {}


def secret(name: str, default: str = "") -> str:
    """A secret setting (ASVS V13.3.1): the environment variable ``name``; else the file named
    by ``name_FILE``; else the systemd credential called ``name`` (``LoadCredentialEncrypted=``,
    in ``$CREDENTIALS_DIRECTORY``). So the environment file need hold no secret at all: each
    can live in a root-owned file or, encrypted at rest, in systemd's credential store
    (docs/deploy.md, section 11). Both a value and a file is refused, as a guess would be."""
    value = os.environ.get(name, "")
    file_name = os.environ.get(f"{name}_FILE", "")
    if value and file_name:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both")
    if value:
        SECRET_ORIGINS[name] = "the environment"
        return value
    credentials = os.environ.get("CREDENTIALS_DIRECTORY", "")
    path = Path(file_name) if file_name else Path(credentials, name) if credentials else None
    if path is None or (not file_name and not path.exists()):
        return default
    try:
        text = path.read_text().strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"{name}_FILE names {path}, which cannot be read: {exc.strerror}") from exc
    if not text:
        raise ImproperlyConfigured(f"The file {path} for {name} is empty")
    SECRET_ORIGINS[name] = f"the file {path}" if file_name else "a systemd credential"
    return text


def _key_file(path: Path, make: Callable[[], str]) -> str:
    """The text of a key file in the data dir, made once if missing. Several processes may
    start at the same moment (gunicorn's workers, the task worker, a test's two shells): the
    key is written whole to a private temporary file and linked into place, which fails if
    another process got there first, so every process reads the same complete key."""
    if not path.exists():
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")  # mode 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(make() + "\n")
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            os.unlink(temporary)
    return path.read_text()


def _secret_key() -> str:
    key = secret("HAVEN_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("HAVEN_SECRET_KEY must be set in production")
    return _key_file(DATA_DIR / "secret_key", lambda: secrets.token_urlsafe(50)).strip()


SECRET_KEY = _secret_key()


def _audit_key() -> bytes:
    """The key that seals audit entries and anchors (haven.audit.seal). It lives outside the
    database, so whoever can write the database cannot forge a seal: HAVEN_AUDIT_KEY, or a
    key file made once in the data dir (keep it with the backups, apart from the database)."""
    # HAVEN_AUDIT_KEY_FILE names the key file Haven makes if missing, so it is read below.
    only_file = os.environ.get("HAVEN_AUDIT_KEY_FILE") and not os.environ.get("HAVEN_AUDIT_KEY")
    key = "" if only_file else secret("HAVEN_AUDIT_KEY")
    if key:
        return key.encode()
    path = Path(os.environ.get("HAVEN_AUDIT_KEY_FILE") or DATA_DIR / "audit_key")
    return _key_file(path, lambda: secrets.token_urlsafe(48)).strip().encode()


AUDIT_KEY = _audit_key()
# Earlier audit keys, after a rotation (docs/security/cryptography.md): their seals still hold for
# entries pinned by an anchor sealed under the current key (manage.py anchor_audit --all).
AUDIT_KEYS_OLD = [k.strip().encode() for k in secret("HAVEN_AUDIT_KEYS_OLD").split(",") if k.strip()]


def _field_key_value(text: str, *, origin: str) -> bytes:
    try:
        key = base64.b64decode(text.strip().replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ImproperlyConfigured(
            f"{origin} is not a field key: it must be 32 random bytes in base64 (make one: "
            "python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')"
        )
    return key


def _field_key() -> bytes:
    """The key that encrypts narratives at rest (haven.core.fieldcrypt). Like the audit key it
    lives outside the database, so a stolen database file or dump holds no narrative:
    HAVEN_FIELD_KEY, or a key file made once in the data dir (keep it with the backups' keys,
    apart from the database)."""
    # HAVEN_FIELD_KEY_FILE names the key file Haven makes if missing, so it is read below.
    only_file = os.environ.get("HAVEN_FIELD_KEY_FILE") and not os.environ.get("HAVEN_FIELD_KEY")
    key = "" if only_file else secret("HAVEN_FIELD_KEY")
    if key:
        return _field_key_value(key, origin="HAVEN_FIELD_KEY")
    path = Path(os.environ.get("HAVEN_FIELD_KEY_FILE") or DATA_DIR / "field_key")
    text = _key_file(path, lambda: base64.b64encode(secrets.token_bytes(32)).decode())
    return _field_key_value(text, origin=f"The field key file {path}")


def _field_keys_old() -> list[bytes]:
    """Earlier field keys, kept so values written before a rotation still open
    (``manage.py rotate_field_key`` re-encrypts them under the current key)."""
    value = secret("HAVEN_FIELD_KEYS_OLD") or os.environ.get("HAVEN_FIELD_KEYS_OLD")
    if value is not None:
        return [_field_key_value(k, origin="HAVEN_FIELD_KEYS_OLD") for k in value.split(",") if k.strip()]
    path = DATA_DIR / "field_keys_old"
    if not path.exists():
        return []
    return [_field_key_value(k, origin=f"The file {path}") for k in path.read_text().splitlines() if k.strip()]


FIELD_KEY = _field_key()
FIELD_KEYS_OLD = _field_keys_old()
# Where the chain heads are anchored, outside the database (manage.py anchor_audit, hourly).
AUDIT_ANCHOR_FILE = Path(os.environ.get("HAVEN_AUDIT_ANCHOR_FILE") or DATA_DIR / "audit-anchors.jsonl")
# Optionally, each anchor is also emailed (to the data protection officer, say).
AUDIT_ANCHOR_EMAIL = [a.strip() for a in os.environ.get("HAVEN_AUDIT_ANCHOR_EMAIL", "").split(",") if a.strip()]
DEBUG = envbool("HAVEN_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("HAVEN_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("HAVEN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
# The public address, for links in emails and calendar feeds (haven.core.links.site_url):
# HAVEN_BASE_URL (make run sets it to the port it serves on); HAVEN_SITE_URL is its older name.
HAVEN_SITE_URL = (
    os.environ.get("HAVEN_BASE_URL")
    or os.environ.get("HAVEN_SITE_URL")
    or f"http://127.0.0.1:{os.environ.get('HAVEN_PORT') or 8000}"
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    # Empty since accounts 0008 moved its seeds across, encrypted (haven.accounts.AuthenticatorApp);
    # kept so that migration can read the old table.
    "django_otp.plugins.otp_totp",
    # Empty since accounts 0006 moved its clear recovery codes across as hashes
    # (haven.accounts.RecoveryCodeDevice); kept so that migration can read the old table.
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
    "haven.alerts",
    "haven.concerns",
    "haven.cases",
    "haven.safety_plans",
    "haven.police",
    "haven.pupil_voice",
    "haven.resources",
    "haven.insights",
    "haven.network",
    "haven.records",
    "haven.compliance",
    "haven.workspace",
    "haven.home",
    "rest_framework",
    "drf_spectacular",
    "haven.api",
]
# The demo world (manage.py load_demo, demo_logins) is no part of production (ASVS V15.2.3):
# it has no models or migrations, and nothing but tests imports it (.importlinter).
if not PRODUCTION:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("haven.home") + 1, "haven.demo")

MIDDLEWARE = [
    # First, so every log line written while answering carries the request's id.
    "haven.core.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Pages are redirected to https; the API, exempt from that, is refused over http instead.
    "haven.api.middleware.HttpsOnlyMiddleware",
    "haven.core.middleware.KnownMethodsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "haven.core.middleware.NoStoreMiddleware",
    # Before anything that reads the session: /healthz and the 503 outage answers.
    "haven.core.middleware.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # PDFs and exports: HAVEN_HEAVY_PER_MINUTE a person, in the shared store (haven/core/heavy.py).
    "haven.core.heavy.HeavyRequestLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before the second factor is asked for: a session past its lifetime signs in again first.
    "haven.accounts.middleware.SessionLifetimeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "haven.accounts.middleware.TwoFactorRequiredMiddleware",
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

# Database: embedded SQLite by default; PostgreSQL through DATABASE_URL. In production one on
# another machine must be TLS with its certificate checked (haven/core/transport.py).
DATABASE_URL = secret("DATABASE_URL")
if PRODUCTION and (problem := database_url_problem(DATABASE_URL)):
    raise ImproperlyConfigured(problem)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
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
    # The breached-password check (ASVS V6.2.12): Django's list of the 20,000 passwords most
    # found in breaches, shipped with Django, read locally (no network call).
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # "haven" and the words of the person's organisations' names (ASVS V6.2.11).
    {"NAME": "haven.accounts.password_validation.HavenWordsValidator"},
]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "home:home"

# Sessions (haven/accounts/sessions.py has the rules and why): 30 minutes idle timeout (refreshed
# on every request), gone when the browser closes, and ended 12 hours after sign-in however active.
SESSION_IDLE_SECONDS = envint("HAVEN_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_MAX_SECONDS = envint("HAVEN_SESSION_MAX_SECONDS", 12 * 60 * 60)
if SESSION_IDLE_SECONDS < 60 or SESSION_MAX_SECONDS < SESSION_IDLE_SECONDS:
    raise ImproperlyConfigured(
        "HAVEN_SESSION_IDLE_SECONDS must be at least 60, and HAVEN_SESSION_MAX_SECONDS at least as long"
    )
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = True
# Django's database sessions in Haven's own table (accounts.UserSession), saved in one statement.
SESSION_ENGINE = "haven.accounts.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Step-up: exports, prints, transfers, role changes and token creation ask for the second factor
# again when it was last given longer ago than this (haven/accounts/stepup.py).
STEP_UP_WINDOW_SECONDS = envint("HAVEN_STEP_UP_WINDOW_SECONDS", 15 * 60)
# Passkeys (haven.accounts.passkeys): the WebAuthn relying party's ID, a domain; unset means the
# host the request came to.
HAVEN_WEBAUTHN_RP_ID = os.environ.get("HAVEN_WEBAUTHN_RP_ID", "")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Cookie names (ASVS V3.3.1, V3.3.3): in production every cookie is __Host-: the browser takes it
# only over HTTPS, with Path=/ and no Domain, so no other host under the same domain can set or
# read it. Django's defaults (path /, no domain) fit; plain http on 127.0.0.1 cannot set such a
# cookie, so development and the tests keep the plain names. Scripts take the CSRF token from the
# form (haven/static/haven/passkeys.js), never from the cookie by name.
SESSION_COOKIE_NAME = "__Host-sessionid" if PRODUCTION else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if PRODUCTION else "csrftoken"
MESSAGE_COOKIE_NAME = "__Host-messages" if PRODUCTION else "messages"
MESSAGE_STORAGE = "haven.core.messages.MessageStorage"  # Django's, with the name above

# Lockout (django-axes): 5 failures for one account from one address locks it for 15 minutes.
AXES_FAILURE_LIMIT = envint("HAVEN_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind a reverse proxy that overwrites X-Forwarded-For (HAVEN_TRUSTED_PROXY=1), the client's
# address is the header's first entry, for the audit log and the lockout alike; otherwise the
# header is ignored, because anyone can send it.
HAVEN_TRUST_X_FORWARDED_FOR = envbool("HAVEN_TRUSTED_PROXY", False)
# The resource bank's link checker (haven/resources/tasks.py) opens links only to these sites
# (each with every host under it) and never into private networks; the tests, whose web server
# is on the loopback, allow it. The default: the sites the resource bank's own resources link
# to (haven/resources/seed.py), government, police and NHS, and national charities.
HAVEN_LINK_CHECK_HOSTS = [
    h.strip().lower().rstrip(".")
    for h in os.environ.get(
        "HAVEN_LINK_CHECK_HOSTS",
        "gov.uk,police.uk,nhs.uk,nspcc.org.uk,childline.org.uk,thinkuknow.co.uk,iwf.org.uk,rapecrisis.org.uk,"
        "disrespectnobody.co.uk,anti-bullyingalliance.org.uk,oursaferschools.co.uk,pshe-association.org.uk,"
        "equalityhumanrights.com,staffsscb.org.uk",
    ).split(",")
    if h.strip()
]
HAVEN_LINK_CHECK_PRIVATE_OK = envbool("HAVEN_LINK_CHECK_PRIVATE_OK", False)
if HAVEN_TRUST_X_FORWARDED_FOR:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
AXES_USERNAME_FORM_FIELD = "email"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# Failed sign-ins count in the shared rate-limit store (haven.core.ratelimit), like the pupil
# pages' limits: every worker sees one count, a restart keeps it, and the store holds only an
# HMAC of the email and address under the day's salt (no AccessAttempt rows).
AXES_HANDLER = "haven.accounts.lockout.SharedLockoutHandler"

# Rate limits and lockouts live in the database, or in Redis when HAVEN_REDIS_URL is set
# (redis://host:6379/0); HAVEN_LIMITS_PREFIX keeps several sites (or test runs) apart.
HAVEN_REDIS_URL = secret("HAVEN_REDIS_URL").strip()
if HAVEN_REDIS_URL and not HAVEN_REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"HAVEN_REDIS_URL must start redis://, rediss:// or unix://, not {HAVEN_REDIS_URL!r}")
if PRODUCTION and (problem := redis_url_problem(HAVEN_REDIS_URL)):
    raise ImproperlyConfigured(problem)
HAVEN_LIMITS_PREFIX = os.environ.get("HAVEN_LIMITS_PREFIX", "haven:limits:")
# PDFs, CSV exports and printouts one person may make a minute (haven/core/heavy.py).
HAVEN_HEAVY_PER_MINUTE = envint("HAVEN_HEAVY_PER_MINUTE", 30)

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
# Antivirus (haven/core/clamd.py): ClamAV's clamd at a unix socket path or host:port scans every
# attachment and roster file before it is kept; unset, nothing is scanned (docs/security/rules.md).
HAVEN_CLAMD = os.environ.get("HAVEN_CLAMD", "").strip()
if HAVEN_CLAMD and not (
    HAVEN_CLAMD.startswith("/") or (":" in HAVEN_CLAMD and HAVEN_CLAMD.rpartition(":")[2].isdigit())
):
    raise ImproperlyConfigured(
        f"HAVEN_CLAMD must be clamd's unix socket path (/run/clamav/clamd.ctl) or host:port, not {HAVEN_CLAMD!r}"
    )
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
    EMAIL_HOST_PASSWORD = secret("HAVEN_EMAIL_PASSWORD")
    EMAIL_USE_TLS = envbool("HAVEN_EMAIL_TLS", True)
    # A mail server that never answers must not hold an alert's sender for ever (haven.alerts).
    EMAIL_TIMEOUT = envint("HAVEN_EMAIL_TIMEOUT", 30)
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
# Not redirected to https when SECURE_SSL_REDIRECT is on: the health check, and the API, which
# is refused over http instead (haven.api.middleware.HttpsOnlyMiddleware, ASVS 4.1.2).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^api/"]
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

# One JSON object a line, UTC times with their offset (haven/core/logs.py), to the console
# (journald under systemd) and, with HAVEN_LOG_SYSLOG=host:port (or udp:// or tcp://), to a
# syslog collector off the box. docs/security/logs.md lists every log and security event.
LOGGING = logging_config(level=os.environ.get("HAVEN_LOG_LEVEL", "INFO"), syslog=os.environ.get("HAVEN_LOG_SYSLOG", ""))
AXES_USERNAME_CALLABLE = "haven.accounts.lockout.username_from"

# The JSON API (haven.api): personal tokens or a two-factor session, JSON in and out,
# application/problem+json for every error, per-user throttles in the shared rate-limit store
# (haven/api/permissions.py: one count for every worker, kept across restarts).
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
