#!/usr/bin/env python
"""Time the dashboard and the reports against a generated database (bench/generate.py).

    .venv/bin/python bench/run_reports.py [--runs 20] [--warmups 2] [--only dashboard,complaints]

In process, on the configured database (DATABASE_URL, else SQLite in KEFU_VAR_DIR): each item is run --warmups
times, then --runs times with a clock around it; the median and the 95th percentile are reported in
milliseconds, with the number of SQL queries of one more run (and its slowest statements, to see what limits
it). Items:

- the dashboard: kefu.reports.dashboard.dashboard_figures(user, project, now), and the page / (Django test
  client, logged in: the full request with its template render) for a project manager (the largest project) and
  for head office (all 20 projects);
- every report registered at run time (kefu.reports.registry.all_reports()): the builder `build(user, Filters,
  now)` and the page, for the report's default period (this month, this week, today, this quarter) and, for the
  monthly ones, the last complete month;
- for reference: the case list /cases/?queue=all and one case page.

What is not there yet (a module, a report) is skipped with a note. Results: bench/results/reports-<db>-<cases>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, db_description, machine, setup_django
from bench.httpbench import percentile

MONTHLY_KEYS = ("complaints-monthly", "monthly-tally")  # the "monthly report" of the targets
TARGET_MS = {"dashboard": 300, "monthly": 1000}


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.items: list[dict[str, Any]] = []
        self.skipped: list[str] = []

    def wanted(self, name: str) -> bool:
        only = [o for o in (self.args.only or "").split(",") if o]
        return not only or any(o in name for o in only)

    def measure(self, name: str, group: str, fn: Callable[[], Any], **info: Any) -> None:
        """Warm up, time `runs` calls, then count the queries of one more call."""
        from django.db import connection, reset_queries
        from django.test.utils import CaptureQueriesContext

        if not self.wanted(name):
            return
        try:
            for _ in range(self.args.warmups):
                fn()
            times = []
            for _ in range(self.args.runs):
                t = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t) * 1000)
            reset_queries()
            with CaptureQueriesContext(connection) as ctx:
                fn()
            queries = ctx.captured_queries
        except Exception as exc:  # a failing item is reported, the others still run
            self.skipped.append(f"{name}: {type(exc).__name__}: {exc}")
            print(f"  {name:<58} FAILED {type(exc).__name__}: {exc}", flush=True)
            if self.args.verbose:
                traceback.print_exc()
            return
        slowest = sorted(queries, key=lambda q: float(q.get("time") or 0), reverse=True)[:3]
        item = {
            "name": name,
            "group": group,
            **info,
            "runs": len(times),
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "min_ms": round(min(times), 1),
            "max_ms": round(max(times), 1),
            "queries": len(queries),
            "sql_ms": round(sum(float(q.get("time") or 0) for q in queries) * 1000, 1),
            "slowest_sql": [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:600]} for q in slowest],
        }
        if self.args.explain and slowest and item["median_ms"] >= self.args.explain:
            item["plan"] = explain(slowest[0]["sql"])
        target = info.get("target_ms")
        if target:
            item["meets_target"] = item["median_ms"] < target and item["p95_ms"] < target
        self.items.append(item)
        flag = ""
        if target:
            flag = "  ok" if item["meets_target"] else f"  MISSES {target} ms"
        print(
            f"  {name:<58} median {item['median_ms']:8.1f} ms  p95 {item['p95_ms']:8.1f} ms  "
            f"{item['queries']:4d} queries  sql {item['sql_ms']:8.1f} ms{flag}",
            flush=True,
        )


def explain(sql: str) -> list[str]:
    """The plan of a captured statement: EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL."""
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                return [str(row[3]) for row in cursor.fetchall()]
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            return [str(row[0]) for row in cursor.fetchall()]
    except Exception as exc:  # a statement that cannot be explained as captured
        return [f"(no plan: {type(exc).__name__}: {exc})"]


def migrate(tries: int = 6) -> list[str]:
    """Apply the migrations the data set does not have yet (e.g. an index added since it was generated), so that
    the figures are those of the current code; then ANALYZE, as after the generation, so that the planner knows
    the new indexes. Returns the migrations applied."""
    from django.core.management import call_command
    from django.db import OperationalError, connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        return []
    names = [f"{m.app_label}.{m.name}" for m, _backwards in plan]
    print(f"applying {len(names)} migrations: {', '.join(names)}", flush=True)
    call_command("migrate", verbosity=0)
    for attempt in range(tries):  # another process may hold SQLite's write lock; retried, since the next run
        try:  # finds nothing to migrate and would leave the new indexes without statistics
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            break
        except OperationalError as exc:
            if attempt + 1 == tries:
                raise
            print(f"  ANALYZE: {exc} (again in 10 s)", flush=True)
            time.sleep(10)
    return names


def page(client: Any, url: str) -> Callable[[], Any]:
    def get() -> Any:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        return response

    return get


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmups", type=int, default=2)
    parser.add_argument("--only", default="", help="comma-separated parts of item names to run")
    parser.add_argument("--manager", default="p01jingli", help="the project manager's login")
    parser.add_argument("--head-office", default="zongbu", help="the head office login")
    parser.add_argument("--no-pages", action="store_true", help="the functions only")
    parser.add_argument("--out", default="", help="result file (default bench/results/reports-<db>-<cases>.json)")
    parser.add_argument(
        "--explain", type=float, default=100.0, help="store the plan of the slowest statement of items slower (ms)"
    )
    parser.add_argument("--no-migrate", action="store_true", help="do not apply new migrations first")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    setup_django()

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from kefu.core.middleware import SESSION_KEY
    from kefu.org.models import Membership, User
    from kefu.tickets.models import Case

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    bench = Bench(args)
    applied = [] if args.no_migrate else migrate()
    cases = Case.objects.count()
    if not cases:
        print("no cases: run bench/generate.py first")
        return 2
    manager = User.objects.get(username=args.manager)
    head = User.objects.get(username=args.head_office)
    project = Membership.objects.get(user=manager, role="manager").project
    assert project is not None
    project_cases = Case.objects.filter(project=project).count()
    now = timezone.now()
    today = timezone.localdate(now)
    print(
        f"{connection.vendor}: {cases:,} cases; manager {manager.username} of {project.name} ({project_cases:,} cases)"
    )

    from kefu.reports.base import (
        Filters,
        day_period,
        month_period,
        quarter_period,
        week_period,
    )

    last_month = month_period(*(today.replace(day=1) - dt.timedelta(days=1)).timetuple()[:2])
    default_period = {
        "day": day_period(today),
        "week": week_period(today),
        "month": month_period(today.year, today.month),
        "quarter": quarter_period(today.year, (today.month - 1) // 3 + 1),
        "custom": month_period(today.year, today.month),
        "year": month_period(today.year, today.month),
    }
    who = [("manager", manager, project), ("head-office", head, None)]

    def fresh(user: User) -> User:
        """A user object without the per-request caches (memberships, access), as each request starts."""
        return User.objects.get(pk=user.pk)

    # The dashboard: the function ------------------------------------------------------------------------------
    try:
        from kefu.reports.dashboard import dashboard_figures
    except ImportError as exc:
        bench.skipped.append(f"dashboard function: kefu.reports.dashboard not importable ({exc})")
        dashboard_figures = None  # type: ignore[assignment]
    print("dashboard")
    if dashboard_figures is not None:
        for role, user, proj in who:
            bench.measure(
                f"dashboard_figures [{role}]",
                "dashboard",
                partial(lambda u, p: dashboard_figures(fresh(u), p, timezone.now()), user, proj),
                user=role,
                kind="function",
                target_ms=TARGET_MS["dashboard"],
            )

    # Clients, logged in, with the project chosen at the top of the console ---------------------------------------
    clients = {}
    if not args.no_pages:
        for role, user, proj in who:
            client = Client()
            client.force_login(user)
            session = client.session
            session[SESSION_KEY] = str(proj.pk) if proj is not None else "all"
            session.save()
            clients[role] = client
        for role, _user, _proj in who:
            bench.measure(
                f"GET / (dashboard page) [{role}]",
                "dashboard",
                page(clients[role], "/"),
                user=role,
                kind="page",
                target_ms=TARGET_MS["dashboard"],
            )

    # The reports -------------------------------------------------------------------------------------------------
    print("reports")
    try:
        from kefu.reports.registry import all_reports

        reports = all_reports()
    except Exception as exc:
        reports = {}
        bench.skipped.append(f"reports: registry not usable ({type(exc).__name__}: {exc})")
    for key in ("complaints-monthly", "monthly-tally", "quarterly-analysis", "trade-handling", "channel-load"):
        if key not in reports:
            bench.skipped.append(f"report {key}: not registered yet")
    for key in ("daily-tally", "weekly-summary"):
        if key not in reports:
            bench.skipped.append(f"report {key}: not registered yet")
    for key, r in reports.items():
        kind = r.periods[0]
        periods = [(kind, default_period[kind])]
        if key in MONTHLY_KEYS or (kind == "month" and key not in MONTHLY_KEYS):
            periods.append(("last-month", last_month))
        target = TARGET_MS["monthly"] if key in MONTHLY_KEYS else None
        for role, user, proj in who:
            for label, period in periods:
                f = Filters(period=period, project=proj)
                bench.measure(
                    f"{key}.build [{role}, {label}]",
                    "report",
                    partial(lambda r, u, f: r.build(fresh(u), f, timezone.now()), r, user, f),
                    user=role,
                    kind="function",
                    report=key,
                    period=f"{period.start}..{period.end}",
                    target_ms=target,
                )
            if args.no_pages:
                continue
            url = r.url
            sep = "&" if "?" in url else "?"
            bench.measure(
                f"GET {url} [{role}, {kind}]",
                "report",
                page(clients[role], url),
                user=role,
                kind="page",
                report=key,
                target_ms=target,
            )
            if kind == "month":
                q = f"{url}{sep}period=month&month={last_month.start:%Y-%m}"
                bench.measure(
                    f"GET {url} [{role}, last-month]",
                    "report",
                    page(clients[role], q),
                    user=role,
                    kind="page",
                    report=key,
                    target_ms=target,
                )

    # For reference: the case list and a case page ------------------------------------------------------------------
    if not args.no_pages:
        print("reference pages")
        for role, _user, _proj in who:
            bench.measure(
                f"GET /cases/?queue=all [{role}]", "reference", page(clients[role], "/cases/?queue=all"), user=role
            )
        number = (
            Case.objects.filter(project=project, status="closed", kind="repair")
            .order_by("-created_at")
            .values_list("number", flat=True)[100:101]
            .first()
        )
        if number:
            bench.measure(
                "GET /cases/<number>/ [manager]",
                "reference",
                page(clients["manager"], f"/cases/{number}/"),
                user="manager",
            )

    # The result file ----------------------------------------------------------------------------------------------
    misses = [i for i in bench.items if i.get("meets_target") is False]
    out = {
        "what": "bench/run_reports.py",
        "when": timezone.localtime().isoformat(timespec="seconds"),
        "cases": cases,
        "manager_project_cases": project_cases,
        "database": db_description(),
        "machine": machine(),
        "runs": args.runs,
        "warmups": args.warmups,
        "targets_ms": TARGET_MS,
        "migrations_applied": applied,
        "items": bench.items,
        "skipped": bench.skipped,
        "misses": [i["name"] for i in misses],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = Path(args.out) if args.out else RESULTS / f"reports-{connection.vendor}-{cases}.json"
    if args.only and not args.out:
        path = path.with_name(path.stem + "-partial.json")
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str) + "\n")
    print(f"wrote {path}")
    for note in bench.skipped:
        print(f"skipped: {note}")
    for i in misses:
        print(f"MISS: {i['name']}: median {i['median_ms']} ms, p95 {i['p95_ms']} ms (target {i['target_ms']} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
