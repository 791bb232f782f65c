"""Settings for the SSC Portal, read from the environment with safe defaults.

Every key read here is listed, with its default, in `.env.example`.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    # A typo ("ture") must not silently mean False: a security setting could switch off.
    raise ImproperlyConfigured(
        f"{name} is {value!r}, which is neither on ({', '.join(TRUE_WORDS)}) nor off "
        f"({', '.join(FALSE_WORDS)}). Set it to one of those words, or leave it unset."
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=true for development).")
    # A fixed, obviously-unsafe key keeps development sessions valid across restarts.
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_fsm",
    "django_fsm_log",
    "simple_history",
    "rules",
    "django_filters",
    "ninja",
    "sscportal",
    "sscportal.mail",
    "users",
    "notifications",
    "assessments",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "users.middleware.IdleTimeoutMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's OTPMiddleware, reading the two-factor device once a minute, not per request.
    "users.middleware.TwoFactorDeviceMiddleware",
    "users.middleware.TwoFactorMiddleware",
    # Names the signed-in person on every register history row an edit leaves.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sscportal.urls"
WSGI_APPLICATION = "sscportal.wsgi.application"

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
                "users.policy.policy_context",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Persistent connections made logged-in pages 2-6x faster on PostgreSQL (STACK.md).
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out person is refused before their password is even checked.
    "axes.backends.AxesStandaloneBackend",
    # The access policy (each app's policy.py): `user.has_perm` and `{% has_perm %}` reach it.
    # Before the model backend, so a page-level rule is answered without loading permissions.
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "j F Y, H:i"

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT") or BASE_DIR / "var" / "uploads")
STORAGES = {
    # Uploads live outside the web root and are only served through access-checked views.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    # The same in every mode, so collectstatic always writes the manifest production needs
    # (DEBUG pages link unhashed names, served from the source folders).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MAX_UPLOAD_SIZE_MB = env_int("MAX_UPLOAD_SIZE_MB", 20)
# Large uploads are spooled here, not in /tmp: a killed worker's partial file stays in the
# private store (created private on first use) until the periodic sweep removes it.
FILE_UPLOAD_TEMP_DIR = str(PRIVATE_MEDIA_ROOT / "upload-tmp")
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "sscportal.uploads.PrivateTemporaryFileUploadHandler",
]

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH") or str(BASE_DIR / "var" / "mail")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "SSC Portal <no-reply@ssc-portal.local>")
SECAS_MAILBOX = os.environ.get("SECAS_MAILBOX", "secas@ssc-portal.local")
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Without a broker, tasks run in-process so a newcomer needs no Redis.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Register history is read-only: a "revert" in the admin would write around the services.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Service levels and thresholds: assumed in DOMAIN.md, so kept as settings.
SSC_TRIAGE_WORKING_DAYS = env_int("SSC_TRIAGE_WORKING_DAYS", 5)
SSC_DECISION_WORKING_DAYS = env_int("SSC_DECISION_WORKING_DAYS", 20)
# Calls one API token may make in a minute; past it the API answers 429 with Retry-After.
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 120)
# How long the API remembers an Idempotency-Key's answer, for a client's retries.
IDEMPOTENCY_KEY_HOURS = env_int("IDEMPOTENCY_KEY_HOURS", 24)
SSC_INFORMATION_RESPONSE_WORKING_DAYS = env_int("SSC_INFORMATION_RESPONSE_WORKING_DAYS", 10)
SSC_MEETING_QUORUM = env_int("SSC_MEETING_QUORUM", 5)
# The rapporteur's recommendation is due this many SEC working days before the meeting.
RECOMMENDATION_DUE_WORKING_DAYS = env_int("RECOMMENDATION_DUE_WORKING_DAYS", 5)

# A written procedure (decision by correspondence) stays open this many SEC working days.
WRITTEN_PROCEDURE_WORKING_DAYS = env_int("WRITTEN_PROCEDURE_WORKING_DAYS", 5)
# A party with at most this many Smart Metering Systems is small (as published by SECAS).
SMALL_PARTY_MAX_SMART_METERING_SYSTEMS = env_int("SMALL_PARTY_MAX_SMART_METERING_SYSTEMS", 250_000)
# After Deferred or Rejected, the follow-up assessment is due this many months after the
# decision unless the SSC sets a date.
FOLLOW_UP_ASSESSMENT_MONTHS = env_int("FOLLOW_UP_ASSESSMENT_MONTHS", 6)
# SECAS reports to the SEC Panel for periods of this many calendar months (3: calendar
# quarters), counted from January so that each period falls within a year.
PANEL_REPORT_PERIOD_MONTHS = env_int("PANEL_REPORT_PERIOD_MONTHS", 3)
if PANEL_REPORT_PERIOD_MONTHS not in (1, 2, 3, 4, 6, 12):
    raise ImproperlyConfigured("PANEL_REPORT_PERIOD_MONTHS must be 1, 2, 3, 4, 6 or 12.")

# A User may appeal a decision within this many SEC working days of it (assumed).
APPEAL_WINDOW_WORKING_DAYS = env_int("APPEAL_WINDOW_WORKING_DAYS", 20)

# Sessions end after this many seconds without activity: users.middleware.IdleTimeoutMiddleware
# renews them, writing at most once a minute rather than on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = False

# The cache, and sessions through it, on Redis when a URL is given (production, where several
# workers must share them); otherwise each process's memory and database sessions, so the
# embedded default needs no Redis.
CACHE_URL = os.environ.get("REDIS_CACHE_URL") or os.environ.get("CACHE_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("REDIS_CACHE_URL must be a redis://, rediss:// or unix:// URL.")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "sscportal",
        }
    }
    # Read from Redis, written through to the database, so a flushed cache signs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Transport security: on unless DEBUG (or switched off for a plain-HTTP test deployment).
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY")
if BEHIND_PROXY:
    # Only behind a proxy that sets these headers itself, or anyone could claim HTTPS or an IP.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Django's own CSRF page carries an inline style the CSP blocks, and no way back.
CSRF_FAILURE_VIEW = "sscportal.views.csrf_failure"

# A strict Content Security Policy: every asset is served from here, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Sign-in throttling: after this many failures for one account from one address, a lockout.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "users.security.axes_username"  # any spelling counts as one account
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Two-factor sign-in (TOTP) is required for SSC members and SECAS staff, offered to User staff.
OTP_TOTP_ISSUER = "SSC Portal"
# Nobody, superusers included, reads another person's authenticator secret or QR code in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # In-process tasks would otherwise log every success next to the runserver output.
    "loggers": {
        "celery": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Periodic jobs (run `celery -A sscportal beat`); the outbox sweep catches up after outages.
# Without beat, cron the commands send_pending_emails, send_reminders and sweep_upload_temp.
CELERY_BEAT_SCHEDULE = {
    "sweep-outbox": {"task": "sscportal.mail.tasks.sweep_outbox", "schedule": 60.0},
    # Hourly rather than daily: a rerun queues nothing twice, and a missed hour catches up.
    "send-reminders": {"task": "assessments.tasks.send_reminders_task", "schedule": 3600.0},
    "sweep-upload-temp": {"task": "sscportal.tasks.sweep_upload_temp", "schedule": 900.0},
    # Hourly: the first run after a period ends reports it to the Panel; the others find it done.
    "report-to-panel": {"task": "assessments.tasks.panel_report_task", "schedule": 3600.0},
    "forget-idempotent-requests": {
        "task": "api.tasks.forget_idempotent_requests",
        "schedule": 3600.0,
    },
}
