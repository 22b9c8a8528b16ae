"""Rathaus Mobil settings: one file, driven by environment variables.

Every variable is listed in `.env.example`. Defaults are safe for development;
production sets SECRET_KEY, DEBUG=0, ALLOWED_HOSTS and DATABASE_URL.
"""

import ipaddress
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():  # an empty line of .env.example keeps the default
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-change-me"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "rathausmobil.core.admin_site.SuperuserAdminConfig",  # django.contrib.admin, superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_htmx",
    "template_partials",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "rathausmobil.core",
    "rathausmobil.organisation",
    "rathausmobil.eligibility",
    "rathausmobil.agreements",
    "rathausmobil.equipment",
    "rathausmobil.access",
    "rathausmobil.presence",
    "rathausmobil.usage",
    "rathausmobil.reports",
    "rathausmobil.privacy",
    "rathausmobil.home",
    "rathausmobil.demo",
]

MIDDLEWARE = [
    # first: every response carries the request id, every log line of the request has it
    "rathausmobil.core.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rathausmobil.core.locale.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "rathausmobil.core.middleware.LoginRequiredMiddleware",
    "rathausmobil.core.middleware.IdleTimeoutMiddleware",
    # Last: turns a lockout signalled by the authentication backend into the German page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rathausmobil.organisation.context_processors.scope",
                "rathausmobil.home.nav.main_nav",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Connections are kept a minute: opening one per request halves what a page can serve
        # (the employee's start page: 209 -> 94 requests/s under load on PostgreSQL).
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; the timeout waits for a lock
    # instead of failing with "database is locked" on a double click.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        # 64 MB page cache: the VPN session import writes millions of index entries.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env_bool(
    "DB_JIT", False
):
    # PostgreSQL's JIT compiles a plan when it guesses it costly; for our short queries the
    # compiling took longer than the query (HR's pandemic gaps: 0.6 s with JIT, 0.1 s
    # without). DB_JIT=1 turns it back on.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache keeps figures, task counts and list counts (docs/performance.md). Production
# sets CACHE_URL=redis://HOST:6379/0, shared by every app server and worker, so a change
# made in one process renews the figures of all; without it each process keeps its own
# (the demo), and a figure is at most FIGURES_MAX_AGE seconds old.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "rathausmobil"),
        }
    }
    # Sessions read from the shared cache (a query less per request), written through to
    # the database. Only with a shared cache: a per-process cache would keep a session
    # alive in one process after the person logged out in another.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif CACHE_URL:
    raise ValueError("CACHE_URL: nur redis://, rediss:// oder unix:// wird unterstützt.")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
FIGURES_MAX_AGE = int(os.environ.get("FIGURES_MAX_AGE", "300"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home:index"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `collectstatic` writes the files WhiteNoise serves when DEBUG=0 (relative: to BASE_DIR).
STATIC_ROOT = BASE_DIR / os.environ.get("STATIC_ROOT", "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Uploads (HR import files) are kept in the database for the preview, never on disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(25 * 1024 * 1024)))
# What one import file may hold once read (core/tabular.py, docs/import.md "Limits"): data
# rows (the largest real file: 60,000 devices, 50,000 staff), and for XLSX, from the zip's
# directory before anything is unpacked: the unpacked size (50,000 staff: 30 MB), how many
# times its packed size a part may unpack to (real sheets: about 12), the number of parts.
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "200000"))
IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("IMPORT_MAX_UNPACKED_BYTES", str(250 * 1024 * 1024)))
IMPORT_MAX_ZIP_RATIO = int(os.environ.get("IMPORT_MAX_ZIP_RATIO", "100"))
IMPORT_MAX_ZIP_MEMBERS = int(os.environ.get("IMPORT_MAX_ZIP_MEMBERS", "1000"))
# A file larger than this is checked and applied by the background worker, not in the
# request (core/imports.py, docs/import.md "Large files in the background"): 256 KB are
# about 2,500 staff rows in CSV, checked in well under a second. 0: every file.
IMPORT_BACKGROUND_BYTES = int(os.environ.get("IMPORT_BACKGROUND_BYTES", str(256 * 1024)))
# A background step (an import's check or confirmation, a report file) waiting longer than
# this is shown as stuck: the worker is probably down (core/tasks.py `waited_too_long`).
BACKGROUND_STUCK_MINUTES = int(os.environ.get("BACKGROUND_STUCK_MINUTES", "30"))
# The report formats the background worker makes (reports/files.py); the others are made
# in the request. PDF: WeasyPrint takes seconds for the whole administration's report.
REPORTS_BACKGROUND_FORMATS = tuple(
    fmt.strip()
    for fmt in os.environ.get("REPORTS_BACKGROUND_FORMATS", "pdf").split(",")
    if fmt.strip()
)
# How long a report file made by the worker stays to be fetched (then the daily job deletes it).
REPORT_FILES_KEEP_HOURS = int(os.environ.get("REPORT_FILES_KEEP_HOURS", "24"))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "rathaus-mobil@stadt.example")
# The city's mail relay, for EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT") or "25")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# ---------------------------------------------------------------------------- hardening
# BSI IT-Grundschutz APP.3.1; every value and why: docs/security.md. With DEBUG=0 the
# defaults are those of production behind a TLS proxy; `check --deploy` stays silent.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
# No script reads the CSRF cookie: forms carry the token, htmx sends it from <body>.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A session ends after this many minutes without a request, and when the browser closes
# (core/middleware.py IdleTimeoutMiddleware renews it at most once a minute).
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES") or "30")
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# An API token works this many days from when it was made (core/api_auth.py); then
# `manage.py create_api_token USERNAME` gives a new one.
API_TOKEN_MAX_AGE_DAYS = int(os.environ.get("API_TOKEN_MAX_AGE_DAYS", "90"))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Behind the city's reverse proxy, which ends TLS and says so in X-Forwarded-Proto.
if env_bool("BEHIND_TLS_PROXY", not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# The health check of the load balancer asks over plain HTTP on the internal network.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS") or ("0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # An intranet host name does not belong on the browsers' public preload list; the
    # check's advice to ask for it is silenced, not followed (docs/security.md).
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Proxies whose X-Forwarded-For names the real client (organisation/lockout.py): the
# lockout counts per address, and without this every login would come from the proxy.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.1,::1")
for _entry in TRUSTED_PROXIES:  # addresses or networks; a host name would fail every login
    try:
        ipaddress.ip_network(_entry, strict=False)
    except ValueError:
        raise ValueError(
            f"TRUSTED_PROXIES: „{_entry}“ ist keine IP-Adresse und kein Netz."
        ) from None

# Content-Security-Policy (django-csp): scripts and stylesheets only from our own files,
# no inline script, no eval; style attributes are allowed (the charts' sizes and bars).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Lockout after failed logins (django-axes, organisation/lockout.py): an account after
# LOGIN_FAILURE_LIMIT failures, an address after LOGIN_FAILURE_LIMIT_ADDRESS failures
# (on any accounts), each for LOGIN_LOCKOUT_MINUTES after the last failure, or until IT
# lifts the lock (Anmeldesperren).
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT") or "5")
LOGIN_FAILURE_LIMIT_ADDRESS = int(os.environ.get("LOGIN_FAILURE_LIMIT_ADDRESS") or "30")
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES") or "15")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "rathausmobil.organisation.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_CLIENT_IP_CALLABLE = "rathausmobil.organisation.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "rathausmobil.organisation.lockout.locked_out"
AXES_RESET_ON_SUCCESS = True
# Successful logins are not logged by axes (Django keeps last_login): data minimisation.
AXES_DISABLE_ACCESS_LOG = True
# Not in the Django admin: deleting an attempt there would lift a lock without an audit
# event; IT lifts locks on the page "Anmeldesperren", audited.
AXES_ENABLE_ADMIN = False
# Failed attempts are deleted this many days after the last one (a daily job).
LOGIN_ATTEMPTS_RETENTION_DAYS = int(os.environ.get("LOGIN_ATTEMPTS_RETENTION_DAYS") or "30")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rathausmobil.core.api_auth.ExpiringTokenAuthentication",
        "rathausmobil.core.api_auth.GermanCsrfSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # limit/offset, at most 500 rows a request (core/pagination.py)
    "DEFAULT_PAGINATION_CLASS": "rathausmobil.core.pagination.ApiPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "rathausmobil.core.api.exception_handler",
    # Requests per signed-in user (per address without sign-in), counted in the default
    # cache, which production shares through Redis (CACHE_URL); an empty value: no limit.
    # A 429 says in German when to try again, with Retry-After (core/api.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("API_RATE_USER", "600/min") or None,
        "anon": os.environ.get("API_RATE_ANON", "60/min") or None,
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rathaus Mobil API",
    "DESCRIPTION": (
        "Mobiles Arbeiten und Homeoffice in der Stadtverwaltung. "
        "Authentifizierung: `Authorization: Token <token>` "
        "(erzeugt mit `python manage.py create_api_token BENUTZERNAME`; ein Token gilt "
        f"{API_TOKEN_MAX_AGE_DAYS} Tage, danach gibt derselbe Befehl ein neues). "
        "Zu viele Anfragen in kurzer Zeit beantwortet das API mit 429 und `Retry-After`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and /api/docs/ are for signed-in users and API clients only (a token or
    # a session): they show the shape of personal data. docs/security.md
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation's common error answers (401, 403, 404, 400 for filters, 429) are in
    # the schema too (core/api_schema.py; checked by schemathesis, docs/api.md).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rathausmobil.core.api_schema.document_common_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "WorkKindEnum": "rathausmobil.agreements.models.WorkKind",
        "RequestStatusEnum": "rathausmobil.agreements.models.RequestStatus",
        "OfferStatusEnum": "rathausmobil.agreements.models.OfferStatus",
        "AgreementStatusEnum": "rathausmobil.agreements.models.AgreementStatus",
        "AccessKindEnum": "rathausmobil.access.models.AccessKind",
        "DeviceKindEnum": "rathausmobil.equipment.models.DeviceKind",
        "UnitKindEnum": "rathausmobil.organisation.models.UnitKind",
        "CellKindEnum": "rathausmobil.presence.models.CellKind",
        "WishKindEnum": "rathausmobil.presence.models.WishKind",
    },
}

# Provisioning of access (docs/provisioning.md). Empty LDAP_URL: no directory adapter.
LDAP_URL = os.environ.get("LDAP_URL", "")
LDAP_BIND_DN = os.environ.get("LDAP_BIND_DN", "")
LDAP_BIND_PASSWORD = os.environ.get("LDAP_BIND_PASSWORD", "")
LDAP_USER_BASE = os.environ.get("LDAP_USER_BASE", "")
LDAP_USER_FILTER = os.environ.get("LDAP_USER_FILTER", "(mail={email})")
LDAP_VPN_GROUP_DN = os.environ.get("LDAP_VPN_GROUP_DN", "")
LDAP_TERMINAL_SERVER_GROUP_DN = os.environ.get("LDAP_TERMINAL_SERVER_GROUP_DN", "")
# groupOfNames must keep one member: this DN stands in when the last person leaves.
LDAP_GROUP_PLACEHOLDER_DN = os.environ.get("LDAP_GROUP_PLACEHOLDER_DN", "")
LDAP_CA_FILE = os.environ.get("LDAP_CA_FILE", "")
WIREGUARD_ENABLED = env_bool("WIREGUARD_ENABLED", False)
WIREGUARD_POOL = os.environ.get("WIREGUARD_POOL", "10.66.0.0/16")
WIREGUARD_ENDPOINT = os.environ.get("WIREGUARD_ENDPOINT", "vpn.stadt.example:51820")
WIREGUARD_SERVER_PUBLIC_KEY = os.environ.get("WIREGUARD_SERVER_PUBLIC_KEY", "")
WIREGUARD_DNS = os.environ.get("WIREGUARD_DNS", "")
WIREGUARD_ALLOWED_IPS = os.environ.get("WIREGUARD_ALLOWED_IPS", "10.0.0.0/8")
# Where the server's peer list is written (for `wg syncconf`); empty: not written.
WIREGUARD_PEERS_FILE = os.environ.get("WIREGUARD_PEERS_FILE", "")

# ------------------------------------------------------------- login through the directory
# Staff sign in with their directory account (Active Directory or OpenLDAP) through
# django-auth-ldap; local accounts keep working after it. docs/security.md "Login through
# the directory". Empty AUTH_LDAP_SERVER_URI: the backend is listed but does nothing (local
# accounts only). organisation/directory.py builds django-auth-ldap's objects from these
# plain values when someone signs in.
AUTH_LDAP_SERVER_URI = os.environ.get("AUTH_LDAP_SERVER_URI", "").strip()
# The service account that looks people and groups up (read only).
AUTH_LDAP_BIND_DN = os.environ.get("AUTH_LDAP_BIND_DN", "")
AUTH_LDAP_BIND_PASSWORD = os.environ.get("AUTH_LDAP_BIND_PASSWORD", "")
AUTH_LDAP_START_TLS = env_bool("AUTH_LDAP_START_TLS", False)
# PEM file of the CA that signed the directory's certificate, if not in the system store.
AUTH_LDAP_CA_FILE = os.environ.get("AUTH_LDAP_CA_FILE", "")
# Where people are found and how; %(user)s is the user name as typed, escaped.
AUTH_LDAP_USER_BASE = os.environ.get("AUTH_LDAP_USER_BASE", "")
AUTH_LDAP_USER_FILTER = os.environ.get("AUTH_LDAP_USER_FILTER") or "(uid=%(user)s)"
# Added to the user filter: only active accounts are found, so a disabled one cannot sign
# in even where the directory would accept its password. AD: not userAccountControl bit 2;
# OpenLDAP: no pwdAccountLockedTime (ppolicy). Empty: no extra condition.
AUTH_LDAP_USER_ACTIVE_FILTER = os.environ.get("AUTH_LDAP_USER_ACTIVE_FILTER", "")
# Where groups are found, and their kind ("active_directory": nested AD groups;
# "openldap": groupOfNames, nested).
AUTH_LDAP_GROUP_BASE = os.environ.get("AUTH_LDAP_GROUP_BASE", "")
AUTH_LDAP_GROUP_TYPE = os.environ.get("AUTH_LDAP_GROUP_TYPE") or "openldap"
# Which directory groups give which roles: "role=group DN;role=group DN;..." (roles hr, it,
# staff_council, dpo, leadership; a role may be named more than once). The directory decides
# these roles at each login; roles not named here stay with the page "Rollen und Leitungen".
AUTH_LDAP_ROLE_GROUPS = os.environ.get("AUTH_LDAP_ROLE_GROUPS", "")
# The directory attribute that links an account to its employee record, and the record's
# field it is compared with ("email" or "personnel_number").
AUTH_LDAP_EMPLOYEE_ATTRIBUTE = os.environ.get("AUTH_LDAP_EMPLOYEE_ATTRIBUTE") or "mail"
AUTH_LDAP_EMPLOYEE_FIELD = os.environ.get("AUTH_LDAP_EMPLOYEE_FIELD") or "email"
# After axes (which must stay first: it refuses a locked login before any password is
# checked), before the local accounts.
AUTHENTICATION_BACKENDS.insert(1, "rathausmobil.organisation.directory.DirectoryBackend")

# Logs go to stderr (systemd's journal collects it; stdout stays free for what commands
# print, e.g. `kpis --json`): one JSON object a line in
# production (LOG_FORMAT=json, the default with DEBUG=0), readable text in development;
# each line with the request id and the user's id (core/logs.py, docs/deployment.md).
LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ValueError("LOG_FORMAT: json oder text.")
# Take the request id from the proxy's X-Request-ID header (when well-formed); 0: always
# make our own, e.g. when clients reach the application without the proxy.
LOG_TRUST_REQUEST_ID = env_bool("LOG_TRUST_REQUEST_ID", True)
# ------------------------------------------------------- single sign-on (OpenID Connect)
# Staff sign in once at the city's provider (Keycloak, ADFS, …) through mozilla-django-oidc:
# authorization code flow with PKCE, ID tokens signed RS256 checked against the provider's
# JWKS, logout at the provider too. docs/security.md "Single sign-on (OpenID Connect)".
# Empty OIDC_RP_CLIENT_ID: off, nothing changes (no button, /oidc/ not found).
# organisation/oidc.py does the rest.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "").strip()
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
# The provider's endpoints, as its /.well-known/openid-configuration names them.
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
# end_session_endpoint; empty: logging out ends only the session here.
OIDC_OP_LOGOUT_ENDPOINT = os.environ.get("OIDC_OP_LOGOUT_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = "RS256"
# ADFS adds "allatclaims" (the claims of its rules into the ID token); docs/security.md
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES") or "openid email profile"
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the logout at the provider
OIDC_OP_LOGOUT_URL_METHOD = "rathausmobil.organisation.oidc.provider_logout_url"
OIDC_TIMEOUT = 10  # seconds: a provider that does not answer must not hang the callback
OIDC_VERIFY_SSL = True
# The claim that names the account (lower case); the same name as the directory login's.
OIDC_USERNAME_CLAIM = os.environ.get("OIDC_USERNAME_CLAIM") or "preferred_username"
# The claim that lists the person's groups, and which of its values give which roles:
# "role=value;role=value" (roles hr, it, staff_council, dpo, leadership), decided by the
# provider at each login like AUTH_LDAP_ROLE_GROUPS.
OIDC_ROLES_CLAIM = os.environ.get("OIDC_ROLES_CLAIM") or "groups"
OIDC_ROLE_VALUES = os.environ.get("OIDC_ROLE_VALUES", "")
AUTHENTICATION_BACKENDS.insert(
    AUTHENTICATION_BACKENDS.index("django.contrib.auth.backends.ModelBackend"),
    "rathausmobil.organisation.oidc.OidcBackend",
)
if OIDC_RP_CLIENT_ID and OIDC_OP_LOGOUT_ENDPOINT:
    # The logout form's answer redirects to the provider; Chromium checks form-action on
    # that redirect, so the provider's origin is allowed as a target of our forms.
    from urllib.parse import urlsplit

    _logout = urlsplit(OIDC_OP_LOGOUT_ENDPOINT)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(
        f"{_logout.scheme}://{_logout.netloc}"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "rathausmobil.core.logs.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "rathausmobil.core.logs.JsonFormatter"},
        "text": {"()": "rathausmobil.core.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint (PDF reports) logs every step of a render at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # django-axes: the lockouts (WARNING), not every failed login with its address.
        "axes": {"level": "WARNING"},
        # every failed check with its traceback, on every poll of the load balancer: the
        # health page and monitoring show the states; unexpected errors still log
        "health_check": {"level": "ERROR"},
    },
}

# VPN usage from the gateways' logs (docs/vpn-usage.md).
USAGE_TZ = os.environ.get("USAGE_TZ", "Europe/Berlin")
# Working hours for concurrent_avg_workhours: local clock, whole hours, weekdays Monday = 0.
USAGE_WORK_START_HOUR = int(os.environ.get("USAGE_WORK_START_HOUR", "7"))
USAGE_WORK_END_HOUR = int(os.environ.get("USAGE_WORK_END_HOUR", "18"))
USAGE_WORKDAYS = tuple(int(d) for d in os.environ.get("USAGE_WORKDAYS", "0,1,2,3,4").split(","))
USAGE_RAW_RETENTION_DAYS = int(os.environ.get("USAGE_RAW_RETENTION_DAYS", "90"))
USAGE_STORE_CLIENT_IP = env_bool("USAGE_STORE_CLIENT_IP", False)

# The rule of 5 (core/figures.py): figures about people's conduct that rest on fewer people
# are shown as "< 5", in every figure the application makes (dashboard, kpis, VPN pages).
MIN_GROUP_SIZE = int(os.environ.get("MIN_GROUP_SIZE", "5"))

# The presence plan (docs/workflows/presence.md): in pandemic mode a room holds one person
# per this many square metres of floor area (never more than its desks), unless the room
# has a fixed pandemic limit.
PRESENCE_M2_PER_PERSON = Decimal(os.environ.get("PRESENCE_M2_PER_PERSON", "10"))


# Background work (planning) through Django's tasks API, backported (django-tasks). The
# database backend needs no extra service: `manage.py db_worker` runs the tasks (`make
# demo` starts one beside the web server). A larger installation may switch the backend.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# The daily jobs (core/jobs.py) are run by the background worker by itself, once a day
# after this local time (TIME_ZONE); a short task, the tick, checks every
# JOBS_TICK_SECONDS and is the worker's heartbeat (core/scheduler.py, docs/deployment.md).
JOBS_DAILY_AT = os.environ.get("JOBS_DAILY_AT", "02:30")
JOBS_TICK_SECONDS = int(os.environ.get("JOBS_TICK_SECONDS", "300"))
# The health check (/health/) warns when the worker's last heartbeat or the daily jobs'
# last success is older than this.
HEALTH_WORKER_MAX_MINUTES = int(os.environ.get("HEALTH_WORKER_MAX_MINUTES", "15"))
HEALTH_JOBS_MAX_HOURS = int(os.environ.get("HEALTH_JOBS_MAX_HOURS", "26"))
