"""The one settings file. Everything that differs between machines comes from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
DATA_DIR = Path(os.environ.get("CLINICDESK_DATA_DIR", PROJECT_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use CLINICDESK_SECRET_KEY, or a key generated once into the data dir."""
    key = os.environ.get("CLINICDESK_SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("CLINICDESK_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("CLINICDESK_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CLINICDESK_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "clinicdesk.practice",
    "clinicdesk.staff",
    "clinicdesk.audit",
    "clinicdesk.patients",
    "clinicdesk.insurance",
    "clinicdesk.scheduling",
    "clinicdesk.messaging",
    "clinicdesk.labs",
    "clinicdesk.inbox",
    "clinicdesk.documents",
    "clinicdesk.intake",
    "clinicdesk.chartupdates",
    "clinicdesk.frontdesk",
    "clinicdesk.fhir",
    "clinicdesk.demo",
    "clinicdesk.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "clinicdesk.web.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "clinicdesk.web.middleware.LoginRequiredEverywhereMiddleware",
    "clinicdesk.web.middleware.PracticeTimezoneMiddleware",
]

ROOT_URLCONF = "clinicdesk.urls"
WSGI_APPLICATION = "clinicdesk.wsgi.application"
AUTH_USER_MODEL = "staff.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
                "clinicdesk.web.context.shell",
            ],
        },
    }
]

_default_db = f"sqlite:///{DATA_DIR / 'clinicdesk.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file, not memory, so that concurrency tests get real separate connections
    # (one file per test process; the test runner deletes it at the end).
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of failing
        # half-way with "database is locked"; WAL lets readers run beside the one writer.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Login lockout: this many failures for one username inside the window lock it for the window.
CLINICDESK_LOCKOUT_FAILURES = int(os.environ.get("CLINICDESK_LOCKOUT_FAILURES", "5"))
CLINICDESK_LOCKOUT_MINUTES = int(os.environ.get("CLINICDESK_LOCKOUT_MINUTES", "15"))

# Idle session timeout: every request renews the cookie, so it expires after this much inactivity.
SESSION_COOKIE_AGE = 60 * int(os.environ.get("CLINICDESK_SESSION_IDLE_MINUTES", "15"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
_https = _env_bool("CLINICDESK_HTTPS", False)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = _https
SECURE_HSTS_SECONDS = 31536000 if _https else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static", ("npm/htmx", PROJECT_DIR / "node_modules" / "htmx.org" / "dist")]
# The app serves its own assets (a clinic LAN may be offline): straight from the finders, no build step.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Card images and uploads: the largest file accepted, in bytes.
CLINICDESK_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = CLINICDESK_MAX_UPLOAD_BYTES

# Background work: Django's Tasks API (the django-tasks backport) on the database backend, so one practice needs
# nothing beside its database; `clinicdesk serve` runs a worker, `clinicdesk worker` adds more (safe side by side on
# PostgreSQL: rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED). Outbound e-mail goes through the SMTP server
# in CLINICDESK_EMAIL_URL (smtp://user:pass@host:587?starttls=1&from=office@example.org, or smtps://... for implicit
# TLS); unset, messages stay in the outbox as "not sent", never "sent".
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# For scale-out, CLINICDESK_TASKS=celery runs the same tasks on Celery workers through Redis
# (`celery -A clinicdesk.messaging.celery_app worker`; see docs/operations.md).
CLINICDESK_REDIS_URL = os.environ.get("CLINICDESK_REDIS_URL", "redis://127.0.0.1:6379/0")
if os.environ.get("CLINICDESK_TASKS", "database").strip().lower() == "celery":
    TASKS = {"default": {"BACKEND": "clinicdesk.messaging.celery_backend.CeleryBackend", "QUEUES": ["default"]}}
elif os.environ.get("CLINICDESK_TASKS", "database").strip().lower() not in {"", "database", "db"}:
    raise ValueError("CLINICDESK_TASKS must be 'database' (the default) or 'celery'")
CLINICDESK_EMAIL_URL = os.environ.get("CLINICDESK_EMAIL_URL", "")
# SMS provider: webhook+https://host/send?token=... (a generic JSON webhook) or
# twilio+https://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com/2010-04-01?from=+1... ; unset = texts wait, not sent.
CLINICDESK_SMS_URL = os.environ.get("CLINICDESK_SMS_URL", "")
# The address patients reach this server at (e.g. https://desk.example.org): reminders carry absolute signed
# confirm/cancel/new-time links and waitlist offers an accept link under it; unset, messages go out without links.
CLINICDESK_PUBLIC_URL = os.environ.get("CLINICDESK_PUBLIC_URL", "").rstrip("/")
# Jobs the every-minute sweep also runs (each a function taking no arguments): other apps' periodic work,
# named here so that messaging imports none of them.
CLINICDESK_PERIODIC_JOBS = [
    "clinicdesk.labs.filing.hl7_file_pending",
    "clinicdesk.inbox.services.inbox_escalate",
    "clinicdesk.labs.batch.hl7_drop_sweep",
    "clinicdesk.messaging.waitlist_offers.offers_send_pending",
]
# HL7 v2 inbound (`clinicdesk mllp`, or beside `clinicdesk serve`): the id of the Organization received messages
# belong to; unset (0), the only organization in the database, or none when there are several.
CLINICDESK_HL7_ORGANIZATION = int(os.environ.get("CLINICDESK_HL7_ORGANIZATION", "0")) or None
# A directory HL7 v2 batch files are dropped into (processed every minute: processed/ with a .ack, or failed/ with
# a .reason beside it); unset, no directory is watched.
CLINICDESK_HL7_DROP_DIR = os.environ.get("CLINICDESK_HL7_DROP_DIR", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CLINICDESK_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
