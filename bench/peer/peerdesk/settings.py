"""Settings of the django-helpdesk peer: a production-shaped install, configured like Kefu where both have a choice.

Environment:
    PEER_DATABASE_URL   postgres://user@host:port/name (databases named peer_* on the shared server)
    PEER_SQLITE         the SQLite file when PEER_DATABASE_URL is unset (default bench/peer/var/helpdesk.sqlite3)

As Kefu: DEBUG off, Simplified Chinese and Beijing time, database sessions, the same SQLite options (WAL,
synchronous=NORMAL, IMMEDIATE transactions) and PostgreSQL's JIT off, DRF with session and token
authentication. helpdesk's own choices are its defaults (staff see every queue; e-mail on ticket events),
except teams mode, which needs the optional pinax-teams; mail goes to Django's dummy backend (rendered, not
sent), as there is no SMTP server in the benchmark.
"""

import os
import urllib.parse
from pathlib import Path
from typing import Any

PEER_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = PEER_DIR / "var"

SECRET_KEY = os.environ.get("PEER_SECRET_KEY", "bench-only-peer-key-not-secret-4f9a2c7e1b8d6035a9e4c2f7b1d8e603")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",  # helpdesk: the domain in e-mails
    "django.contrib.humanize",  # helpdesk: elapsed times
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "peerdesk.urls"
WSGI_APPLICATION = "peerdesk.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = os.environ.get("PEER_DATABASE_URL", "")
    if url:
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("postgres", "postgresql"):
            raise ValueError(f"PEER_DATABASE_URL: only postgres:// URLs, not {url!r}")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": urllib.parse.unquote(u.path.lstrip("/")),
            "USER": urllib.parse.unquote(u.username or ""),
            "PASSWORD": urllib.parse.unquote(u.password or ""),
            "HOST": u.hostname or "",
            "PORT": str(u.port or ""),
            "CONN_MAX_AGE": 60,
            "OPTIONS": {"options": "-c jit=off"},
        }
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("PEER_SQLITE", str(VAR_DIR / "helpdesk.sqlite3")),
        "CONN_MAX_AGE": 0,
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SITE_ID = 1

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"

LOGIN_URL = "helpdesk:login"
LOGIN_REDIRECT_URL = "helpdesk:dashboard"

EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "客服中心 <helpdesk@peer.localhost>"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
}

# django-helpdesk (helpdesk/settings.py of 2.6.1 lists them all)
HELPDESK_API_ENABLED = True  # /api/tickets/ (named HELPDESK_ACTIVATE_API_ENDPOINT in older docs)
HELPDESK_TEAMS_MODE_ENABLED = False  # teams need the optional pinax-teams
HELPDESK_REDIRECT_TO_LOGIN_BY_DEFAULT = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
