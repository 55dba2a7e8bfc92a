#!/usr/bin/env python
"""Markdown tables from the result files of run_reports.py and run_app.py (for docs/performance.md).

    .venv/bin/python bench/tables.py [--all] [bench/results/reports-*.json ...]
    .venv/bin/python bench/tables.py --app [--all] [bench/results/app-*.json ...]

One row per measured item, one column per database and size: "median / p95 ms (queries)". Without --all, the
items of the targets and the reference pages only. With --app, the application benchmark: the same for the
HTTP and in-process items, cases/s (p50 / p95 ms) for intake, and the peak memory of the processes; ✗ marks a
missed target of issue 8 (APP_TARGETS_MS: the p95; intake: the best client count under 350 cases/s; a web
process's peak RSS at 150 MB or more).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
KEY_ITEMS = (
    "dashboard_figures",
    "GET / (dashboard page)",
    "complaints-monthly",
    "monthly-tally",
    "GET /cases/",
)


sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Issue 8's targets (an item's p95 in ms by the item's base name; intake cases/s), as bench/run_app.py marks them.
from bench.run_app import INTAKE_TARGET_PER_S as APP_INTAKE_PER_S  # noqa: E402
from bench.run_app import TARGETS_MS as APP_TARGETS_MS  # noqa: E402

APP_WEB_MB = 150
APP_KEY_ITEMS = (
    "noop",
    "intake[c=1]",
    "intake[c=4]",
    "intake[c=16]",
    "queue-list",
    "queue-list[all, manager]",
    "queue-list[all, head-office]",
    "queue-list-api",
    "case-page",
    "search[漏水]",
    "search[杂物]",
    "search[卫生间 漏水]",
    "search[漏水, head-office]",
    "dashboard",
    "dashboard[head-office]",
    "monthly-report",
    "monthly-report[head-office]",
    "monthly-report[tally]",
    "monthly-report[tally, head-office]",
    "reconcile-day",
    "reconcile-day[all projects]",
    "sla-sweep",
    "sla-sweep[steady]",
)
APP_MEMORY_ROWS = (
    ("web process, peak RSS (MB)", "web_peak_rss_mb", APP_WEB_MB),
    ("web process, peak PSS (MB)", "web_peak_pss_mb", None),
    ("web process, peak with logins (MB)", "web_login_hwm_mb", None),
    ("db_worker, peak RSS (MB)", "worker_peak_rss_mb", None),
    ("scheduler round, peak RSS (MB)", "scheduler_peak_hwm_mb", None),
)


def size_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return f"{n:,}"


def load(paths: list[Path]) -> list[dict[str, Any]]:
    runs = []
    for p in paths:
        data = json.loads(p.read_text())
        if data.get("what") != "bench/run_reports.py":
            continue
        data["label"] = f"{data['database']['vendor']} {size_label(data['cases'])}"
        runs.append(data)
    order = {"sqlite": 0, "postgresql": 1}
    runs.sort(key=lambda d: (order.get(d["database"]["vendor"], 9), d["cases"]))
    return runs


def table(runs: list[dict[str, Any]], everything: bool) -> str:
    names: list[str] = []
    for run in runs:
        for item in run["items"]:
            if item["name"] not in names and (everything or any(k in item["name"] for k in KEY_ITEMS)):
                names.append(item["name"])
    head = "| item | " + " | ".join(r["label"] for r in runs) + " |"
    lines = [head, "| --- |" + " --- |" * len(runs)]
    for name in names:
        cells = []
        for run in runs:
            item = next((i for i in run["items"] if i["name"] == name), None)
            if item is None:
                cells.append("")
                continue
            mark = " ✗" if item.get("meets_target") is False else ""
            cells.append(f"{item['median_ms']:.0f} / {item['p95_ms']:.0f} ({item['queries']}){mark}")
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def nominal_label(n: int) -> str:
    """The data set's nominal size (10k for 10,242 cases: a data set after some intake), else the count."""
    for base in (10_000, 100_000, 1_000_000, 10_000_000):
        if abs(n - base) <= base * 0.05:
            return size_label(base)
    return size_label(n)


def load_app(paths: list[Path]) -> list[dict[str, Any]]:
    runs = []
    for p in paths:
        data = json.loads(p.read_text())
        if data.get("kind") != "app":
            continue
        data["label"] = f"{data['database']['vendor']} {nominal_label(data['cases'])}"
        runs.append(data)
    order = {"sqlite": 0, "postgresql": 1}
    runs.sort(key=lambda d: (order.get(d["database"]["vendor"], 9), d["cases"]))
    return runs


def app_cell(name: str, item: dict[str, Any], best_rate: float | None) -> str:
    if "rate_per_s" in item:
        mark = ""
        if best_rate is not None and item["rate_per_s"] == best_rate and best_rate < APP_INTAKE_PER_S:
            mark = " ✗"
        errors = f", {item['errors']} errors" if item.get("errors") else ""
        return f"{item['rate_per_s']:.0f}/s ({item['p50_ms']:.0f} / {item['p95_ms']:.0f}{errors}){mark}"
    target = APP_TARGETS_MS.get(name.split("[", 1)[0])
    mark = " ✗" if target is not None and item["p95_ms"] >= target else ""
    queries = f" ({item['queries']})" if item.get("queries") is not None else ""
    return f"{item['median_ms']:.0f} / {item['p95_ms']:.0f}{queries}{mark}"


def app_table(runs: list[dict[str, Any]], everything: bool) -> str:
    names: list[str] = []
    for run in runs:
        for name, item in run["items"].items():
            if name in names or ("median_ms" not in item and "rate_per_s" not in item):
                continue
            if everything or name in APP_KEY_ITEMS:
                names.append(name)
    if not everything:
        names.sort(key=APP_KEY_ITEMS.index)
    lines = ["| item | " + " | ".join(r["label"] for r in runs) + " |", "| --- |" + " --- |" * len(runs)]
    for name in names:
        cells = []
        for run in runs:
            item = run["items"].get(name)
            cells.append("" if item is None else app_cell(name, item, run.get("intake_best_per_s")))
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    for label, key, limit in APP_MEMORY_ROWS:
        cells = []
        for run in runs:
            value = run["items"].get("memory", {}).get(key)
            mark = " ✗" if limit is not None and value is not None and value >= limit else ""
            cells.append("" if value is None else f"{value:.0f}{mark}")
        if any(cells):
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*")
    parser.add_argument("--all", action="store_true", help="every item, not only the key ones")
    parser.add_argument("--app", action="store_true", help="the application benchmark (app-*.json)")
    args = parser.parse_args(argv)
    if args.app:
        app_paths = [Path(f) for f in args.files] or sorted(RESULTS.glob("app-*.json"))
        app_runs = load_app([p for p in app_paths if not p.name.endswith("-partial.json")])
        if not app_runs:
            print("no app result files", file=sys.stderr)
            return 1
        print(app_table(app_runs, args.all))
        return 0
    paths = [Path(f) for f in args.files] or sorted(RESULTS.glob("reports-*.json"))
    paths = [p for p in paths if not p.name.endswith("-partial.json")]
    runs = load(paths)
    if not runs:
        print("no result files", file=sys.stderr)
        return 1
    print(table(runs, args.all))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
