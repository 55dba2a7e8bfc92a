"""Load test of Kefu in production shape: deploy/run-cluster.sh on a copy of a PostgreSQL bench data set, a locust
load at a constant total rate, memory of every web and worker process every 10 s, then everything stopped and
the copy dropped.

    .venv/bin/python bench/load/run.py --rate 100 --duration 120 --label short
    .venv/bin/python bench/load/run.py --data kefu_bench_1m --rate 150 --duration 600 --label 10min

Writes bench/results/load-<vendor>-<label>.json (throughput, errors, p50/p95/p99 per request type, memory
summary, tasks) and bench/results/load-<vendor>-<label>-memory.csv (the series). The mix is in locustfile.py;
docs/deploy.md discusses the figures. Options: --help.
"""

# ruff: noqa: S603, S607 - this repository's scripts and the PostgreSQL client tools, with our own arguments
from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import RESULTS, machine  # noqa: E402

VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
HERE = Path(__file__).resolve().parent


_T0 = time.monotonic()


def log(msg: str) -> None:
    print(f"[{time.monotonic() - _T0:6.0f} s] {msg}", flush=True)


# --- locust, on demand --------------------------------------------------------------------------------------


def ensure_locust() -> None:
    # find_spec, not import: importing locust patches the standard library for gevent in this process.
    if importlib.util.find_spec("locust") is None:
        log("installing bench/requirements.txt (locust) into .venv")
        subprocess.run(
            [str(PY), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", "bench/requirements.txt"],
            cwd=ROOT,
            check=True,
        )


# --- the database copy ----------------------------------------------------------------------------------------


def psql_args(url: str) -> list[str]:
    u = urlsplit(url)
    return ["-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]


def copy_database(server: str, template: str, name: str, wait_s: int = 600) -> None:
    """createdb -T: PostgreSQL needs the template free of sessions, so retry while someone reads it."""
    subprocess.run(["dropdb", *psql_args(server), "--if-exists", name], check=True)
    deadline = time.monotonic() + wait_s
    while True:
        r = subprocess.run(["createdb", *psql_args(server), "-T", template, name], capture_output=True, text=True)
        if r.returncode == 0:
            return
        if "being accessed by other users" not in r.stderr or time.monotonic() > deadline:
            raise SystemExit(f"createdb -T {template} {name} failed: {r.stderr.strip()}")
        time.sleep(3)


def database_exists(server: str, name: str) -> bool:
    r = subprocess.run(
        ["psql", *psql_args(server), "-d", "postgres", "-Atc", "select datname from pg_database"],
        capture_output=True,
        text=True,
        check=True,
    )
    return name in r.stdout.split()


def drop_database(server: str, name: str) -> None:
    subprocess.run(["dropdb", *psql_args(server), "--if-exists", "--force", name], check=False)


# --- what the simulated users need (on the copy) ----------------------------------------------------------------


def prepare(projects: int, portal_accounts: int, seed: int) -> dict[str, Any]:
    """Tokens and sessions (made directly, so the run measures no logins), units, visible case numbers and
    portal accounts, per project; a description of the database."""
    from bench.common import db_description, setup_django

    setup_django()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection, transaction
    from rest_framework.authtoken.models import Token

    from kefu.customers.models import Customer, Unit
    from kefu.org.models import Project, User
    from kefu.tickets.models import Case

    rng = random.Random(seed)

    def session_for(user: User) -> str:
        s = SessionStore()
        s[SESSION_KEY] = str(user.pk)
        s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()
        s.create()
        return str(s.session_key)

    out: dict[str, Any] = {"projects": [], "portal": []}
    with transaction.atomic():
        for p in Project.objects.order_by("code")[:projects]:
            n = p.code[1:]  # B01 -> 01: the generator's logins are p01kefu1, p01jingli, ...
            agent = User.objects.filter(username=f"p{n}kefu1").first()
            manager = User.objects.filter(username=f"p{n}jingli").first()
            if agent is None or manager is None:
                continue
            units = list(Unit.objects.filter(project=p).values_list("pk", flat=True)[:2000])
            recent = list(Case.objects.filter(project=p).order_by("-created_at").values_list("number", flat=True)[:300])
            older = list(Case.objects.filter(project=p).order_by("?").values_list("number", flat=True)[:200])
            out["projects"].append(
                {
                    "code": p.code,
                    "token": Token.objects.get_or_create(user=agent)[0].key,
                    "agent_session": session_for(agent),
                    "manager_session": session_for(manager),
                    "units": rng.sample(units, min(len(units), 300)),
                    "cases": recent + older,
                }
            )
        # Portal accounts: residents of the first project with cases of their own (the generator makes none).
        first = Project.objects.order_by("code").first()
        customers = (
            Customer.objects.filter(project=first, account__isnull=True, is_active=True, cases__isnull=False)
            .distinct()
            .order_by("pk")[:portal_accounts]
        )
        for c in customers:
            mobile = f"199{c.pk:08d}"[-11:]
            user, _ = User.objects.get_or_create(
                username=f"load{mobile}", defaults={"name": c.name, "mobile": mobile, "kind": User.Kind.CUSTOMER}
            )
            Customer.objects.filter(pk=c.pk).update(account=user)
            numbers = list(Case.objects.filter(customer=c).values_list("number", flat=True)[:20])
            out["portal"].append({"session": session_for(user), "cases": numbers})
    out["database"] = db_description()
    with connection.cursor() as cursor:
        cursor.execute("select count(*) from tickets_case")
        out["cases_total"] = cursor.fetchone()[0]
    connection.close()
    return out


def task_counts(since: dt.datetime) -> dict[str, int]:
    """Background tasks enqueued since the start, by status (did the workers keep up?)."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    counts: dict[str, int] = {}
    for row in DBTaskResult.objects.filter(enqueued_at__gte=since).values_list("status", flat=True):
        counts[str(row)] = counts.get(str(row), 0) + 1
    connection.close()
    return counts


# --- memory -----------------------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            kids.extend(int(x) for x in text)
    except OSError:
        pass
    return kids


def _mem(pid: int) -> tuple[float, float] | None:
    """(RSS MB, PSS MB) of one process."""
    try:
        rss = pss = 0.0
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
        return round(rss, 1), round(pss, 1)
    except (OSError, ValueError):
        return None


def processes(run_dir: Path) -> dict[str, int]:
    """role -> pid: web-master, web-1.. (gunicorn workers), worker-1.., scheduler."""
    out: dict[str, int] = {}
    for f in sorted(run_dir.glob("*.pid")):
        try:
            pid = int(f.read_text().strip())
        except ValueError:
            continue
        role = f.stem
        if role == "web":
            out["web-master"] = pid
            for i, kid in enumerate(sorted(_children(pid)), 1):
                out[f"web-{i}"] = kid
        else:
            out[role] = pid
    return out


class Sampler(threading.Thread):
    """Every `every` seconds: RSS and PSS of every process of the cluster."""

    def __init__(self, run_dir: Path, every: float) -> None:
        super().__init__(daemon=True)
        self.run_dir, self.every = run_dir, every
        self.rows: list[dict[str, Any]] = []
        self.start_time = time.monotonic()
        self._stop_event = threading.Event()

    def sample(self) -> None:
        t = round(time.monotonic() - self.start_time, 1)
        for role, pid in processes(self.run_dir).items():
            m = _mem(pid)
            if m is not None:
                self.rows.append({"t_s": t, "role": role, "pid": pid, "rss_mb": m[0], "pss_mb": m[1]})

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.every)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self.sample()

    def summary(self, after_s: float) -> dict[str, Any]:
        def kind(role: str) -> str:
            return "web" if role.startswith("web-") and role != "web-master" else role.split("-")[0]

        by_kind: dict[str, list[dict[str, Any]]] = {}
        for r in self.rows:
            by_kind.setdefault(kind(r["role"]), []).append(r)
        out: dict[str, Any] = {}
        for k, rows in by_kind.items():
            out[f"{k}_peak_rss_mb"] = max(r["rss_mb"] for r in rows)
            out[f"{k}_peak_pss_mb"] = max(r["pss_mb"] for r in rows)
        # Growth: each process's last sample minus its first after the warm-up (a new process warms up: imports,
        # first queries); a gunicorn worker replaced by max_requests starts a series of its own.
        growth: dict[str, float] = {}
        for pid in {r["pid"] for r in self.rows}:
            mine = [r for r in self.rows if r["pid"] == pid and r["t_s"] >= after_s]
            if len(mine) >= 2:
                growth[f"{mine[0]['role']}:{pid}"] = round(mine[-1]["rss_mb"] - mine[0]["rss_mb"], 1)
        out["rss_growth_after_warmup_mb"] = dict(sorted(growth.items()))
        out["samples"] = len({r["t_s"] for r in self.rows})
        return out

    def write_csv(self, path: Path) -> None:
        with path.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=["t_s", "role", "pid", "rss_mb", "pss_mb"])
            w.writeheader()
            w.writerows(self.rows)


# --- the run ----------------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", default="postgres://postgres@127.0.0.1:55432/postgres", help="PostgreSQL server")
    ap.add_argument("--data", default="kefu_bench_100k", help="bench data set to copy (createdb -T)")
    ap.add_argument("--db", default="", help="name of the copy (default kefu_load_<label>)")
    ap.add_argument("--keep-db", action="store_true", help="keep the copy afterwards (drop it yourself: dropdb)")
    ap.add_argument("--reuse-db", action="store_true", help="use the copy if it exists (from --keep-db)")
    ap.add_argument("--rate", type=float, default=100, help="total requests per second (constant throughput)")
    ap.add_argument("--duration", type=int, default=120, help="seconds of load after the warm-up")
    ap.add_argument("--warmup", type=int, default=15, help="seconds of load not counted in the figures")
    ap.add_argument("--users", type=int, default=0, help="simulated users (default: max(20, rate))")
    ap.add_argument("--web-workers", type=int, default=3)
    ap.add_argument("--task-workers", type=int, default=2)
    ap.add_argument("--port", type=int, default=8302)
    ap.add_argument("--projects", type=int, default=10, help="projects whose agents and managers take part")
    ap.add_argument("--portal-accounts", type=int, default=50)
    ap.add_argument("--label", default="short")
    ap.add_argument("--redis-url", default="", help="REDIS_URL for the cluster (a shared cache; default: none)")
    ap.add_argument("--sample-every", type=float, default=10.0, help="seconds between memory samples")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument(
        "--no-settle", dest="settle", action="store_false", help="skip the scheduler's catch-up before the load"
    )
    args = ap.parse_args()
    users = args.users or max(20, int(args.rate))
    db = args.db or f"kefu_load_{args.label}".replace("-", "_")
    server = urlsplit(args.server)
    db_url = f"{server.scheme}://{server.netloc}/{db}"
    var_dir = Path(f"/tmp/kefu-load-{args.label}")  # noqa: S108
    run_dir = var_dir / "run"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)

    ensure_locust()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DATABASE_CONN_HEALTH_CHECKS": "1",
        "KEFU_VAR_DIR": str(var_dir),
        "KEFU_RUN_DIR": str(run_dir),
        "KEFU_PRODUCTION": "1",
        "KEFU_DEBUG": "0",
        "KEFU_SECRET_KEY": secrets.token_urlsafe(50),
        "KEFU_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Notifications are sent for real by the workers, to nowhere: the run measures Kefu, not a mail server.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "KEFU_WEB_ACCESS_LOG": str(run_dir / "access.log"),
    }
    env.pop("DATABASE_REPLICA_URL", None)
    env.pop("REDIS_URL", None)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "KEFU_VAR_DIR", "KEFU_SECRET_KEY", "KEFU_PRODUCTION")})
    os.environ["EMAIL_BACKEND"] = env["EMAIL_BACKEND"]

    reuse = args.reuse_db and database_exists(args.server, db)
    if reuse:
        log(f"using the existing copy {db}")
    else:
        log(f"copying {args.data} to {db}")
        copy_database(args.server, args.data, db)
    started_cluster = False
    try:
        if args.settle and not reuse:
            # The data set ends at the time it was generated: the scheduler's first sweep would catch up with
            # every warning, escalation and reminder due since then, during the load. Do it before, so the load
            # meets a scheduler in its steady state (a sweep a minute over what has just fallen due).
            log("migrating and catching up with the scheduler's backlog (run_scheduler --once)")
            subprocess.run([str(PY), "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
            subprocess.run(
                [str(PY), "manage.py", "run_scheduler", "--once", "--limit", "10000000"], cwd=ROOT, env=env, check=True
            )
        log(f"starting the cluster: {args.web_workers} web workers, {args.task_workers} task workers, 1 scheduler")
        subprocess.run(
            [
                str(ROOT / "deploy" / "run-cluster.sh"),
                "--bind",
                f"127.0.0.1:{args.port}",
                "--web-workers",
                str(args.web_workers),
                "--task-workers",
                str(args.task_workers),
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        started_cluster = True
        log("preparing sessions, tokens and portal accounts")
        fixtures = prepare(args.projects, args.portal_accounts, args.seed)
        fixtures_path = var_dir / "fixtures.json"
        fixtures_path.write_text(json.dumps(fixtures, ensure_ascii=False))
        stats_path = var_dir / "locust-stats.json"
        since = dt.datetime.now(dt.UTC)

        sampler = Sampler(run_dir, args.sample_every)
        sampler.start()
        total = args.warmup + args.duration
        log(f"load: {args.rate:g} requests/s from {users} users for {args.warmup}+{args.duration} s")
        subprocess.run(
            [
                str(VENV / "bin" / "locust"),
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "--host",
                f"http://127.0.0.1:{args.port}",
                "-u",
                str(users),
                "-r",
                str(users),
                "--run-time",
                f"{total}s",
                "--stop-timeout",
                "10",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={
                **env,
                "KEFU_LOAD_FIXTURES": str(fixtures_path),
                "KEFU_LOAD_RATE": str(args.rate),
                "KEFU_LOAD_USERS": str(users),
                "KEFU_LOAD_WARMUP": str(args.warmup),
                "KEFU_LOAD_OUT": str(stats_path),
                "KEFU_LOAD_SEED": str(args.seed),
            },
            check=False,
        )
        sampler.stop()
        stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
        time.sleep(3)  # let the workers finish what the last requests queued
        tasks = task_counts(since)
    finally:
        if started_cluster or (run_dir / "web.pid").exists():
            log("stopping the cluster")
            subprocess.run([str(ROOT / "deploy" / "stop-cluster.sh"), "--run-dir", str(run_dir)], env=env, check=False)
        if not args.keep_db:
            log(f"dropping {db}")
            drop_database(args.server, db)

    vendor = fixtures["database"]["vendor"]
    result = {
        "kind": "load",
        "label": args.label,
        "cases": fixtures["cases_total"],
        "database": {**fixtures["database"], "copied_from": args.data},
        "machine": machine(),
        "when": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "config": {
            "rate_per_s": args.rate,
            "users": users,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "web": f"1 gunicorn, {args.web_workers} sync workers (deploy/gunicorn.conf.py)",
            "task_workers": args.task_workers,
            "scheduler": 1,
            "projects": len(fixtures["projects"]),
            "portal_accounts": len(fixtures["portal"]),
            "cache": "redis" if args.redis_url else "local memory",
        },
        **stats,
        "memory": sampler.summary(after_s=args.warmup),
        "tasks": tasks,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"load-{vendor}-{args.label}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    sampler.write_csv(RESULTS / f"load-{vendor}-{args.label}-memory.csv")
    log(f"wrote {out.relative_to(ROOT)}")
    t = stats.get("total", {})
    print(
        f"achieved {t.get('rate_per_s')} req/s (asked {args.rate:g}), errors {t.get('errors')} of "
        f"{t.get('requests')}, p50 {t.get('p50_ms')} ms, p95 {t.get('p95_ms')} ms"
    )
    for name, item in stats.get("items", {}).items():
        print(
            f"  {name:16} {item['requests']:7} req {item['rate_per_s']:7.1f}/s  p50 {item['p50_ms']:7.1f}  "
            f"p95 {item['p95_ms']:7.1f}  p99 {item['p99_ms']:7.1f} ms  errors {item['errors']}"
        )
    mem = result["memory"]
    print(
        f"memory: web peak RSS {mem.get('web_peak_rss_mb')} MB (PSS {mem.get('web_peak_pss_mb')}), "
        f"worker peak RSS {mem.get('worker_peak_rss_mb')} MB, scheduler {mem.get('scheduler_peak_rss_mb')} MB"
    )
    print(f"tasks: {tasks}")


if __name__ == "__main__":
    main()
