"""Kefu settings: one module, driven by the environment, safe defaults for the embedded mode.

Environment variables:
    KEFU_DEBUG          "1" for development (default "0")
    KEFU_SECRET_KEY     secret key; the embedded mode generates one into var/secret_key
    KEFU_ALLOWED_HOSTS  comma separated (default "127.0.0.1,localhost")
    DATABASE_URL        e.g. postgres://user@127.0.0.1:5432/kefu; default SQLite at var/kefu.sqlite3
    KEFU_VAR_DIR        where the SQLite file, uploads and the secret key live (default ./var)
    DATABASE_REPLICA_URL  optional read replica of DATABASE_URL (PostgreSQL streaming replica): adds
                        DATABASES["replica"] and kefu.core.db_router.ReplicaRouter; report pages, the dashboard
                        and scheduled reports read from it (docs/deploy.md). Unset: every read goes to DATABASE_URL
    DATABASE_CONN_MAX_AGE  seconds a database connection is kept for the next request (default 60; 0 closes it
                        after each request); the same for SQLite
    DATABASE_CONN_HEALTH_CHECKS  "1": check a kept PostgreSQL connection before its first query in a request
                        (one SELECT 1), so a restarted database or pooler costs no failed request (default "0")
    REDIS_URL           e.g. redis://127.0.0.1:6379/0: Django's Redis cache as the default cache, shared by every
                        process (throttles count across web processes); unset: a local-memory cache per process
    KEFU_PRODUCTION     "1" turns on secure cookies, HSTS, SSL redirect (behind a proxy that sets
                        X-Forwarded-Proto) and hashed static files from collectstatic
    KEFU_SSL_REDIRECT   with KEFU_PRODUCTION: "0" leaves the http -> https redirect to the proxy (default "1")
    KEFU_LOGIN_FAILURES_PER_USER, KEFU_LOGIN_FAILURES_PER_IP, KEFU_LOGIN_WINDOW_SECONDS, KEFU_LOGIN_LOCK_SECONDS
                        staff login lockout: failed logins per username (default 5) or per client address (20)
                        within the window (900 s) lock further tries for the lock time (900 s) (docs/security.md)
    KEFU_FORWARDED_ALLOW_IPS  the reverse proxies trusted for X-Real-IP / X-Forwarded-For (default "127.0.0.1,::1")
    KEFU_LOG_LEVEL      root log level (default WARNING); logs go to stdout, one line per record
    EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_USE_SSL, EMAIL_TIMEOUT,
    DEFAULT_FROM_EMAIL, EMAIL_BACKEND
                        build MAILERS["default"], Django's default mailer
    KEFU_BASE_URL       links in e-mails and messages (default http://127.0.0.1:8000)
    KEFU_SMS_GATEWAY_URL, KEFU_SMS_GATEWAY_TOKEN, KEFU_SMS_SIGN, KEFU_WECHAT_GATEWAY_URL,
    KEFU_WECHAT_GATEWAY_TOKEN, KEFU_WECHAT_TEMPLATE_ID
                        the SMS and WeChat gateways (docs/notifications.md); unset = channel off
                        outgoing mail over SMTP (default 127.0.0.1:1025, a local development mail server)
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KEFU_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    if key := os.environ.get("KEFU_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = _env_bool("KEFU_DEBUG")
PRODUCTION = _env_bool("KEFU_PRODUCTION")
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h for h in os.environ.get("KEFU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks_db",
    "auditlog",
    "kefu.core",
    "kefu.org",
    "kefu.customers",
    "kefu.tickets",
    "kefu.notify",
    "kefu.visits",
    "kefu.surveys",
    "kefu.quality",
    "kefu.reports",
    "kefu.portal",
    "kefu.notices",
    "kefu.kb",
    "kefu.catalog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "kefu.core.middleware.CurrentProjectMiddleware",
]

ROOT_URLCONF = "kefu.urls"
WSGI_APPLICATION = "kefu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kefu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "kefu.core.context_processors.kefu",
            ],
        },
    }
]

_default_sqlite = f"sqlite:///{VAR_DIR / 'kefu.sqlite3'}"
_conn_max_age = int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
_conn_health_checks = _env_bool("DATABASE_CONN_HEALTH_CHECKS")
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_sqlite),
        conn_max_age=_conn_max_age,
        conn_health_checks=_conn_health_checks,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Kept between requests like PostgreSQL's: opening a SQLite connection re-reads the whole schema (over 100
    # tables and 300 indexes), which cost a case intake more CPU than the intake itself (docs/performance.md).
    DATABASES["default"]["CONN_MAX_AGE"] = _conn_max_age
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server and the worker read while one writes; IMMEDIATE avoids
        # "database is locked" upgrades inside transactions.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs more than it saves on the reports' short aggregate queries (docs/performance.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# A read replica for the reports (kefu/core/db_router.py). The test runner treats it as a mirror of "default".
if _replica_url := os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        _replica_url, conn_max_age=_conn_max_age, conn_health_checks=_conn_health_checks
    )
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["kefu.core.db_router.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    # argon2id, 19 MiB, t=2, p=1 (OWASP); verifies Django's default argon2 hashes too and upgrades them at login
    "kefu.core.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "kefu" / "static"]
_echarts = BASE_DIR / "node_modules" / "echarts" / "dist"
if _echarts.exists():
    STATICFILES_DIRS.append(("vendor/echarts", _echarts))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production runs collectstatic into STATIC_ROOT (hashed, compressed); the embedded mode serves
    # straight from the app and node_modules folders through WhiteNoise's finders.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# One cache shared by every process when REDIS_URL is set (several web processes, several machines); otherwise
# Django's default, a local-memory cache in each process.
if _redis_url := os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
            "KEY_PREFIX": "kefu",
        }
    }

# Outgoing e-mail (scheduled reports, e-mail notifications) over SMTP through Django's default mailer. The
# defaults suit a local run: a development mail server on 127.0.0.1:1025 (`.venv/bin/python -m aiosmtpd -n -l
# 127.0.0.1:1025` prints what arrives); production sets EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER/PASSWORD and
# EMAIL_USE_TLS or EMAIL_USE_SSL. EMAIL_BACKEND may name another backend (e.g. the console backend).
_MAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
_SMTP_OPTIONS = {
    "host": os.environ.get("EMAIL_HOST", "127.0.0.1"),
    "port": int(os.environ.get("EMAIL_PORT", "1025")),
    "username": os.environ.get("EMAIL_HOST_USER", ""),
    "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
    "use_tls": _env_bool("EMAIL_USE_TLS"),
    "use_ssl": _env_bool("EMAIL_USE_SSL"),
    "timeout": int(os.environ.get("EMAIL_TIMEOUT", "20")),
}
MAILERS = {
    "default": {
        "BACKEND": _MAIL_BACKEND,
        "OPTIONS": _SMTP_OPTIONS if _MAIL_BACKEND.endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "客服中心 <noreply@kefu.localhost>")
# Links in e-mails, SMS and WeChat messages.
KEFU_BASE_URL = os.environ.get("KEFU_BASE_URL", "http://127.0.0.1:8000")
# SMS and WeChat template messages go through HTTP gateways (docs/notifications.md); empty URL = channel off.
KEFU_SMS_GATEWAY_URL = os.environ.get("KEFU_SMS_GATEWAY_URL", "")
KEFU_SMS_GATEWAY_TOKEN = os.environ.get("KEFU_SMS_GATEWAY_TOKEN", "")
KEFU_SMS_SIGN = os.environ.get("KEFU_SMS_SIGN", "客服中心")
KEFU_WECHAT_GATEWAY_URL = os.environ.get("KEFU_WECHAT_GATEWAY_URL", "")
KEFU_WECHAT_GATEWAY_TOKEN = os.environ.get("KEFU_WECHAT_GATEWAY_TOKEN", "")
KEFU_WECHAT_TEMPLATE_ID = os.environ.get("KEFU_WECHAT_TEMPLATE_ID", "")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "kefu.core.api.DefaultPagination",
    "PAGE_SIZE": 25,
    "EXCEPTION_HANDLER": "kefu.core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": "10/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kefu API",
    "DESCRIPTION": "客服中心系统 REST API (v1)",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProjectKindEnum": "kefu.org.models.Project.Kind",
        "UnitKindEnum": "kefu.customers.models.Unit.Kind",
        "CustomerKindEnum": "kefu.customers.models.Customer.Kind",
        "ContactKindEnum": "kefu.customers.models.Contact.Kind",
        "AssetRecordKindEnum": "kefu.customers.models.AssetRecord.Kind",
        "CreditGradeEnum": "kefu.customers.models.CreditGrade",
        "CaseKindEnum": "kefu.tickets.states.Kind",
        "CaseStatusEnum": "kefu.tickets.states.Status",
        "NotificationKindEnum": "kefu.notify.models.Notification.Kind",
    },
    # Every operation documents its errors ({code, message, fields}: 400, 403, 404) (docs/api-fuzzing.md)
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kefu.core.openapi.document_errors",
    ],
}


# Uploads (xlsx imports, later photos) are bounded.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
KEFU_IMPORT_MAX_BYTES = 10 * 1024 * 1024
KEFU_IMPORT_MAX_ROWS = 20000

# Web security (docs/security.md). Every page, the portal and the API carry these headers.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page (hx-headers), not from the cookie
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content Security Policy: only our own scripts and styles (served from /static/, ECharts and htmx included);
# an inline <script> or <style> needs nonce="{{ csp_nonce }}"; no inline event handlers (onclick=...), no
# style="" attributes, no eval. /api/docs/ (Swagger UI) relaxes style-src for its own inline styles (kefu/urls.py).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# The reverse proxies whose X-Real-IP / X-Forwarded-For name the client (kefu.core.shortcuts.client_ip: login lock,
# reveal log, portal throttles); the same variable tells gunicorn whom to trust (deploy/gunicorn.conf.py).
KEFU_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("KEFU_FORWARDED_ALLOW_IPS", "127.0.0.1,::1").split(",") if p.strip()
]
# Failed staff logins (kefu/core/login_guard.py): this many for one username, or LOGIN_FAILURES_PER_IP from one
# client address, within LOGIN_WINDOW_SECONDS lock further attempts for LOGIN_LOCK_SECONDS.
KEFU_LOGIN_FAILURES_PER_USER = int(os.environ.get("KEFU_LOGIN_FAILURES_PER_USER", "5"))
KEFU_LOGIN_FAILURES_PER_IP = int(os.environ.get("KEFU_LOGIN_FAILURES_PER_IP", "20"))
KEFU_LOGIN_WINDOW_SECONDS = int(os.environ.get("KEFU_LOGIN_WINDOW_SECONDS", "900"))
KEFU_LOGIN_LOCK_SECONDS = int(os.environ.get("KEFU_LOGIN_LOCK_SECONDS", "900"))
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("KEFU_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # A load balancer's health checks reach the web processes over plain http: answer them, do not redirect.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Logs go to stdout (systemd's journal, docker logs), one line per record with the process id, so the lines of
# several web and worker processes can be told apart.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KEFU_LOG_LEVEL", "WARNING")},
}

KEFU_APP_LABEL = _("客服中心")
