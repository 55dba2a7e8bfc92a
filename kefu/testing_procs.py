"""Helpers for the concurrency and crash-safety tests (kefu/core/tests/test_concurrency.py, test_crash_safety.py):
real processes on the test database, started together, killed with SIGKILL, restarted.

- `in_processes()` forks N processes that each run a function after a shared barrier, every one with its own
  database connection, and returns what each returned (or the traceback it raised).
- `child_env()` and `Service` run `manage.py` commands (db_worker, run_scheduler) and gunicorn as separate
  programs pointed at the test database; `Service.kill()` is a SIGKILL, `Service.kill_workers()` kills
  gunicorn's worker processes (its master starts new ones).
- `gated_smtp_server()` is a real SMTP server (aiosmtpd) whose answer to DATA can be held back: a sender blocks
  after the server has the whole message and before it hears "250", the window a crash can fall into.

Nothing here mocks Kefu: the processes run the real services, commands and web server.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections

from kefu.testing_servers import free_port

MANAGE = Path(settings.BASE_DIR) / "manage.py"


# Ports -----------------------------------------------------------------------------------------------------------


_next_port = [0]


def port() -> int:
    """A port for a server started by a test: from KEFU_TEST_PORT_BASE upwards when set (a machine shared with
    others hands out fixed ranges), else a free one."""
    base = os.environ.get("KEFU_TEST_PORT_BASE", "")
    if not base:
        return free_port()
    for _ in range(10):
        candidate = int(base) + _next_port[0] % 10
        _next_port[0] += 1
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return candidate
    raise RuntimeError(f"no free port in {base}..{int(base) + 9}")


def wait_until(predicate: Callable[[], Any], *, timeout: float, what: str, every: float = 0.02) -> Any:
    """Poll until predicate() is truthy (returns its value); an AssertionError naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(every)


# Forked processes on the test database ---------------------------------------------------------------------------


@dataclass
class Outcome:
    index: int
    value: Any = None
    error: str = ""  # the traceback, if the function raised


def _child(fn: Callable[..., Any], index: int, barrier: Any, queue: Any, args: tuple[Any, ...]) -> None:
    try:
        value = fn(index, barrier, *args)
        queue.put(Outcome(index, value=value))
    except BaseException:
        queue.put(Outcome(index, error=traceback.format_exc()))
    finally:
        connections.close_all()


def in_processes(fn: Callable[..., Any], n: int, *args: Any, timeout: float = 120) -> list[Outcome]:
    """Fork n processes running fn(index, barrier, *args); each opens its own database connection (to the test
    database: the parent's settings are inherited) and should call barrier.wait() before the moment that has to
    coincide. Returns the outcomes in index order. The parent's connections are closed first so that no child
    shares a socket with it (the parent reconnects on its next query). The segmentation dictionary is loaded
    first, as web processes do at start: otherwise each child would load it inside its first intake."""
    from kefu.tickets.search import warm_up

    warm_up()
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(n)
    queue = ctx.Queue()
    procs = [ctx.Process(target=_child, args=(fn, i, barrier, queue, args), daemon=True) for i in range(n)]
    for p in procs:
        p.start()
    outcomes: list[Outcome] = []
    deadline = time.monotonic() + timeout
    try:
        while len(outcomes) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"only {len(outcomes)} of {n} processes answered within {timeout:g}s")
            with contextlib.suppress(Exception):
                outcomes.append(queue.get(timeout=min(left, 1.0)))
    finally:
        for p in procs:
            p.join(5)
            if p.is_alive():
                p.kill()
                p.join(5)
    return sorted(outcomes, key=lambda o: o.index)


# Separate programs (manage.py commands, gunicorn) ------------------------------------------------------------------


def database_url() -> str:
    """The URL of the database this test uses (the test database, once pytest-django has created it)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child program: the test database, unbuffered output, no kept connections."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="kefu.settings", PYTHONUNBUFFERED="1")
    env["DATABASE_URL"] = database_url()
    env["DATABASE_CONN_MAX_AGE"] = "0"
    env.pop("DATABASE_REPLICA_URL", None)
    env.update(extra)
    return env


class Service:
    """A program run in the background with its output in a log file; killed with SIGKILL or stopped."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.log = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> Service:
        out = self.log.open("ab")
        self.proc = subprocess.Popen(  # noqa: S603
            self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR
        )
        out.close()
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no handler runs, no transaction commits, nothing is flushed."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self.kills += 1

    def children(self) -> list[int]:
        """The process ids of this program's direct children (gunicorn's workers)."""
        pids: list[int] = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, ...
                if int(fields[1]) == self.pid:
                    pids.append(int(stat.parent.name))
        return pids

    def kill_workers(self) -> int:
        """SIGKILL every worker of a gunicorn master (the master notices and starts new ones)."""
        killed = 0
        for pid in self.children():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
        self.kills += killed
        return killed

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM, then SIGKILL if it has not stopped within `timeout`."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(30)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def manage(name: str, *args: str, env: dict[str, str], log_dir: Path) -> Service:
    return Service(name, [sys.executable, str(MANAGE), *args], env, log_dir)


def gunicorn(
    name: str, bind_port: int, *, env: dict[str, str], log_dir: Path, workers: int = 2, threads: int = 1
) -> Service:
    """Kefu's web application under gunicorn with the production settings (deploy/gunicorn.conf.py: preloaded,
    so a killed worker is replaced by a fork of the master in a moment)."""
    env = {
        **env,
        "KEFU_BIND": f"127.0.0.1:{bind_port}",
        "KEFU_WEB_WORKERS": str(workers),
        "KEFU_WEB_THREADS": str(threads),
        "KEFU_WEB_TIMEOUT": "120",
        "KEFU_WEB_GRACEFUL_TIMEOUT": "5",
        "KEFU_WEB_MAX_REQUESTS": "0",
        "KEFU_WEB_PROC_NAME": f"kefu-test-{name}",
    }
    env.pop("KEFU_WEB_CONTROL_SOCKET", None)
    conf = Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"
    return Service(name, [sys.executable, "-m", "gunicorn", "-c", str(conf), "kefu.wsgi:application"], env, log_dir)


def wait_for_port(bind_port: int, *, timeout: float = 60) -> None:
    def listening() -> bool:
        with socket.socket() as s:
            s.settimeout(0.5)
            return s.connect_ex(("127.0.0.1", bind_port)) == 0

    wait_until(listening, timeout=timeout, what=f"a server on port {bind_port}", every=0.1)


# A real SMTP server that can hold back its answer to DATA -----------------------------------------------------------


@dataclass
class GatedCollector:
    """Keeps every message it receives (by Message-ID). While the gate is closed a sender that has sent the whole
    message waits for the "250" answer: the message is already here, the sender does not know it yet."""

    received: list[email.message.EmailMessage] = field(default_factory=list)
    gate: threading.Event = field(default_factory=threading.Event)
    delay: float = 0.0
    waiting: int = 0
    holding: set[str] = field(default_factory=set)  # Message-IDs whose senders are waiting for the answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.gate.set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        message_id = str(msg["Message-ID"])
        with self.lock:
            self.received.append(msg)  # type: ignore[arg-type]
            self.waiting += 1
            self.holding.add(message_id)
        try:
            while not self.gate.is_set():
                await asyncio.sleep(0.01)
            if self.delay:
                await asyncio.sleep(self.delay)
        finally:
            with self.lock:
                self.waiting -= 1
                self.holding.discard(message_id)
        return "250 Message accepted for delivery"

    def ids(self) -> Counter[str]:
        with self.lock:
            return Counter(str(m["Message-ID"]) for m in self.received)

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def held(self) -> int:
        with self.lock:
            return self.waiting

    def held_ids(self) -> set[str]:
        with self.lock:
            return set(self.holding)


@dataclass
class GatedSmtp:
    host: str
    port: int
    collector: GatedCollector

    def env(self) -> dict[str, str]:
        """Environment for a child program sending through this server (kefu/settings.py reads EMAIL_*)."""
        return {"EMAIL_HOST": self.host, "EMAIL_PORT": str(self.port), "EMAIL_TIMEOUT": "60"}


@contextmanager
def gated_smtp_server() -> Iterator[GatedSmtp]:
    from aiosmtpd.controller import Controller

    collector = GatedCollector()
    smtp_port = port()
    controller = Controller(collector, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        yield GatedSmtp("127.0.0.1", smtp_port, collector)
    finally:
        collector.gate.set()
        with contextlib.suppress(AssertionError, RuntimeError):
            controller.stop()
