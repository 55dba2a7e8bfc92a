"""Gunicorn settings for Kefu in production: `gunicorn -c deploy/gunicorn.conf.py kefu.wsgi:application`.

Every value can be set by an environment variable (the same file serves deploy/run-cluster.sh, the systemd unit
deploy/systemd/kefu-web.service and a container); command-line flags given after `-c` override this file.
docs/deploy.md explains the choices.

    KEFU_BIND                  address to listen on (default 127.0.0.1:8000; "unix:/run/kefu/web.sock" works too)
    KEFU_WEB_WORKERS           worker processes (default 2 x CPU cores, at most 8)
    KEFU_WEB_THREADS           threads per worker (default 1: sync workers; >1 uses the gthread worker)
    KEFU_WEB_TIMEOUT           seconds before a stuck request's worker is killed and replaced (default 300:
                               an xlsx import of 20,000 rows runs inside its request)
    KEFU_WEB_GRACEFUL_TIMEOUT  seconds a worker gets to finish its requests on restart or stop (default 30)
    KEFU_WEB_KEEPALIVE         seconds to keep an idle keep-alive connection from the proxy (default 5)
    KEFU_WEB_MAX_REQUESTS      a worker is replaced after this many requests (default 5000; 0: never), with a
    KEFU_WEB_MAX_REQUESTS_JITTER  random extra of up to this many, so workers do not restart together (default 500)
    KEFU_WEB_PRELOAD           "1" (default): import Kefu once in the master and fork the workers from it
    KEFU_WEB_GC_FREEZE         "1": gc.freeze() in the master before forking (with preload; default "0")
    KEFU_WEB_ACCESS_LOG        access log file, "-" for stdout (default), "" for none
    KEFU_WEB_ERROR_LOG         error log file, "-" for stderr (default)
    KEFU_WEB_LOG_LEVEL         gunicorn's own log level (default info)
    KEFU_FORWARDED_ALLOW_IPS   proxies trusted to set X-Forwarded-* (default 127.0.0.1,::1; the nginx host(s))
    KEFU_WEB_CONTROL_SOCKET    path of gunicorn's control socket (default: none, so several instances on one
                               machine never share one)
    KEFU_WEB_PROC_NAME         process title prefix (default kefu-web)
"""

from __future__ import annotations

import os
from typing import Any


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def _bool(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


# --- sockets and workers -------------------------------------------------------------------------------------
bind = [os.environ.get("KEFU_BIND", "127.0.0.1:8000")]
backlog = 2048
workers = _int("KEFU_WEB_WORKERS", min(2 * (os.cpu_count() or 1), 8))
threads = _int("KEFU_WEB_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
# Sync workers behind a buffering proxy (nginx): slow clients never tie up a worker.
timeout = _int("KEFU_WEB_TIMEOUT", 300)
graceful_timeout = _int("KEFU_WEB_GRACEFUL_TIMEOUT", 30)
keepalive = _int("KEFU_WEB_KEEPALIVE", 5)
# Replace each worker now and then: whatever a long-lived process accumulates (fragmented heap, caches) goes.
max_requests = _int("KEFU_WEB_MAX_REQUESTS", 5000)
max_requests_jitter = _int("KEFU_WEB_MAX_REQUESTS_JITTER", 500)
# The heartbeat file on tmpfs: a worker never blocks on a slow disk to say it is alive.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
limit_request_line = 8190
forwarded_allow_ips = os.environ.get("KEFU_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = os.environ.get("KEFU_WEB_PROC_NAME", "kefu-web")
if _control := os.environ.get("KEFU_WEB_CONTROL_SOCKET"):
    control_socket = _control
else:
    control_socket_disable = True

# --- logs: one line per request, with the time it took ---------------------------------------------------------
accesslog = os.environ.get("KEFU_WEB_ACCESS_LOG", "-") or None
errorlog = os.environ.get("KEFU_WEB_ERROR_LOG", "-")
loglevel = os.environ.get("KEFU_WEB_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# --- memory: import once, share the pages --------------------------------------------------------------------
# With preload the master imports Django, every app and jieba's dictionary (kefu/wsgi.py warms it up) once; the
# workers are forked from it and share those pages until they write to them. A code change needs a restart of
# the master (systemctl restart, or deploy/run-cluster.sh again), not just HUP.
preload_app = _bool("KEFU_WEB_PRELOAD", True)
GC_FREEZE = _bool("KEFU_WEB_GC_FREEZE", False)


def when_ready(server: Any) -> None:
    """The master has imported the app (with preload) and listens."""
    if preload_app and GC_FREEZE:
        import gc

        # Objects made while importing are moved out of the collector's generations: a collection in a worker
        # does not touch (and so copy) the master's pages.
        gc.freeze()


def pre_fork(server: Any, worker: Any) -> None:
    """In the master, before each worker is forked: no database connection may be inherited (two processes on
    one socket); each worker opens its own on its first request."""
    if preload_app:
        from django.db import connections

        connections.close_all()


def post_fork(server: Any, worker: Any) -> None:
    """In each new worker, before it serves (the place for per-worker set-up)."""


def post_worker_init(worker: Any) -> None:
    """In each worker, after the app is loaded (the place for per-worker warm-ups)."""
