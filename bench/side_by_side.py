#!/usr/bin/env python
"""Kefu and django-helpdesk side by side: both measured in one invocation, then their ratios.

    KEFU_VAR_DIR=/tmp/bench-t-drop .venv/bin/python bench/side_by_side.py             # SQLite, 100k
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/kefu_bench_100k .venv/bin/python bench/side_by_side.py
    ... --only intake,dashboard --runs 5 --duration 10                                   # a part

The Kefu data set is the environment's (DATABASE_URL, else SQLite in KEFU_VAR_DIR), as for bench/run_app.py.
Then, one after the other:

1. bench/peer/setup.sh when bench/peer/.venv is missing (django-helpdesk 2.6.1 in its own environment);
2. bench/peer/load.py when the peer has no data set of the same size (N = Kefu's number of cases, or
   --tickets): on PostgreSQL (Kefu on PostgreSQL) the database peer_<10k|100k|1m> on the same server, else
   SQLite in bench/peer/var (--peer-sqlite forces SQLite);
3. bench/run_app.py (Kefu), then bench/peer/run_peer.py (the peer), with the same --only, --clients,
   --duration, --runs and --warmups, each with its own gunicorn of --workers sync workers;
4. bench/compare.py's table of the two result files (bench/results/app-<db>-<n>.json and
   peer-<db>-<n>.json; ``-partial`` with --only).

--skip-kefu / --skip-peer reuse the result file already there for that side.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import compare  # noqa: E402
from bench.peer import peerlib  # noqa: E402


def kefu_dataset() -> tuple[str, int]:
    """(vendor, number of cases) of the environment's Kefu data set."""
    from bench.common import setup_django

    setup_django()
    from django.db import connection

    from kefu.tickets.models import Case

    n = Case.objects.count()
    vendor = str(connection.vendor)
    connection.close()
    return vendor, n


def run(cmd: list[str], env: dict[str, str] | None = None) -> int:
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT, env={**os.environ, **(env or {})})  # noqa: S603 - our own scripts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated parts of item names (both runners)")
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--duration", type=int, default=20, help="intake: seconds per client count")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmups", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (both)")
    parser.add_argument("--port", type=int, default=8210, help="Kefu's gunicorn")
    parser.add_argument("--peer-port", type=int, default=8200, help="the peer's gunicorn")
    parser.add_argument("--tickets", type=int, default=0, help="the peer's data set (default: Kefu's, rounded)")
    parser.add_argument("--peer-sqlite", action="store_true", help="the peer on SQLite even when Kefu is not")
    parser.add_argument("--peer-database-url", default="", help="the peer's PostgreSQL database (peer_*)")
    parser.add_argument("--peer-timeout", type=float, default=60, help="seconds a peer request may take")
    parser.add_argument("--skip-kefu", action="store_true", help="reuse bench/results/app-<db>-<n>.json")
    parser.add_argument("--skip-peer", action="store_true", help="reuse bench/results/peer-<db>-<n>.json")
    args = parser.parse_args(argv)

    vendor, cases = kefu_dataset()
    if not cases:
        print("Kefu's data set has no cases: run bench/generate.py first (KEFU_VAR_DIR / DATABASE_URL)")
        return 2
    # The data set's nominal size (10,000 / 100,000 / 1,000,000: two significant digits), so that a few cases
    # added to Kefu's set by other runs do not call for a new peer data set.
    tickets = args.tickets or round(cases, 2 - len(str(cases)))
    peer_url = args.peer_database_url or None
    if peer_url is None and vendor == "postgresql" and not args.peer_sqlite:
        peer_url = peerlib.peer_pg_url(os.environ["DATABASE_URL"], tickets)
    peer_vendor = "postgresql" if peer_url else "sqlite"
    where = peer_url or str(peerlib.sqlite_path(tickets))
    print(f"Kefu: {vendor}, {cases:,} cases; django-helpdesk: {peer_vendor}, {tickets:,} tickets ({where})")

    peer_python = str(peerlib.VENV_PYTHON)
    if not peerlib.VENV_PYTHON.exists() and run(["bash", str(peerlib.PEER_DIR / "setup.sh")]) != 0:
        return 1
    db = ["--database-url", peer_url] if peer_url else []
    load = [peer_python, str(peerlib.PEER_DIR / "load.py"), "--tickets", str(tickets), *db]
    if run([*load, "--check"]) != 0 and run(load) != 0:
        return 1

    suffix = "-partial" if args.only else ""
    app_file = peerlib.RESULTS / f"app-{vendor}-{cases}{suffix}.json"
    peer_file = peerlib.RESULTS / f"peer-{peer_vendor}-{tickets}{suffix}.json"
    common = ["--clients", args.clients, "--duration", str(args.duration), "--runs", str(args.runs)]
    common += ["--warmups", str(args.warmups), "--workers", str(args.workers)]
    if args.only:
        common += ["--only", args.only]
    if not args.skip_kefu:
        app_cmd = [sys.executable, str(ROOT / "bench" / "run_app.py"), *common, "--port", str(args.port)]
        rc = run([*app_cmd, "--out", str(app_file)])
        if rc != 0:
            print(f"bench/run_app.py exited with {rc}")
    if not args.skip_peer:
        peer_cmd = [peer_python, str(peerlib.PEER_DIR / "run_peer.py"), "--tickets", str(tickets), *db, *common]
        peer_cmd += ["--port", str(args.peer_port), "--timeout", str(args.peer_timeout)]
        rc = run([*peer_cmd, "--out", str(peer_file)])
        if rc != 0:
            print(f"bench/peer/run_peer.py exited with {rc}")
    missing = [str(f) for f in (app_file, peer_file) if not f.exists()]
    if missing:
        print("missing result files: " + ", ".join(missing))
        return 1
    print()
    return compare.main([str(app_file), str(peer_file)])


if __name__ == "__main__":
    raise SystemExit(main())
