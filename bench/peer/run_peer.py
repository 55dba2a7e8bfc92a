"""The peer's half of the side-by-side benchmark: django-helpdesk 2.6.1 through gunicorn, measured like Kefu.

    bench/peer/.venv/bin/python bench/peer/run_peer.py --tickets 100000            # SQLite var/helpdesk-100000
    bench/peer/.venv/bin/python bench/peer/run_peer.py --tickets 100000 \\
        --database-url postgres://postgres@127.0.0.1:55432/peer_100k
    ... --only list-json,dashboard --runs 5                                        # a part

The data set comes from load.py. With bench/httpbench.py, as bench/run_app.py measures Kefu: ``gunicorn
peerdesk.wsgi:application`` with --workers sync workers (default 2) on 127.0.0.1:--port, logged in through
helpdesk's login form as the agent ``p01kefu1`` (a staff user: helpdesk shows staff every queue). Items, each
--warmups untimed then --runs timed sequential GETs, and their nearest Kefu equivalents:

- ``noop``, ``noop[logged-in]``: /bench/noop/, a plain view (Kefu: the same).
- ``list-page``: /tickets/, the ticket list page, an HTML shell whose table is filled by
- ``list-json``: the DataTables JSON it calls (/datatables_ticket_list/<query>, 25 rows, default query: open
  and reopened tickets by creation date) (Kefu: ``queue-list``, the /cases/ page with its 25 rows);
  ``list-json[all]`` with every status (Kefu: ``queue-list[all, agent]``).
- ``api-list``: /api/tickets/ with the agent's token (Kefu: ``queue-list-api``). helpdesk's viewset calls
  ``set_custom_field_values()`` on every ticket before paginating, so it grows with the table.
- ``dashboard``: /dashboard/ (Kefu: ``dashboard``, /).
- ``search[<word>]``: the DataTables JSON of the list page for ?q=<word> (helpdesk searches with
  ``icontains`` over title, description, resolution, e-mails... and splits on "OR", not on spaces)
  (Kefu: ``search[<word>]``, /cases/?q=); the number of matches is recorded.
- ``intake[c=1|4|16]``: POST /api/tickets/ (JSON, token) with wrk, every body different, the kinds and
  texts of run_app.py's mix in the largest queue, --duration seconds after --warmup seconds (Kefu: the same
  on /api/v1/cases/). helpdesk renders its e-mails in the request (to Django's dummy backend).
  The tickets created are deleted afterwards, so the data set keeps its N tickets.
- ``memory``: VmRSS, VmHWM and PSS of the gunicorn workers during the run (helpdesk has no task worker).

Slow pages are capped: a first request (timeout --timeout seconds, gunicorn's own --timeout a little more)
decides; over --slow-ms it is measured --slow-runs times with no more warm-ups, and a request that times out
is recorded as ``{"timeout": true}``. Results: bench/results/peer-<vendor>-<tickets>.json (``-partial`` with
--only).
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import re
import sys
import tempfile
import time
import traceback
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench import httpbench as hb  # noqa: E402
from bench.peer import peerlib  # noqa: E402

PASSWORD = "kefu2026!"  # noqa: S105 - the loader's staff logins
SEARCH_WORDS = ("漏水", "杂物", "卫生间 漏水")  # as run_app.py: common, rare, two words


def intake_mix() -> list[tuple[str, int, str, list[str]]]:
    """run_app.py's INTAKE_MIX (kind, share, channel, texts), read from its source without importing it."""
    source = (ROOT / "bench" / "run_app.py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, value = node.target.id, node.value
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name, value = node.targets[0].id, node.value
        else:
            continue
        if name == "INTAKE_MIX" and value is not None:
            return list(ast.literal_eval(value))
    raise SystemExit("bench/run_app.py has no INTAKE_MIX")


class Results:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.items: dict[str, dict[str, Any]] = {}
        self.skipped: list[str] = []

    def wanted(self, name: str) -> bool:
        only = [o.strip() for o in (self.args.only or "").split(",") if o.strip()]
        return not only or any(o in name for o in only)

    def add(self, name: str, item: dict[str, Any]) -> None:
        self.items[name] = item
        if item.get("timeout"):
            line = f"timeout after {item['timeout_s']} s"
        elif "rate_per_s" in item:
            line = (
                f"{item['rate_per_s']:8.1f}/s  p50 {item['p50_ms']:7.1f}  p95 {item['p95_ms']:7.1f}  "
                f"p99 {item['p99_ms']:7.1f} ms  {item['requests']} requests  {item['errors']} errors"
            )
        else:
            line = f"median {item['median_ms']:9.1f}  p95 {item['p95_ms']:9.1f} ms  ({item['runs']} runs)"
            if "matches" in item:
                line += f"  {item['matches']:,} matches"
        print(f"  {name:<36} {line}", flush=True)

    def fail(self, name: str, exc: BaseException) -> None:
        self.items[name] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"  {name:<36} FAILED {type(exc).__name__}: {exc}", flush=True)
        if self.args.verbose:
            traceback.print_exc()


def timed_get(args: argparse.Namespace, url: str, headers: dict[str, str] | None) -> dict[str, Any]:
    """time_get with a cap: a probe first; a slow page gets --slow-runs runs, a page past --timeout none."""
    t = time.perf_counter()
    try:
        status, _h, body = hb.http_request("GET", url, headers=headers, timeout_s=args.timeout)
    except TimeoutError:
        return {"timeout": True, "timeout_s": args.timeout, "runs": 0}
    probe_ms = (time.perf_counter() - t) * 1000
    if status != 200:
        raise hb.HttpError(f"GET {url} answered {status}: {body[:300]!r}")
    if probe_ms > args.slow_ms:
        runs, warmups, capped = args.slow_runs, 0, True
    else:
        runs, warmups, capped = args.runs, max(0, args.warmups - 1), False
    try:
        r = hb.time_get(url, headers=headers, runs=runs, warmups=warmups, timeout_s=args.timeout)
    except TimeoutError:
        return {"timeout": True, "timeout_s": args.timeout, "runs": 0, "probe_ms": round(probe_ms, 1)}
    r.pop("times_ms", None)
    if capped:
        r["capped"] = f"first request {probe_ms / 1000:.1f} s > {args.slow_ms / 1000:.0f} s: {runs} runs, no warm-up"
    return r


def http_item(
    res: Results,
    args: argparse.Namespace,
    name: str,
    base: str,
    path: str,
    headers: dict[str, str] | None,
    role: str = "agent",
    **info: Any,
) -> dict[str, Any] | None:
    if not res.wanted(name):
        return None
    try:
        r = timed_get(args, base + path, headers)
    except Exception as exc:
        res.fail(name, exc)
        return None
    item = {"url": path, "role": role, **r, **info}
    res.add(name, item)
    return item


def datatables_path(base: str, page: str, headers: dict[str, str], timeout: float) -> str:
    """The DataTables URL the ticket list page at `page` calls (as the browser would, first page of 25)."""
    status, _h, body = hb.http_request("GET", base + page, headers=headers, timeout_s=timeout)
    if status != 200:
        raise hb.HttpError(f"GET {page} answered {status}")
    m = re.search(r'"url":\s*"(/datatables_ticket_list/[^"]+)"', body.decode())
    if not m:
        raise hb.HttpError(f"GET {page}: no DataTables URL in the page")
    return m.group(1) + "?draw=1&start=0&length=25&search%5Bvalue%5D=&search%5Bregex%5D=false"


def count_matches(base: str, path: str, headers: dict[str, str], timeout: float) -> int | None:
    try:
        status, _h, body = hb.http_request("GET", base + path, headers=headers, timeout_s=timeout)
    except TimeoutError:
        return None
    return int(json.loads(body)["recordsFiltered"]) if status == 200 else None


def reads(res: Results, args: argparse.Namespace, base: str, cookie: str, token: str) -> None:
    auth = {"Cookie": cookie}
    http_item(res, args, "noop", base, "/bench/noop/", None, role="anonymous")
    http_item(res, args, "noop[logged-in]", base, "/bench/noop/", auth)
    http_item(res, args, "list-page", base, "/tickets/", auth)
    if res.wanted("list-json"):
        try:
            path = datatables_path(base, "/tickets/", auth, args.timeout)
            all_path = datatables_path(base, "/tickets/?status=1&status=2&status=3&status=4&status=5", auth, 60)
        except Exception as exc:
            res.fail("list-json", exc)
        else:
            http_item(res, args, "list-json", base, path, auth, query="open and reopened, by creation date")
            http_item(res, args, "list-json[all]", base, all_path, auth, query="every status, by creation date")
    http_item(res, args, "api-list", base, "/api/tickets/", {"Authorization": f"Token {token}"}, auth="token")
    http_item(res, args, "dashboard", base, "/dashboard/", auth)
    for word in SEARCH_WORDS:
        name = f"search[{word}]"
        if not res.wanted(name):
            continue
        page = "/tickets/?" + urllib.parse.urlencode({"q": word})
        try:
            path = datatables_path(base, page, auth, args.timeout)
        except Exception as exc:
            res.fail(name, exc)
            continue
        item = http_item(res, args, name, base, path, auth, page=page)
        if item is not None and not item.get("timeout"):
            item["matches"] = count_matches(base, path, auth, args.timeout)
            print(f"  {'':<36} {item['matches']} matches", flush=True)


def intake_bodies(queue_id: int) -> list[str]:
    """About 100 bodies in run_app.py's proportions and texts; "{n}" makes each request different."""
    bodies = []
    i = 0
    for _kind, share, _channel, texts in intake_mix():
        for j in range(share):
            text = texts[j % len(texts)]
            body = {
                "queue": queue_id,
                "title": text[:12],
                "description": f"{text}（来电记录 {{n}}）",
                "submitter_email": f"yz01{i:05d}@yezhu.example.cn",
                "priority": 3,
            }
            bodies.append(json.dumps(body, ensure_ascii=False))
            i += 1
    return [bodies[(k * 37) % len(bodies)] for k in range(len(bodies))]


def intake(res: Results, args: argparse.Namespace, base: str, token: str, queue_id: int) -> None:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    bodies = intake_bodies(queue_id)
    for c in [int(c) for c in args.clients.split(",") if c.strip()]:
        name = f"intake[c={c}]"
        if not res.wanted(name):
            continue
        try:
            r = hb.wrk_post(
                base + "/api/tickets/",
                body_template=bodies,
                headers=headers,
                clients=c,
                duration_s=args.duration,
                threads=min(c, args.wrk_threads),
                warmup_s=args.warmup,
            )
        except Exception as exc:
            res.fail(name, exc)
            continue
        r.update(url="/api/tickets/", role="agent", auth="token", method="POST", status=201, warmup_s=args.warmup)
        res.add(name, r)


def web_memory(peaks: dict[int, dict[str, Any]], master: int) -> dict[str, Any]:
    workers = {p: v for p, v in peaks.items() if p != master}
    return {
        "web_peak_rss_mb": max((v["rss_mb"] for v in workers.values()), default=None),
        "web_peak_hwm_mb": max((v["hwm_mb"] for v in workers.values()), default=None),
        "web_peak_pss_mb": max((v["pss_mb"] for v in workers.values()), default=None),
        "worker_peak_rss_mb": None,
        "detail": {"master": peaks.get(master), "workers": list(workers.values())},
        "note": "gunicorn workers (workers killed by the timeout and respawned included); rss/pss: the largest "
        "of samples every 0.5 s; hwm: the kernel's peak RSS. helpdesk has no task worker: it sends its mail "
        "in the request.",
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, required=True, help="the data set (load.py --tickets)")
    parser.add_argument("--database-url", default=None, help="PostgreSQL (default: SQLite in bench/peer/var)")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per item")
    parser.add_argument("--warmups", type=int, default=2)
    parser.add_argument("--only", default="", help="comma-separated parts of item names to run")
    parser.add_argument("--clients", default="1,4,16", help="intake: wrk connections, one run each")
    parser.add_argument("--duration", type=int, default=20, help="intake: seconds per client count")
    parser.add_argument("--warmup", type=int, default=3, help="intake: seconds of the same load before each run")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--skip-intake", action="store_true")
    parser.add_argument("--timeout", type=float, default=60, help="seconds a request may take (then: timeout)")
    parser.add_argument("--slow-ms", type=float, default=5000, help="a page slower than this gets --slow-runs")
    parser.add_argument("--slow-runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=8200)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--agent", default="p01kefu1")
    parser.add_argument("--log-dir", default=tempfile.gettempdir(), help="the gunicorn log")
    parser.add_argument("--out", default="", help="result file (default bench/results/peer-<db>-<tickets>.json)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)

    peerlib.setup_django(args.tickets, args.database_url)
    from django.contrib.auth.models import User
    from django.db import connection
    from helpdesk.models import Queue, Ticket
    from rest_framework.authtoken.models import Token

    from bench.common import db_description, machine

    tickets = Ticket.objects.count()
    if tickets < args.tickets:
        print(f"{tickets:,} tickets: load the data set first (bench/peer/load.py --tickets {args.tickets})")
        return 2
    vendor = str(connection.vendor)
    token = Token.objects.get_or_create(user_id=User.objects.get(username=args.agent).pk)[0].key
    queue = Queue.objects.get(slug="p01")
    last_id = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0
    database = db_description()
    connection.close()
    print(f"{vendor}: {tickets:,} tickets; django-helpdesk {peerlib.versions().get('django-helpdesk')}", flush=True)

    res = Results(args)
    log = Path(args.log_dir) / f"peer-gunicorn-{args.port}.log"
    server = hb.Gunicorn(
        python=str(peerlib.VENV_PYTHON),
        wsgi_app="peerdesk.wsgi:application",
        cwd=str(peerlib.PEER_DIR),
        env=peerlib.dataset_env(args.tickets, args.database_url),
        port=args.port,
        workers=args.workers,
        extra_args=["--timeout", str(int(args.timeout) + 5), "--log-level", "warning"],
        health_path="/bench/noop/",
        log_path=log,
    )
    print(f"gunicorn --workers {args.workers} on 127.0.0.1:{args.port} (log {log})", flush=True)
    started = time.monotonic()
    memory: dict[str, Any] = {}
    created = 0
    try:
        with server as g:
            master = g.pids()[0]
            sampler = hb.MemorySampler(g.pids, interval=0.5).start()
            try:
                cookie = hb.django_login(g.base_url, "/login/", args.agent, PASSWORD)
                reads(res, args, g.base_url, cookie, token)
                if not args.skip_intake:
                    intake(res, args, g.base_url, token, queue.pk)
            finally:
                sampler.stop()
            memory = web_memory(sampler.peaks(), master)
    finally:
        # The data set keeps its N tickets: what intake created goes again.
        new = Ticket.objects.filter(id__gt=last_id)
        created = new.count()
        if created:
            new.delete()
            print(f"  deleted the {created:,} tickets intake created", flush=True)
        connection.close()
    if memory.get("web_peak_rss_mb") is not None:
        res.items["memory"] = memory
        print(
            f"  {'memory':<36} web peak RSS {memory['web_peak_rss_mb']} MB, PSS {memory['web_peak_pss_mb']} MB, "
            f"HWM {memory['web_peak_hwm_mb']} MB",
            flush=True,
        )
    ok = sum(i.get("ok", 0) for k, i in res.items.items() if k.startswith("intake[c="))
    if ok:
        res.items["intake-check"] = {"tickets_created": created, "ok_measured": ok, "with_warmups": bool(args.warmup)}

    now = dt.datetime.now(dt.UTC)
    report = {
        "kind": "peer",
        "peer": "django-helpdesk",
        "tickets": args.tickets,
        "cases": args.tickets,
        "database": database,
        "machine": machine(),
        "versions": peerlib.versions(),
        "when": now.isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started, 1),
        "settings": {
            "workers": args.workers,
            "runs": args.runs,
            "warmups": args.warmups,
            "clients": args.clients,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "request_timeout_s": args.timeout,
            "gunicorn_timeout_s": int(args.timeout) + 5,
            "slow_ms": args.slow_ms,
            "slow_runs": args.slow_runs,
            "agent": args.agent,
            "only": args.only or None,
        },
        "caps": "a page whose first request takes over slow_ms is timed slow_runs times without further warm-up; "
        "a request over request_timeout_s is recorded as a timeout (gunicorn then kills that worker)",
        "items": res.items,
        "skipped": res.skipped,
    }
    suffix = "-partial" if args.only else ""
    out = Path(args.out) if args.out else peerlib.RESULTS / f"peer-{vendor}-{args.tickets}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {out}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
