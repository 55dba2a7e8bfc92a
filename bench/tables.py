#!/usr/bin/env python
"""Markdown tables from the result files of run_reports.py (for docs/performance.md).

    .venv/bin/python bench/tables.py [--all] [bench/results/reports-*.json ...]

One row per measured item, one column per database and size: "median / p95 ms (queries)". Without --all, the
items of the targets and the reference pages only.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*")
    parser.add_argument("--all", action="store_true", help="every item, not only the key ones")
    args = parser.parse_args(argv)
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
