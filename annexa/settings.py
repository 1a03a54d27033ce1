"""Django settings, built only from ``annexa.config`` readers (see docs/deploy.md)."""

from __future__ import annotations

import dj_database_url

from annexa import config
from annexa.connectors import netguard
from annexa.core import jobs, shared_cache
from annexa.orgs import mfa

HOME = config.annexa_home()
SECRET_KEY = config.read_secret_key(HOME) or ""
DEBUG = config.env_bool("ANNEXA_DEBUG", False)
ALLOWED_HOSTS = config.env_list("ANNEXA_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = config.env_url_list("ANNEXA_CSRF_TRUSTED_ORIGINS", [])
BASE_URL = config.env_url("ANNEXA_BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI assets served by us, so /api/docs/ works offline
    "django_htmx",
    "csp",
    # annexa.core before allauth, so core's account/ templates (the login page) win.
    "annexa.core",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "huey.contrib.djhuey",
    "annexa.catalog",
    "annexa.orgs",
    "annexa.ledger",
    "annexa.evidence",
    "annexa.isms",
    "annexa.risks",
    "annexa.people",
    "annexa.documents",
    "annexa.access",
    "annexa.audits",
    "annexa.findings",
    "annexa.actions",
    "annexa.connectors",
    "annexa.monitoring",
    "annexa.reports",
    "annexa.dashboard",
    "annexa.reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A view's database outage or full disk → 503/507 page or JSON (annexa/core/errors.py).
    "annexa.core.errors.ResourceErrorMiddleware",
    # A body over the route's limit → 413 before anything reads it (annexa/core/limits.py).
    "annexa.core.limits.BodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Idle and absolute session timeouts (annexa/core/sessions.py); last, so that an outage
    # page knows about htmx.
    "annexa.core.sessions.SessionTimeoutMiddleware",
    # Roles that require two-factor authentication set it up first (annexa/orgs/mfa.py).
    "annexa.orgs.mfa.MFARequiredMiddleware",
    # No organization yet: the home page leads to the first-run page (orgs/first_run.py).
    "annexa.orgs.first_run.FirstRunMiddleware",
]

ROOT_URLCONF = "annexa.urls"
WSGI_APPLICATION = "annexa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "annexa.orgs.context_processors.current_org",
            ],
        },
    },
]


def _database(name: str = "ANNEXA_DATABASE_URL") -> dict:
    url = config.env_str(name)
    if url:
        try:
            db = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        except ValueError:
            # The URL is not echoed: it may hold a password.
            raise config.ConfigError(
                f"{name} is not a database URL; use postgres://user:password@host"
                ":5432/name or sqlite:////absolute/path.sqlite3"
            ) from None
        if db["ENGINE"] not in (
            "django.db.backends.postgresql",
            "django.db.backends.sqlite3",
        ):
            raise config.ConfigError(f"{name} must be a postgres:// or sqlite:// URL.")
    else:
        db = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(HOME / "annexa.sqlite3"),
        }
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers proceed during a write; IMMEDIATE takes the write lock at BEGIN, so
        # two writers queue (busy timeout) instead of failing on a lock upgrade mid-transaction.
        db["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    test_name = config.env_str("ANNEXA_TEST_DATABASE_NAME")
    if test_name and db["ENGINE"] == "django.db.backends.postgresql":
        db["TEST"] = {"NAME": test_name}
    return db


DATABASES = {"default": _database()}
if config.env_str("ANNEXA_MIGRATE_DATABASE_URL"):
    # The tables' owner, used by `annexa init` only; the application's role cannot alter the
    # ledger tables (docs/deploy.md, "Database roles").
    DATABASES["migrate"] = {
        **_database("ANNEXA_MIGRATE_DATABASE_URL"),
        "TEST": {"MIRROR": "default"},
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# One backend: the login is User.email, which is only ever a verified address (allauth's own
# backend would also accept an address still waiting for verification).
AUTHENTICATION_BACKENDS = ["annexa.orgs.auth.VerifiedEmailBackend"]

# allauth: e-mail is the login; accounts are provisioned by an administrator or by accepting an
# invitation, not self-service. An address is verified before it is used: a change waits for
# its link to be followed, then replaces the old address (User.email follows only then).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Annexa] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if BASE_URL.startswith("https:") else "http"
ACCOUNT_ADAPTER = "annexa.orgs.auth.AccountAdapter"
# How long an invitation link to an organization works (annexa/orgs/services.py).
INVITATION_DAYS = config.env_int("ANNEXA_INVITATION_DAYS", 7, minimum=1)
# Two-factor authentication (allauth.mfa): authenticator apps (TOTP), security keys and
# recovery codes. Required for these roles, "all" or "none" (annexa/orgs/mfa.py).
MFA_REQUIRED_ROLES = mfa.parse_required_roles(
    config.env_list("ANNEXA_MFA_REQUIRED_ROLES", list(mfa.DEFAULT_ROLES))
)
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "Annexa"
MFA_PASSKEY_LOGIN_ENABLED = False
# Security keys need https, except on a development server at http://localhost.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
ACCOUNT_LOGOUT_ON_GET = False
LOGIN_URL = "account_login"
# Failed sign-ins and password resets are limited per account and per client address, counted
# in the shared cache (CACHES), so every worker sees the same count (annexa/core/throttle.py).
_failures = config.failure_limits()
AUTH_FAILURE_WINDOW_SECONDS = _failures["window_seconds"]
API_KEY_FAILURES_PER_ADDRESS = _failures["api_key_per_address"]
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{_failures['login_per_address']}/{AUTH_FAILURE_WINDOW_SECONDS}s/ip,"
    f"{_failures['login_per_account']}/{AUTH_FAILURE_WINDOW_SECONDS}s/key",
    "reset_password": "20/m/ip,5/m/key",
}
# Behind proxies that append to X-Forwarded-For: how many of them to trust for the client
# address that rate limits count (0: REMOTE_ADDR, the default).
ALLAUTH_TRUSTED_PROXY_COUNT = config.env_int("ANNEXA_TRUSTED_PROXY_COUNT", 0, minimum=0)
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "annexa.orgs.api.authentication.APIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "annexa.core.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "annexa.core.api.LimitOffsetPagination",
    "DEFAULT_METADATA_CLASS": "annexa.core.api.Metadata",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Annexa API",
    "DESCRIPTION": "ISO/IEC 27001:2022 internal audits and continuous control monitoring.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Tags (the docs' sections) and operation ids from the path after /api/v1/ and, for
    # organization routes, after /orgs/{org}/: "soa", "audits", … rather than one "v1".
    "SCHEMA_PATH_PREFIX": r"/api/v1(?:/orgs/\{org\}(?=/.))?",
    "SWAGGER_UI_DIST": "SIDECAR",
    # Every operation's error answers (400, 401, 403, 404, 409, 415, 429), described once.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "annexa.core.openapi.document_errors",
    ],
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets whose field names ("kind", "status", "role") other apps use too.
    "ENUM_NAME_OVERRIDES": {
        "AuditKindEnum": "annexa.audits.choices.AuditKind",
        "AuditStatusEnum": "annexa.audits.choices.AuditStatus",
        "TeamRoleEnum": "annexa.audits.choices.TeamRole",
        "RoleEnum": "annexa.orgs.choices.Role",
        "ActionSourceEnum": "annexa.actions.choices.ActionSource",
        "ReviewMethodEnum": "annexa.actions.choices.ReviewMethod",
        "CollectionRunStatusEnum": "annexa.connectors.choices.RunStatus",
        "TestRunStatusEnum": "annexa.monitoring.choices.RunStatus",
        "TestResultStatusEnum": "annexa.monitoring.choices.ResultStatus",
        "ControlStatusEnum": "annexa.monitoring.choices.ControlStatus",
    },
}

LANGUAGE_CODE = "en"
TIME_ZONE = config.env_time_zone("ANNEXA_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "annexa.core.staticfiles.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Shared by every worker process: Redis with ANNEXA_REDIS_URL, else the database.
CACHES = shared_cache.build_caches()

# Sessions: in the database, ended after ANNEXA_SESSION_IDLE_MINUTES without activity or
# ANNEXA_SESSION_MAX_HOURS after sign-in (annexa/core/sessions.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_SECONDS, SESSION_MAX_SECONDS = config.session_timeouts()
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = config.env_bool("ANNEXA_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if SESSION_COOKIE_SECURE:
    # __Host- cookies: only over HTTPS, only for this host, path / (no Domain can widen them).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# HTTPS (docs/deploy.md "Production settings"). Behind a TLS proxy, ANNEXA_TRUST_PROXY_HTTPS
# makes X-Forwarded-Proto: https mark the request secure, so links built from requests
# (password reset, calendar feed) are https:// — the proxy must set or strip that header.
SECURE_SSL_REDIRECT = config.env_bool("ANNEXA_SSL_REDIRECT", False)
if config.env_bool("ANNEXA_TRUST_PROXY_HTTPS", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS, SECURE_HSTS_INCLUDE_SUBDOMAINS, SECURE_HSTS_PRELOAD = config.hsts()
# Preloading is submitted for a registered domain (example.com), not for the host Annexa runs
# on (annexa.example.com): it is the domain owner's decision, so check --deploy does not ask.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# /healthz answers the load balancer over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No inline script anywhere (behaviour lives in static .js files). Inline style attributes
# are still allowed: the templates carry many style="" attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

EMAIL_BACKEND = config.env_dotted_path(
    "ANNEXA_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = config.env_str("ANNEXA_EMAIL_FROM", "annexa@localhost")

# Ledger checkpoints are signed with this Ed25519 key, kept outside the database.
SIGNING_KEY_PATH = config.env_str("ANNEXA_SIGNING_KEY_PATH", str(HOME / "keys" / "ledger.pem"))
# Evidence blobs: file:// (default, under ANNEXA_HOME) or s3://bucket/prefix.
STORAGE_URL = config.env_str("ANNEXA_STORAGE_URL", f"file://{HOME / 'blobs'}")
S3_ENDPOINT_URL = config.env_url("ANNEXA_S3_ENDPOINT_URL")
UPLOAD_MAX_BYTES = config.env_int("ANNEXA_UPLOAD_MAX_BYTES", 100 * 1024 * 1024, minimum=1)
# Days an API key lives when its issuer names none (annexa/orgs/key_expiry.py).
API_KEY_DAYS = config.env_int("ANNEXA_API_KEY_DAYS", 90, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Larger uploads stream to files here, not to /tmp: `annexa evidence gc` removes what killed
# requests leave behind (annexa/evidence/uploads.py creates the folder).
FILE_UPLOAD_TEMP_DIR = str(HOME / "tmp" / "uploads")
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "annexa.evidence.uploads.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Connectors and webhooks reach only public addresses, plus the CIDR ranges listed here
# (ANNEXA_OUTBOUND_ALLOW="10.20.0.0/16, fd12:3456::/48"); see annexa/connectors/netguard.py.
try:
    OUTBOUND_ALLOW = netguard.parse_allow_list(config.env_str("ANNEXA_OUTBOUND_ALLOW"))
except ValueError as exc:
    raise config.ConfigError(f"ANNEXA_OUTBOUND_ALLOW: {exc}") from None

# Background jobs (huey): SQLite in ANNEXA_HOME, Redis with ANNEXA_REDIS_URL; see core/jobs.py.
HUEY = jobs.build_huey(HOME)
# How often the worker signs a checkpoint of every ledger that grew.
CHECKPOINT_MINUTES = config.env_int("ANNEXA_CHECKPOINT_MINUTES", 60, minimum=1)
# RFC 3161 time-stamps of checkpoints (ledger/timestamps.py); the TSA's CA to check them.
TSA_URL = config.env_url("ANNEXA_TSA_URL")
TSA_CA_FILE = config.env_str("ANNEXA_TSA_CA_FILE")
# A report's PDF is rendered in a worker process that is stopped after this many seconds.
REPORT_PDF_SECONDS = config.env_int("ANNEXA_REPORT_PDF_SECONDS", 300, minimum=10)
# Connector runs: a worker holds a run by heartbeats; a run whose last heartbeat is older than
# the lease is interrupted and retried, up to the attempts. A stopped worker (SIGTERM) lets its
# jobs finish for the grace period, then hands their runs back. See docs/connectors.md.
CONNECTOR_LEASE_SECONDS = config.env_int("ANNEXA_CONNECTOR_LEASE_SECONDS", 300, minimum=1)
CONNECTOR_RUN_ATTEMPTS = config.env_int("ANNEXA_CONNECTOR_RUN_ATTEMPTS", 3, minimum=1)
WORKER_GRACE_SECONDS = config.env_int("ANNEXA_WORKER_GRACE_SECONDS", 30, minimum=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": config.env_choice(
            "ANNEXA_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
        ),
    },
}
