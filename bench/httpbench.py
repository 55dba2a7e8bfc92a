"""Measure a web application over HTTP: a gunicorn server, timed GETs, wrk POST load, process memory.

Standard library only and no Kefu imports, so that another project's virtual environment can use it too
(``sys.path.insert(0, "/work/main/bench"); import httpbench``). Linux only (it reads ``/proc``); the load
generator is ``wrk`` (``/usr/bin/wrk``).

API
---

``Gunicorn(*, python, wsgi_app, port, cwd=None, env=None, workers=2, extra_args=(), health_path="/",
log_path=None, host="127.0.0.1", start_timeout_s=120.0)``
    A context manager: ``with Gunicorn(...) as server:`` starts ``<python> -m gunicorn <wsgi_app> --bind
    host:port --workers n <extra_args>`` in its own process group (stdout and stderr to ``log_path``, default
    a temporary file), waits until ``GET health_path`` answers with any status below 500 and the n workers
    exist, and stops it on exit. ``env`` is added to (not replacing) the current environment. Where the
    gunicorn knows ``--no-control-socket`` (23+), it is passed, so that servers started at the same time do
    not share the one control socket in ``~/.gunicorn``.
    ``.start()``, ``.stop(timeout_s=10)`` (TERM to the master, then KILL to the group), ``.base_url``
    (``http://host:port``), ``.pids()`` (master first, then every process below it, from ``/proc``),
    ``.worker_pids()`` (the master's children), ``.log_path``, ``.log_tail(lines=40)``.

``time_get(url, *, headers=None, runs=20, warmups=2, expect=200, timeout_s=60.0) -> dict``
    Sequential GETs, a new connection each; ``warmups`` untimed first. The clock covers connect, request
    and reading the whole body. Raises ``HttpError`` on any status other than ``expect`` (an int or a
    collection of ints). Returns ``{"median_ms", "p95_ms", "p99_ms", "min_ms", "max_ms", "runs", "bytes",
    "status", "times_ms"}`` (``bytes``: the body size of the last response; ``times_ms``: every timed run).

``http_request(method, url, *, headers=None, body=None, timeout_s=60.0) -> (status, headers, body)``
    One request, no redirect followed; ``headers`` of the answer is an ``http.client.HTTPMessage``.

``django_login(base_url, login_path, username, password) -> str``
    Logs in through a Django ``LoginView`` form (GET for the csrftoken cookie, POST ``username``,
    ``password`` and ``csrfmiddlewaretoken`` with ``Referer`` and ``Origin``; no redirect followed) and
    returns the value for a ``Cookie`` header: ``"csrftoken=...; sessionid=..."``. Raises ``HttpError``
    when the form does not answer with a redirect (wrong password, throttled...).

``django_post(base_url, path, cookie, data) -> (status, headers, body)``
    A form POST with the session of ``django_login`` (the CSRF token taken from the cookie), e.g. to
    choose something kept in the session. No redirect followed.

``wrk_post(url, *, body_template, headers, clients, duration_s, threads=1, timeout_s=10, warmup_s=0,
wrk="/usr/bin/wrk") -> dict``
    ``wrk --latency`` with ``clients`` connections for ``duration_s`` seconds, every request a POST whose
    body is ``body_template`` with each ``{n}`` replaced by ``<thread>-<counter>`` (unique within the run;
    a list of templates is used in turn, for a mix of requests); ``{n}`` in header values is replaced the
    same way (e.g. an ``Idempotency-Key``). ``warmup_s`` first runs the same load that long and discards
    it. Returns ``{"rate_per_s"`` (2xx answers a second), ``"requests_per_s"`` (all answers),
    ``"p50_ms", "p95_ms", "p99_ms", "max_ms", "requests", "ok"`` (2xx), ``"non_2xx", "socket_errors"``
    ``{connect, read, write, timeout}``, ``"errors"`` (non-2xx plus socket errors), ``"statuses"``
    ``{code: count}``, ``"duration_s", "clients", "threads"}``. The latencies are wrk's, over every
    answered request.

``MemorySampler(pids_fn, interval=0.5, series=False)``
    A thread (``start()``/``stop()`` or ``with``) that calls ``pids_fn()`` (an iterable of pids; new pids
    are picked up as they appear) every ``interval`` seconds and reads each process's ``VmRSS`` and
    ``VmHWM`` (``/proc/<pid>/status``) and ``Pss`` (``/proc/<pid>/smaps_rollup``). ``.peaks()`` ->
    ``{pid: {"rss_mb", "hwm_mb", "pss_mb", "samples", "name"}}`` (maxima over the samples; ``hwm_mb`` is the
    kernel's own peak RSS, so it also catches peaks between two samples); ``.series()`` -> ``[(t_s, pid,
    rss_mb, pss_mb), ...]`` when ``series=True``. ``memory_of(pid)`` reads one process once (or None).

``reset_peak(pid) -> bool``: reset the kernel's peak RSS (VmHWM) of a process to its current RSS, e.g. after
a start-up or a login whose peak should not count (False where not allowed).

``process_tree(pid) -> list[int]``: the pid and every live process below it ([] once it is gone).

``percentile(values, q)``: the q-quantile (0..1) with linear interpolation.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

__all__ = [
    "Gunicorn",
    "HttpError",
    "MemorySampler",
    "django_login",
    "django_post",
    "http_request",
    "memory_of",
    "percentile",
    "process_tree",
    "reset_peak",
    "time_get",
    "wrk_post",
]


class HttpError(RuntimeError):
    """An unexpected HTTP answer (status, or a server that does not come up)."""


def latency(times: Sequence[float]) -> dict[str, Any]:
    """Median, p95, p99, min and max (ms, rounded) and the number of runs of a list of timings."""
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "p99_ms": round(percentile(times, 0.99), 2),
        "min_ms": round(min(times), 2),
        "max_ms": round(max(times), 2),
        "runs": len(times),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) with linear interpolation (numpy's default)."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


# Plain HTTP -----------------------------------------------------------------------------------------------------


def _split(url: str) -> tuple[str, int, str]:
    u = urllib.parse.urlsplit(url)
    if u.scheme != "http" or not u.hostname:
        raise ValueError(f"only http://host[:port]/path URLs: {url!r}")
    path = u.path or "/"
    if u.query:
        path += "?" + u.query
    return u.hostname, u.port or 80, path


def http_request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | str | None = None,
    timeout_s: float = 60.0,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request on a new connection; no redirect followed. Returns (status, headers, body)."""
    host, port, path = _split(url)
    if isinstance(body, str):
        body = body.encode()
    conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        response = conn.getresponse()
        data = response.read()
        return response.status, response.headers, data
    finally:
        conn.close()


def _expected(status: int, expect: int | Collection[int]) -> bool:
    return status == expect if isinstance(expect, int) else status in expect


def time_get(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    runs: int = 20,
    warmups: int = 2,
    expect: int | Collection[int] = 200,
    timeout_s: float = 60.0,
) -> dict[str, Any]:
    """Time `runs` sequential GETs (after `warmups` untimed ones); raise HttpError on an unexpected status."""
    times: list[float] = []
    size = 0
    status = 0
    for i in range(warmups + runs):
        t = time.perf_counter()
        status, _h, body = http_request("GET", url, headers=headers, timeout_s=timeout_s)
        elapsed = (time.perf_counter() - t) * 1000
        if not _expected(status, expect):
            raise HttpError(f"GET {url} answered {status} (expected {expect}): {body[:300]!r}")
        size = len(body)
        if i >= warmups:
            times.append(elapsed)
    if not times:
        raise ValueError("runs must be at least 1")
    return {
        **latency(times),
        "bytes": size,
        "status": status,
        "times_ms": [round(t, 2) for t in times],
    }


# Django sessions ----------------------------------------------------------------------------------------------


def _cookies(headers: http.client.HTTPMessage) -> dict[str, str]:
    jar: dict[str, str] = {}
    for value in headers.get_all("Set-Cookie") or []:
        c: SimpleCookie = SimpleCookie()
        c.load(value)
        for name, morsel in c.items():
            jar[name] = morsel.value
    return jar


def _cookie_header(jar: Mapping[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def _parse_cookie(cookie: str) -> dict[str, str]:
    jar: dict[str, str] = {}
    for part in cookie.split(";"):
        if "=" in part:
            k, v = part.strip().split("=", 1)
            jar[k] = v
    return jar


def django_login(base_url: str, login_path: str, username: str, password: str) -> str:
    """Log in through a Django LoginView form; return the Cookie header value (csrftoken and sessionid)."""
    base = base_url.rstrip("/")
    url = base + login_path
    status, headers, body = http_request("GET", url)
    if status != 200:
        raise HttpError(f"GET {url} answered {status}: {body[:300]!r}")
    jar = _cookies(headers)
    token = jar.get("csrftoken")
    if not token:
        raise HttpError(f"GET {url} set no csrftoken cookie")
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
    status, headers, body = http_request(
        "POST",
        url,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": _cookie_header(jar),
            "Referer": url,
            "Origin": base,
        },
        body=form,
    )
    jar.update(_cookies(headers))
    if status not in (301, 302, 303) or "sessionid" not in jar:
        raise HttpError(f"login of {username!r} at {url} failed: {status} {body[:300]!r}")
    return _cookie_header({k: jar[k] for k in ("csrftoken", "sessionid") if k in jar})


def django_post(
    base_url: str, path: str, cookie: str, data: Mapping[str, str]
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """A form POST with a django_login session (CSRF token from the cookie); no redirect followed."""
    base = base_url.rstrip("/")
    token = _parse_cookie(cookie).get("csrftoken", "")
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data})
    return http_request(
        "POST",
        base + path,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Referer": base + path,
            "Origin": base,
            "X-CSRFToken": token,
        },
        body=form,
    )


# Processes ----------------------------------------------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    """ppid -> child pids, from /proc/<pid>/stat."""
    out: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        out.setdefault(ppid, []).append(int(entry))
    return out


def reset_peak(pid: int) -> bool:
    """Reset the kernel's peak RSS (VmHWM) of a process to its current RSS (``5`` to /proc/<pid>/clear_refs,
    Linux 4.0+, the process's owner or root). False if that was not possible."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def process_tree(pid: int) -> list[int]:
    """The pid and every live process below it (e.g. for a MemorySampler of a command and its children)."""
    return [pid, *_descendants(pid)] if Path(f"/proc/{pid}").exists() else []


def _descendants(pid: int) -> list[int]:
    tree = _children_map()
    found: list[int] = []
    todo = list(tree.get(pid, []))
    while todo:
        p = todo.pop(0)
        found.append(p)
        todo.extend(tree.get(p, []))
    return found


def memory_of(pid: int) -> dict[str, Any] | None:
    """{"rss_mb", "hwm_mb", "pss_mb", "name"} of a live process, None if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    info: dict[str, Any] = {"rss_mb": 0.0, "hwm_mb": 0.0, "pss_mb": None, "name": ""}
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            info["rss_mb"] = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            info["hwm_mb"] = int(line.split()[1]) / 1024
        elif line.startswith("Name:"):
            info["name"] = line.split(None, 1)[1].strip() if len(line.split()) > 1 else ""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                info["pss_mb"] = int(line.split()[1]) / 1024
                break
    except OSError:
        pass
    return info


class MemorySampler:
    """Sample the memory of the processes `pids_fn()` names every `interval` seconds, in a thread."""

    def __init__(self, pids_fn: Callable[[], Iterable[int]], interval: float = 0.5, series: bool = False) -> None:
        self.pids_fn = pids_fn
        self.interval = interval
        self.keep_series = series
        self._peaks: dict[int, dict[str, Any]] = {}
        self._series: list[tuple[float, int, float, float | None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = time.monotonic()
        self._lock = threading.Lock()

    def sample(self) -> None:
        """Take one sample now (the thread calls this)."""
        t = round(time.monotonic() - self._t0, 2)
        for pid in list(self.pids_fn()):
            m = memory_of(pid)
            if m is None:
                continue
            with self._lock:
                peak = self._peaks.setdefault(
                    pid, {"rss_mb": 0.0, "hwm_mb": 0.0, "pss_mb": 0.0, "samples": 0, "name": m["name"]}
                )
                peak["rss_mb"] = max(peak["rss_mb"], round(m["rss_mb"], 1))
                peak["hwm_mb"] = max(peak["hwm_mb"], round(m["hwm_mb"], 1))
                if m["pss_mb"] is not None:
                    peak["pss_mb"] = max(peak["pss_mb"], round(m["pss_mb"], 1))
                peak["samples"] += 1
                if self.keep_series:
                    pss = None if m["pss_mb"] is None else round(m["pss_mb"], 1)
                    self._series.append((t, pid, round(m["rss_mb"], 1), pss))

    def _run(self) -> None:
        while not self._stop.is_set():
            # A process tree read half-way through a fork or an exit: try again next time.
            with contextlib.suppress(Exception):
                self.sample()
            self._stop.wait(self.interval)

    def start(self) -> MemorySampler:
        self._t0 = time.monotonic()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with contextlib.suppress(Exception):
            self.sample()  # a last one, so that short runs have at least one sample

    def peaks(self) -> dict[int, dict[str, Any]]:
        with self._lock:
            return {pid: dict(v) for pid, v in self._peaks.items()}

    def series(self) -> list[tuple[float, int, float, float | None]]:
        with self._lock:
            return list(self._series)

    def __enter__(self) -> MemorySampler:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_HELP: dict[str, str] = {}


def _knows_option(python: str, option: str) -> bool:
    """Whether `python -m gunicorn --help` lists the option (read once per interpreter)."""
    if python not in _HELP:
        try:
            cmd = [python, "-m", "gunicorn", "--help"]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)  # noqa: S603 - our own arguments
            _HELP[python] = done.stdout
        except (OSError, subprocess.TimeoutExpired):
            _HELP[python] = ""
    return option in _HELP[python]


class Gunicorn:
    """A gunicorn server for the length of a `with` block (see the module docstring)."""

    def __init__(
        self,
        *,
        python: str,
        wsgi_app: str,
        port: int,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        workers: int = 2,
        extra_args: Sequence[str] = (),
        health_path: str = "/",
        log_path: str | os.PathLike[str] | None = None,
        host: str = "127.0.0.1",
        start_timeout_s: float = 120.0,
    ) -> None:
        self.python = python
        self.wsgi_app = wsgi_app
        self.port = port
        self.host = host
        self.cwd = cwd
        self.env = dict(env or {})
        self.workers = workers
        self.extra_args = list(extra_args)
        self.health_path = health_path
        if log_path is None:
            fd, name = tempfile.mkstemp(prefix="gunicorn-", suffix=".log")
            os.close(fd)
            log_path = name
        self.log_path = Path(log_path)
        self.start_timeout_s = start_timeout_s
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def command(self) -> list[str]:
        cmd = [
            self.python,
            "-m",
            "gunicorn",
            self.wsgi_app,
            "--bind",
            f"{self.host}:{self.port}",
            "--workers",
            str(self.workers),
        ]
        if _knows_option(self.python, "--no-control-socket"):
            cmd.append("--no-control-socket")
        return [*cmd, *self.extra_args]

    def start(self) -> Gunicorn:
        if self.process is not None:
            raise RuntimeError("already started")
        try:  # a port still in use would make the health check answer for another server
            http_request("GET", self.base_url + "/", timeout_s=1)
        except OSError:
            pass
        else:
            raise HttpError(f"something already answers on {self.base_url}")
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(  # noqa: S603 - the caller's own command
                self.command,
                cwd=self.cwd,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            log.close()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.start_timeout_s
        answered = False
        last = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HttpError(
                    f"gunicorn exited with {self.process.returncode} while starting; log {self.log_path}:\n"
                    + self.log_tail()
                )
            if not answered:
                try:
                    status, _h, _b = http_request("GET", self.base_url + self.health_path, timeout_s=30)
                    answered = status < 500
                    last = f"status {status}"
                except OSError as exc:
                    last = f"{type(exc).__name__}: {exc}"
            if answered and len(self.worker_pids()) >= self.workers:
                return
            time.sleep(0.2)
        raise HttpError(
            f"gunicorn on {self.base_url} not ready after {self.start_timeout_s:.0f} s ({last}); log "
            f"{self.log_path}:\n" + self.log_tail()
        )

    def pids(self) -> list[int]:
        """The master first, then every process below it."""
        if self.process is None or self.process.poll() is not None:
            return []
        return [self.process.pid, *_descendants(self.process.pid)]

    def worker_pids(self) -> list[int]:
        """The master's children (the workers)."""
        if self.process is None or self.process.poll() is not None:
            return []
        return sorted(_children_map().get(self.process.pid, []))

    def stop(self, timeout_s: float = 10.0) -> None:
        """TERM to the master (a graceful stop), then KILL to the whole process group."""
        p = self.process
        if p is None:
            return
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                pass
            except ProcessLookupError:
                pass
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(p.pid, signal.SIGKILL)  # leftovers (workers of a master that did not stop them)
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(timeout=timeout_s)
        self.process = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# wrk ------------------------------------------------------------------------------------------------------------


def _lua_string(s: str) -> str:
    """A double-quoted Lua string literal for any text (bytes above 126 and controls as decimal escapes)."""
    out = []
    for b in s.encode():
        if b in (0x22, 0x5C):  # " and \
            out.append("\\" + chr(b))
        elif 32 <= b < 127:
            out.append(chr(b))
        else:
            out.append(f"\\{b:03d}")
    return '"' + "".join(out) + '"'


_LUA = r"""
local templates = {%(templates)s}
local headers = {%(headers)s}
local has_n = %(has_n)s
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  ok = 0
  non2xx = 0
  statuses = {}
end

local function subst(s, n)
  return (string.gsub(s, "{n}", n))
end

function request()
  counter = counter + 1
  local n = tostring(tid) .. "-" .. tostring(counter)
  local body = subst(templates[(counter - 1) %% #templates + 1], n)
  local h = headers
  if has_n then
    h = {}
    for k, v in pairs(headers) do h[k] = subst(v, n) end
  end
  return wrk.format("POST", nil, h, body)
end

function response(status, hdrs, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status >= 200 and status < 300 then ok = ok + 1 else non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local all_ok, all_bad, codes = 0, 0, {}
  for _, t in ipairs(threads) do
    all_ok = all_ok + t:get("ok")
    all_bad = all_bad + t:get("non2xx")
    for k, v in pairs(t:get("statuses")) do codes[k] = (codes[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(codes) do table.insert(parts, string.format('"%%s": %%d', k, v)) end
  io.write("WRK_JSON ")
  io.write(string.format(
    '{"duration_us": %%d, "requests": %%d, "ok": %%d, "non_2xx": %%d, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "timeout": %%d, "status_errors": %%d, ' ..
    '"p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d, "mean_us": %%f, "statuses": {%%s}}\n',
    summary.duration, summary.requests, all_ok, all_bad,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
    table.concat(parts, ", ")))
end
"""


def _wrk_script(templates: Sequence[str], headers: Mapping[str, str]) -> str:
    has_n = any("{n}" in v for v in headers.values())
    return _LUA % {
        "templates": ", ".join(_lua_string(t) for t in templates),
        "headers": ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()),
        "has_n": "true" if has_n else "false",
    }


def _run_wrk(
    wrk: str, url: str, script: Path, clients: int, threads: int, duration_s: int, timeout_s: int
) -> dict[str, Any]:
    cmd = [
        wrk,
        "--latency",
        "-t",
        str(threads),
        "-c",
        str(clients),
        "-d",
        f"{duration_s}s",
        "--timeout",
        f"{timeout_s}s",
        "-s",
        str(script),
        url,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration_s + timeout_s + 60)  # noqa: S603
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(line.split(" ", 1)[1])
    data["stdout"] = done.stdout
    return data


def wrk_post(
    url: str,
    *,
    body_template: str | Sequence[str],
    headers: Mapping[str, str],
    clients: int,
    duration_s: int,
    threads: int = 1,
    timeout_s: int = 10,
    warmup_s: int = 0,
    wrk: str = "/usr/bin/wrk",
) -> dict[str, Any]:
    """POST load with wrk, every body different (see the module docstring)."""
    templates = [body_template] if isinstance(body_template, str) else list(body_template)
    if not templates:
        raise ValueError("no body template")
    threads = max(1, min(threads, clients))
    with tempfile.TemporaryDirectory(prefix="wrk-") as tmp:
        script = Path(tmp) / "post.lua"
        if warmup_s > 0:
            # The warm-up's bodies get another prefix so that they never repeat the measured run's.
            warm = [t.replace("{n}", "w{n}") for t in templates]
            warm_headers = {k: v.replace("{n}", "w{n}") for k, v in headers.items()}
            script.write_text(_wrk_script(warm, warm_headers))
            _run_wrk(wrk, url, script, clients, threads, warmup_s, timeout_s)
        script.write_text(_wrk_script(templates, headers))
        data = _run_wrk(wrk, url, script, clients, threads, duration_s, timeout_s)
    duration = data["duration_us"] / 1e6
    socket_errors = {k: data[k] for k in ("connect", "read", "write", "timeout")}
    return {
        "rate_per_s": round(data["ok"] / duration, 1) if duration else 0.0,
        "requests_per_s": round(data["requests"] / duration, 1) if duration else 0.0,
        "p50_ms": round(data["p50_us"] / 1000, 2),
        "p95_ms": round(data["p95_us"] / 1000, 2),
        "p99_ms": round(data["p99_us"] / 1000, 2),
        "max_ms": round(data["max_us"] / 1000, 2),
        "requests": data["requests"],
        "ok": data["ok"],
        "non_2xx": data["non_2xx"],
        "socket_errors": socket_errors,
        "errors": data["non_2xx"] + sum(socket_errors.values()),
        "statuses": {int(k): v for k, v in data["statuses"].items()},
        "duration_s": round(duration, 2),
        "clients": clients,
        "threads": threads,
    }
