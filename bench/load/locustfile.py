"""A busy service centre as a locust load: run by bench/load/run.py (which writes the fixtures and reads the
results), or by hand:

    KEFU_LOAD_FIXTURES=/tmp/kefu-load-short/fixtures.json KEFU_LOAD_RATE=50 \\
        .venv/bin/locust -f bench/load/locustfile.py --headless --host http://127.0.0.1:8302 -u 25 -r 25 -t 60s

The mix, per 100 requests: 30 case intakes through the API (the dominant write: phone agents and integrated
call-centre software), 12 queue lists (HTML, 25 rows) and 8 through the API, 20 case pages, 8 Chinese searches,
6 dashboards (agents and managers), 2 reports (the monthly complaint report and the monthly tally, as managers),
and 14 portal pages (residents: home, notices, FAQ, their own case).

Constant total throughput: each of N users runs one request every N/rate seconds (locust's
constant_throughput), so the rate holds as long as responses are faster than that; run.py gives enough users.
Every request carries X-Forwarded-Proto: https, as nginx would (KEFU_PRODUCTION=1 behind a TLS proxy).

Environment: KEFU_LOAD_FIXTURES (JSON from run.py's prepare), KEFU_LOAD_RATE (total requests/s), KEFU_LOAD_USERS
(the -u given, to share the rate), KEFU_LOAD_WARMUP (seconds not counted), KEFU_LOAD_OUT (result JSON).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid
from typing import Any

import gevent
from locust import FastHttpUser, constant_throughput, events, task
from locust.env import Environment

FIXTURES: dict[str, Any] = json.loads(open(os.environ["KEFU_LOAD_FIXTURES"]).read())  # noqa: SIM115
RATE = float(os.environ.get("KEFU_LOAD_RATE", "50"))
USERS = max(1, int(os.environ.get("KEFU_LOAD_USERS", "25")))
WARMUP = float(os.environ.get("KEFU_LOAD_WARMUP", "0"))
OUT = os.environ.get("KEFU_LOAD_OUT", "")
SEED = int(os.environ.get("KEFU_LOAD_SEED", "6"))

KINDS = [
    ("repair", 55),
    ("consultation", 14),
    ("complaint", 10),
    ("special_service", 7),
    ("help", 6),
    ("suggestion", 4),
]
CHANNELS = [("phone", 60), ("wechat", 15), ("walk_in", 10), ("portal", 8), ("device", 4), ("email", 3)]
TEXTS = [
    "卫生间天花板漏水，楼上可能水管破裂，请尽快上门查看",
    "电梯运行时有异响，轿厢晃动明显，请安排检修",
    "楼道灯不亮已经三天了，晚上出入很不方便",
    "地下车库有陌生车辆长期占用我的车位",
    "楼上装修噪音太大，中午和晚上都在施工",
    "厨房下水道堵塞，水排不下去",
    "小区绿化带有积水，蚊虫很多，请处理",
    "想咨询物业费的缴费方式和发票开具",
    "家里门禁卡失灵，无法进入单元门",
    "空调外机漏水滴到楼下阳台",
]
SEARCH_WORDS = ["漏水", "电梯", "噪音", "停车", "物业费", "门禁", "空调", "堵塞"]
HTTPS = {"X-Forwarded-Proto": "https"}

# The figures: every response time after the warm-up, per request type; errors with a sample of each.
_started = time.monotonic()
_times: dict[str, list[float]] = {}
_errors: dict[str, int] = {}
_error_samples: dict[str, str] = {}
_timeline: list[dict[str, Any]] = []
_counter = itertools.count()


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


@events.request.add_listener
def _on_request(request_type: str, name: str, response_time: float, exception: Any, **kw: Any) -> None:
    if time.monotonic() - _started < WARMUP:
        return
    _times.setdefault(name, []).append(response_time)
    if exception is not None:
        _errors[name] = _errors.get(name, 0) + 1
        _error_samples.setdefault(f"{name}: {str(exception)[:120]}", name)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return round(s[min(len(s) - 1, int(q * len(s)))], 1)


def _every_10s(environment: Environment) -> None:
    """Requests and errors per 10 s, to see that the rate holds and nothing degrades over the run."""
    last_n, last_e = 0, 0
    while True:
        gevent.sleep(10)
        n = sum(len(v) for v in _times.values())
        e = sum(_errors.values())
        _timeline.append({"t_s": round(time.monotonic() - _started), "requests": n - last_n, "errors": e - last_e})
        last_n, last_e = n, e


@events.test_start.add_listener
def _on_start(environment: Environment, **kw: Any) -> None:
    global _started
    _started = time.monotonic()
    gevent.spawn(_every_10s, environment)


@events.quitting.add_listener
def _on_quit(environment: Environment, **kw: Any) -> None:
    if not OUT:
        return
    elapsed = max(1e-9, time.monotonic() - _started - WARMUP)
    items = {}
    for name, values in sorted(_times.items()):
        items[name] = {
            "requests": len(values),
            "rate_per_s": round(len(values) / elapsed, 2),
            "p50_ms": _pct(values, 0.50),
            "p95_ms": _pct(values, 0.95),
            "p99_ms": _pct(values, 0.99),
            "max_ms": round(max(values), 1),
            "errors": _errors.get(name, 0),
        }
    every = [v for values in _times.values() for v in values]
    total = {
        "requests": len(every),
        "rate_per_s": round(len(every) / elapsed, 2),
        "errors": sum(_errors.values()),
        "error_rate": round(sum(_errors.values()) / max(1, len(every)), 5),
        "p50_ms": _pct(every, 0.50),
        "p95_ms": _pct(every, 0.95),
        "p99_ms": _pct(every, 0.99),
        "measured_s": round(elapsed, 1),
    }
    with open(OUT, "w") as fh:
        json.dump(
            {"total": total, "items": items, "errors": list(_error_samples)[:50], "timeline": _timeline},
            fh,
            ensure_ascii=False,
            indent=1,
        )


class Staff(FastHttpUser):
    """One person at the service centre: an agent of one project (its manager for reports), or a resident on
    the portal, by turns; the task weights make the mix."""

    wait_time = constant_throughput(RATE / USERS)

    def on_start(self) -> None:
        n = next(_counter)
        self.rng = random.Random(SEED * 1000 + n)
        self.project = FIXTURES["projects"][n % len(FIXTURES["projects"])]
        portal = FIXTURES["portal"]
        self.resident = portal[n % len(portal)] if portal else None

    def _get(self, path: str, name: str, session: str | None) -> None:
        headers = dict(HTTPS)
        if session:
            headers["Cookie"] = f"sessionid={session}"
        with self.client.get(path, name=name, headers=headers, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")

    def _api_get(self, path: str, name: str) -> None:
        headers = {**HTTPS, "Authorization": f"Token {self.project['token']}", "Accept": "application/json"}
        with self.client.get(path, name=name, headers=headers, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")

    @task(30)
    def intake(self) -> None:
        p, rng = self.project, self.rng
        body = {
            "project": p["code"],
            "kind": _weighted(rng, KINDS),
            "channel": _weighted(rng, CHANNELS),
            "unit": str(rng.choice(p["units"])),
            "description": rng.choice(TEXTS),
            "contact_phone": f"138{rng.randrange(10**8):08d}",
        }
        headers = {
            **HTTPS,
            "Authorization": f"Token {p['token']}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),  # new in every run (a replayed key answers 200, not 201)
        }
        with self.client.post(
            "/api/v1/cases/", data=json.dumps(body), headers=headers, name="intake", catch_response=True
        ) as r:
            if r.status_code != 201:
                r.failure(f"HTTP {r.status_code}: {r.text[:80] if r.text else ''}")
            else:
                number = (r.json() or {}).get("number")
                if number:  # the agent opens what was just registered now and then
                    p["cases"].insert(0, number)
                    del p["cases"][400:]

    @task(12)
    def queue_list(self) -> None:
        self._get("/cases/?queue=all", "queue-list", self.project["agent_session"])

    @task(8)
    def queue_list_api(self) -> None:
        self._api_get(f"/api/v1/cases/?project={self.project['code']}", "queue-list-api")

    @task(20)
    def case_page(self) -> None:
        cases = self.project["cases"]
        number = cases[min(int(self.rng.expovariate(1 / 60)), len(cases) - 1)]  # recent cases more often
        self._get(f"/cases/{number}/", "case-page", self.project["agent_session"])

    @task(8)
    def search(self) -> None:
        self._get(f"/cases/?q={self.rng.choice(SEARCH_WORDS)}", "search", self.project["agent_session"])

    @task(6)
    def dashboard(self) -> None:
        who = "manager_session" if self.rng.random() < 0.3 else "agent_session"
        self._get("/", "dashboard", self.project[who])

    @task(2)
    def report(self) -> None:
        path = self.rng.choice(["/reports/complaints-monthly/", "/reports/monthly-tally/"])
        self._get(path, "report", self.project["manager_session"])

    @task(5)
    def portal_home(self) -> None:
        if self.resident:
            self._get("/m/", "portal-home", self.resident["session"])

    @task(4)
    def portal_notices(self) -> None:
        if self.resident:
            self._get("/m/notices/", "portal-notices", self.resident["session"])

    @task(3)
    def portal_faq(self) -> None:
        if self.resident:
            self._get("/m/faq/", "portal-faq", self.resident["session"])

    @task(2)
    def portal_case(self) -> None:
        if self.resident and self.resident["cases"]:
            number = self.rng.choice(self.resident["cases"])
            self._get(f"/m/cases/{number}/", "portal-case", self.resident["session"])
