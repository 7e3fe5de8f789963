"""PeerPact settings: one file, everything read from the environment (see .env.example)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from peerpact.lib.env import env_bool, env_choice, env_int, env_list, env_raw, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PEERPACT_VAR_DIR", str(BASE_DIR / "var")))

# pytest and `manage.py test` may run without any environment at all.
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")

DEBUG = env_bool("DEBUG", False)

DEV_SECRET_KEY = "insecure-development-key-do-not-use-in-production"
PLACEHOLDER_SECRET_KEYS = {DEV_SECRET_KEY, "change-me", "changeme", ""}
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
if SECRET_KEY in PLACEHOLDER_SECRET_KEYS and not (DEBUG or TESTING):
    raise ImproperlyConfigured(
        "SECRET_KEY is unset or a placeholder. Production mode (DEBUG=false) refuses to start: "
        "set SECRET_KEY (or SECRET_KEY_FILE) to a long random value, or set DEBUG=true for development."
    )
if len(SECRET_KEY) < 50 and not (DEBUG or TESTING):
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long in production.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "peerpact.accounts",
    "peerpact.communities",
    "peerpact.circles",
    "peerpact.safety",
    "peerpact.goals",
    "peerpact.checkins",
    "peerpact.roles",
    "peerpact.feedback",
    "peerpact.engagement",
    "peerpact.programs",
    "peerpact.formation",
    "peerpact.notifications",
    "peerpact.webhooks",
    "peerpact.insights",
    "peerpact.api",
    "ninja",  # only for its bundled Swagger UI files (static/ninja/), served locally
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "peerpact.accounts.middleware.UserPreferencesMiddleware",
    "peerpact.accounts.middleware.SessionTrackingMiddleware",
    "peerpact.communities.middleware.CommunityMfaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "peerpact.urls"
WSGI_APPLICATION = "peerpact.wsgi.application"

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
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "peerpact.notifications.context_processors.unread",
            ],
            "builtins": ["django.templatetags.i18n", "peerpact.lib.timetags"],
        },
    }
]

# --- Database: SQLite under var/ by default; DATABASE_URL (or PGHOST/PGDATABASE) switches to PostgreSQL.
_database_url = env_raw("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
elif env_raw("PGDATABASE") or env_raw("PGHOST"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env_str("PGDATABASE", "peerpact"),
            "USER": env_str("PGUSER", "peerpact"),
            "PASSWORD": env_str("PGPASSWORD", ""),
            "HOST": env_str("PGHOST", "127.0.0.1"),
            "PORT": env_str("PGPORT", "5432"),
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
        }
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _sqlite_test_default = str(Path(tempfile.gettempdir()) / f"peerpact-test-{os.getpid()}.sqlite3")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(VAR_DIR / "peerpact.sqlite3")),
            "OPTIONS": {
                # WAL lets the web process read while the worker writes; IMMEDIATE avoids
                # "database is locked" upgrades from read to write inside a transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file, not shared-cache memory: tests then see the same locking (WAL, busy timeout)
            # as a real deployment, and threads racing in tests queue instead of failing.
            # Per process, so two test runs in one checkout never share a file.
            "TEST": {"NAME": env_str("SQLITE_TEST_PATH", _sqlite_test_default)},
        }
    }
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # Per process, like the SQLite file: two test runs against one server never share a database.
    _pg_test_default = f"test_peerpact_{os.getpid()}"
    DATABASES["default"].setdefault("TEST", {"NAME": env_str("PGTESTDATABASE", _pg_test_default)})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: per-process memory by default; REDIS_URL shares it (rate limits) across processes.
_redis_url = env_raw("REDIS_URL")
if _redis_url:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests hash hundreds of passwords.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "peerpact.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "peerpact.accounts.forms.SignupExtraForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env_choice(
    "ACCOUNT_EMAIL_VERIFICATION", ("mandatory", "optional", "none"), "mandatory"
)
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[PeerPact] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https://") else "http"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
if TESTING:
    # The browser suite signs many people up from one address; limits are tested explicitly.
    ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "signup": "1000/m/ip", "confirm_email": "1000/m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "PeerPact"

# --- Email: console in development, SMTP in production (EMAIL_BACKEND=console|file|smtp|locmem).
_email_backend = env_choice(
    "EMAIL_BACKEND", ("console", "file", "smtp", "locmem"), "console" if DEBUG or TESTING else "smtp"
)
_email_options: dict[str, object] = {}
if _email_backend == "file":
    _email_options = {"file_path": env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))}
elif _email_backend == "smtp":
    _email_options = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 0) or None,
        "username": env_str("EMAIL_HOST_USER") or None,
        "password": env_str("EMAIL_HOST_PASSWORD") or None,
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "use_ssl": env_bool("EMAIL_USE_SSL", False),
        "timeout": env_int("EMAIL_TIMEOUT", 20),
    }
_email_module = "filebased" if _email_backend == "file" else _email_backend
MAILERS = {
    "default": {
        "BACKEND": f"django.core.mail.backends.{_email_module}.EmailBackend",
        "OPTIONS": _email_options,
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PeerPact <noreply@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Internationalization: UTC in the database, each person's zone and language at the edges.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("hi", _("Hindi")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (whitenoise serves them; nothing from a CDN)
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded files (program attachments). Never served as static files: only through access-checked views.
# Tests write under the system temp dir (per process), never into a real deployment's files.
_media_default = (
    Path(tempfile.gettempdir()) / f"peerpact-test-media-{os.getpid()}" if TESTING else VAR_DIR / "media"
)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(_media_default)))
PROGRAM_UPLOAD_MAX_BYTES = env_int("PROGRAM_UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
# Module videos from YouTube (youtube-nocookie), Vimeo (dnt) or https .mp4/.webm/.ogv links play on the module
# page, whose CSP then allows that one host. False keeps every video a plain link (private networks, offline).
PROGRAM_VIDEO_EMBEDS = env_bool("PROGRAM_VIDEO_EMBEDS", True)
# Circle formation: a solver run stops after this many seconds even if its work budget is not spent
# (the budget itself grows with the pool; 5,000 applicants take well under a minute on 2 cores).
FORMATION_TIME_LIMIT = env_int("FORMATION_TIME_LIMIT", 300, minimum=5)
FORMATION_MAX_EVALUATIONS: int | None = None  # None: the solver's default budget for the pool size

# JSON API (/api/v1): requests per minute per token, per signed-in user, or per address when anonymous.
# Counted in CACHES (per process unless REDIS_URL is set).
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 120, minimum=1)
if TESTING:
    # Suites make thousands of API calls as a few users; the limit itself is tested with a small value.
    API_RATE_LIMIT = 1_000_000

# --- Security
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE  # the footer's language switcher (accounts.views.language)
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live)?$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies in front of the app that append to X-Forwarded-For. 0 (the default): the header is
# ignored and the rate limits (sign-in, reset, API) count REMOTE_ADDR; N: the Nth address from the
# right is the client's. Never more than the proxies you run: anything further left is forgeable.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Worker
WORKER_IDLE_SECONDS = env_int("WORKER_IDLE_SECONDS", 5, minimum=1)

# --- Chat (Apprise): allow targets on localhost and private networks (self-hosted ntfy/Matrix on a LAN)
CHAT_ALLOW_PRIVATE_HOSTS = env_bool("CHAT_ALLOW_PRIVATE_HOSTS", False)
# Webhook endpoints on plain http:// or on localhost / private networks (docs/webhooks.md). Off by default.
WEBHOOKS_ALLOW_PRIVATE_HOSTS = env_bool("WEBHOOKS_ALLOW_PRIVATE_HOSTS", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "null": {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Apprise may quote a chat URL (its secrets) in its log. Each send still captures its warnings
        # for the result (shown to the target's owner, stored in last_error); they stay out of the logs.
        "apprise": {"handlers": ["null"], "level": "WARNING", "propagate": False},
    },
}
