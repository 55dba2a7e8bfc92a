#!/usr/bin/env python
"""Kefu against django-helpdesk: a markdown table of the paired items of two result files, with their ratios.

    .venv/bin/python bench/compare.py                                   # every pair in bench/results
    .venv/bin/python bench/compare.py --db sqlite --cases 100000        # one pair
    .venv/bin/python bench/compare.py bench/results/app-sqlite-100000.json bench/results/peer-sqlite-100000.json

Reads ``app-<db>-<n>.json`` (bench/run_app.py) and ``peer-<db>-<n>.json`` (bench/peer/run_peer.py). Every
ratio reads "how many times better Kefu is": the peer's time over Kefu's (medians), Kefu's rate over the
peer's, the peer's memory over Kefu's. A peer request that timed out gives "> timeout / Kefu". Standard
library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

# (row label, Kefu item(s) in order of preference, peer item, what is compared)
PAIRS: list[tuple[str, tuple[str, ...], str, str]] = [
    ("no-op view (the floor)", ("noop",), "noop", "ms"),
    ("intake, 1 client", ("intake[c=1]",), "intake[c=1]", "rate"),
    ("intake, 4 clients", ("intake[c=4]",), "intake[c=4]", "rate"),
    ("intake, 16 clients", ("intake[c=16]",), "intake[c=16]", "rate"),
    ("intake, best of 1/4/16", ("intake[best]",), "intake[best]", "rate"),
    ("ticket list, 25 rows: /cases/ vs list JSON", ("queue-list",), "list-json", "ms"),
    ("ticket list, every status", ("queue-list[all, agent]", "queue-list[all, head-office]"), "list-json[all]", "ms"),
    ("API list: /api/v1/cases/ vs /api/tickets/", ("queue-list-api",), "api-list", "ms"),
    ("dashboard (all projects / queues)", ("dashboard[head-office]", "dashboard"), "dashboard", "ms"),
    ("dashboard (Kefu: one project's manager)", ("dashboard",), "dashboard", "ms"),
    ("search 漏水 (common)", ("search[漏水, head-office]", "search[漏水]"), "search[漏水]", "ms"),
    ("search 杂物 (rare)", ("search[杂物, head-office]", "search[杂物]"), "search[杂物]", "ms"),
    (
        "search 卫生间 漏水 (two words)",
        ("search[卫生间 漏水, head-office]", "search[卫生间 漏水]"),
        "search[卫生间 漏水]",
        "ms",
    ),
    ("web process peak RSS", ("memory",), "memory", "mb"),
]


def _best_intake(items: dict[str, Any]) -> dict[str, Any] | None:
    rates = [(v["rate_per_s"], k) for k, v in items.items() if k.startswith("intake[c=") and "rate_per_s" in v]
    if not rates:
        return None
    _rate, key = max(rates)
    return {**items[key], "best_of": key}


def _item(items: dict[str, Any], names: Sequence[str]) -> tuple[str | None, dict[str, Any] | None]:
    for name in names:
        if name == "intake[best]":
            best = _best_intake(items)
            if best is not None:
                return name, best
        elif name in items and "error" not in items[name]:
            return name, items[name]
    return None, None


def _ms(v: dict[str, Any]) -> str:
    if v.get("timeout"):
        return f"> {v['timeout_s']:.0f} s (timeout)"
    capped = "*" if v.get("capped") else ""
    return f"{_num(v['median_ms'])} / {_num(v['p95_ms'])} ms{capped}"


def _num(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def _ratio(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}×"
    if x >= 10:
        return f"{x:.0f}×"
    return f"{x:.1f}×"


def row(label: str, kind: str, k: dict[str, Any], p: dict[str, Any]) -> tuple[str, str, str, str]:
    if kind == "rate":
        kr, pr = k["rate_per_s"], p["rate_per_s"]
        ks = f"{kr:,.1f}/s (p95 {_num(k['p95_ms'])} ms)"
        ps = f"{pr:,.1f}/s (p95 {_num(p['p95_ms'])} ms)"
        ratio = _ratio(kr / pr) if pr else "∞"
        return label, ks, ps, ratio
    if kind == "mb":
        km, pm = k.get("web_peak_rss_mb"), p.get("web_peak_rss_mb")
        if km is None or pm is None:
            return label, str(km), str(pm), ""
        return label, f"{km:.0f} MB", f"{pm:.0f} MB", _ratio(pm / km)
    km = k["median_ms"]
    if p.get("timeout"):
        return label, _ms(k), _ms(p), f"> {_ratio(p['timeout_s'] * 1000 / km)}"
    return label, _ms(k), _ms(p), _ratio(p["median_ms"] / km) if km else ""


def table(app: dict[str, Any], peer: dict[str, Any]) -> str:
    ka, pa = app.get("items", {}), peer.get("items", {})
    db = app.get("database", {}).get("vendor", "?")
    n = app.get("cases", 0)
    versions = peer.get("versions", {})
    lines = [
        f"Kefu ({n:,} cases) and django-helpdesk {versions.get('django-helpdesk', '?')} "
        f"({peer.get('tickets', 0):,} tickets), {db}, {app.get('when', '?')} / {peer.get('when', '?')}",
        "",
        "| item | Kefu median / p95 | django-helpdesk median / p95 | Kefu better by |",
        "| --- | --- | --- | --- |",
    ]
    shown: set[tuple[str | None, str]] = set()
    for label, knames, pname, kind in PAIRS:
        kname, k = _item(ka, knames)
        _pn, p = _item(pa, (pname,))
        if k is None or p is None or (kname, pname) in shown:
            continue
        shown.add((kname, pname))
        if kname and kname != knames[0] and kind != "rate":
            label += f" (Kefu: {kname})"
        cells = row(label, kind, k, p)
        lines.append("| " + " | ".join(cells) + " |")
    notes = [
        "",
        "Ratios: the peer's time over Kefu's (medians), Kefu's rate over the peer's, the peer's RSS over Kefu's.",
    ]
    if any(v.get("capped") for v in pa.values() if isinstance(v, dict)):
        notes.append("\\* capped: a page slower than the runner's --slow-ms was timed fewer times (see the JSON).")
    if "search[卫生间 漏水]" in pa:
        m = pa["search[卫生间 漏水]"].get("matches")
        if m is not None:
            notes.append(f"helpdesk looks for the two words as one string, space included ({m:,} matches).")
    return "\n".join(lines + notes)


def nominal(n: int) -> int:
    """10,001 -> 10,000: the data set's size in two significant digits (as side_by_side.py names the peer's)."""
    return round(n, 2 - len(str(n)))


def pairs_in(results: Path) -> list[tuple[Path, Path]]:
    found = []
    for app in sorted(results.glob("app-*.json")):
        m = re.fullmatch(r"app-(\w+)-(\d+)(-partial)?\.json", app.name)
        if not m:
            continue
        db, n, partial = m.group(1), int(m.group(2)), m.group(3) or ""
        candidates = [f"peer-{db}-{k}{p}.json" for k in (n, nominal(n)) for p in dict.fromkeys((partial, ""))]
        peer = next((results / c for c in candidates if (results / c).exists()), None)
        if peer is not None:
            found.append((app, peer))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", help="APP.json PEER.json (default: every pair in bench/results)")
    parser.add_argument("--db", default="", help="sqlite or postgresql")
    parser.add_argument("--cases", type=int, default=0)
    parser.add_argument("--results", default=str(RESULTS))
    args = parser.parse_args(argv)
    if args.files:
        if len(args.files) != 2:
            parser.error("give two files: the app's and the peer's")
        pairs = [(Path(args.files[0]), Path(args.files[1]))]
    else:
        pairs = [
            (a, p)
            for a, p in pairs_in(Path(args.results))
            if (not args.db or a.name.startswith(f"app-{args.db}-"))
            and (not args.cases or re.match(rf"app-\w+-{args.cases}(-partial)?\.json$", a.name))
        ]
    if not pairs:
        print("no pair of app-<db>-<n>.json and peer-<db>-<n>.json found", file=sys.stderr)
        return 1
    for i, (a, p) in enumerate(pairs):
        if i:
            print()
        print(f"<!-- {a.name} vs {p.name} -->")
        print(table(json.loads(a.read_text()), json.loads(p.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
