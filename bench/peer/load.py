"""Load N django-helpdesk tickets shaped like Kefu's generated cases (fixed seed), for the side-by-side benchmark.

    bench/peer/.venv/bin/python bench/peer/load.py --tickets 100000             # SQLite var/helpdesk-100000.sqlite3
    bench/peer/.venv/bin/python bench/peer/load.py --tickets 100000 \\
        --database-url postgres://postgres@127.0.0.1:55432/peer_100k             # PostgreSQL (created if missing)
    bench/peer/.venv/bin/python bench/peer/load.py --tickets 100000 --check     # exit 0 when loaded

What it makes, from the same tables as bench/generate.py (Kefu's projects, case mix, arrival pattern, and
the titles, descriptions, replies and notes of kefu/tickets/demo.py, read from those files' literals):

- 20 queues, one per Kefu project (its name, slug p01..p20); staff logins per queue like Kefu's (``p01jingli``
  manager, ``p01kefu1``... agents, ``p01tousu`` complaints, ``p01weixiu1``... field staff; ``zongbu`` head
  office, a superuser), all staff, password ``kefu2026!``.
- N tickets at ~17,000 a month up to now (the same span as Kefu's data set of N cases): title and
  description in Chinese, priority (critical for a lift entrapment, 4% high, 1% low), the submitter's e-mail
  (one of ~19,300 households), a due date for repairs and complaints, the resolution.
- Follow-ups as helpdesk writes them (titles in its zh-hans translation, TicketChange rows for owner and
  status changes): opened, assigned, a reply to the customer, internal notes, resolved, a return-visit
  note, closed; quick answers for most consultations; rework after a poor visit score; 1.2% cancelled. About
  6 follow-ups a ticket, against Kefu's ~7 timeline events a case.
- About 2% left open, the recent likelier (Kefu's rule); some on hold; recent tickets whose next step has not
  come yet stay where they are.

Rows are written with explicit ids in chunks (SQLite executemany, PostgreSQL COPY), the secondary indexes
dropped during the load and rebuilt after it, then ANALYZE, as bench/generate.py does for Kefu. The time and
the counts go to bench/results/peer-load-<vendor>-<tickets>.json.
"""

from __future__ import annotations

import argparse
import ast
import bisect
import datetime as dt
import itertools
import json
import math
import random
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.peer import peerlib  # noqa: E402

BJ = 8 * 3600
DAY = 86400
HOUR = 3600
MIN = 60
PASSWORD = "kefu2026!"  # noqa: S105 - the generated staff logins, as Kefu's
HOUSEHOLDS = 19_349  # Kefu's data sets


def _literals(path: Path, names: Iterable[str]) -> dict[str, Any]:
    """Module-level constants of a Python file, read without importing it (literals, and list("...") )."""
    wanted = set(names)
    found: dict[str, Any] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, value = node.target.id, node.value
        else:
            continue
        if name not in wanted:
            continue
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "list":
            found[name] = list(ast.literal_eval(value.args[0]))
        else:
            found[name] = ast.literal_eval(value)
    missing = wanted - found.keys()
    if missing:
        raise SystemExit(f"{path}: constants not found: {sorted(missing)}")
    return found


DEMO = _literals(
    peerlib.ROOT / "kefu" / "tickets" / "demo.py",
    [
        "RESIDENTIAL",
        "OFFICE",
        "PLACES",
        "RESOLVE_NOTES",
        "ANSWERS",
        "COMMENTS",
        "REPLIES",
        "COMPLAINT_REPLIES",
        "CANCEL_REASONS",
        "HOURS",
        "NIGHT_HOURS",
    ],
)
GEN = _literals(
    peerlib.ROOT / "bench" / "generate.py",
    [
        "PROJECTS",
        "KINDS",
        "CATEGORY_WEIGHTS",
        "MONTH_FACTOR",
        "WEEKEND_FACTOR",
        "GROWTH_PER_YEAR",
        "SURNAMES",
        "GIVEN",
        "SOLVE_AT_ONCE",
        "CANCEL_SHARE",
        "STUCK_AT",
        "STUCK_DECAY_DAYS",
        "STUCK_TODAY_MAX",
        "SCORES",
    ],
)

# helpdesk's follow-up titles and TicketChange fields as its zh-hans translation writes them.
T_OPENED = "开工单"
T_COMMENT = "评论"
T_RESOLVED = "已解决"
T_CLOSED = "已关闭"
T_REOPENED = "重新打开"
F_STATUS = "状态"
F_OWNER = "所有者"
S_OPEN, S_REOPENED, S_RESOLVED, S_CLOSED = 1, 2, 3, 4
STATUS_LABEL = {S_OPEN: "打开", S_REOPENED: "重新打开", S_RESOLVED: "已解决", S_CLOSED: "已关闭"}


def moved(old: int, new: int) -> list[tuple[str, str, str]]:
    """The TicketChange of a status change, as helpdesk writes it."""
    return [(F_STATUS, STATUS_LABEL[old], STATUS_LABEL[new])]


VISIT_NOTES = {
    5: "回访：业主对处理结果非常满意。",
    4: "回访：业主表示满意。",
    3: "回访：业主基本满意，希望以后处理更及时。",
    2: "回访：业主不满意，问题未彻底解决，退回重新处理。",
    1: "回访：业主非常不满意，退回重新处理。",
}
HOLD_NOTE = "需采购配件，预计2-3天到货，暂停处理。"
# Median hours from creation to resolution, by kind (lognormal, sigma 1).
RESOLVE_HOURS = {"repair": 20, "complaint": 30, "special_service": 24, "help": 3, "consultation": 2}
DUE_HOURS = {"repair": 48, "complaint": 24, "special_service": 72}


@dataclass
class Queue:
    id: int
    index: int
    name: str
    kind: str  # residential / office
    weight: float
    agents: list[int] = field(default_factory=list)
    field_staff: list[int] = field(default_factory=list)
    complaints: int = 0
    manager: int = 0
    households: int = 0


@dataclass
class Ev:
    t: int
    title: str
    comment: str
    public: bool
    user: int | None
    new_status: int | None = None
    changes: list[tuple[str, str, str]] = field(default_factory=list)


class Writer:
    """Rows into the database: SQLite executemany or PostgreSQL COPY; index drop and rebuild."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        connection.ensure_connection()
        self.raw = connection.connection

    def ts(self, t: int | None) -> str | None:
        if t is None:
            return None
        s = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))
        return s + "+00" if self.vendor == "postgresql" else s

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        cols = ", ".join(f'"{c}"' for c in columns)
        if self.vendor == "sqlite":
            marks = ", ".join("?" for _ in columns)
            self.raw.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)  # noqa: S608
        else:
            with self.raw.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                copy.write("".join(_pg_line(r) for r in rows))

    def session(self) -> None:
        with self.connection.cursor() as cur:
            if self.vendor == "sqlite":
                cur.execute("PRAGMA synchronous = OFF")
                cur.execute("PRAGMA cache_size = -1000000")
            else:
                cur.execute("SET session_replication_role = replica")
                cur.execute("SET synchronous_commit = off")
                cur.execute("SET maintenance_work_mem = '512MB'")

    def drop_indexes(self, tables: Sequence[str]) -> list[str]:
        """Drop the secondary (non-constraint) indexes of `tables`; return the statements that recreate them."""
        creates: list[str] = []
        with self.connection.cursor() as cur:
            names = ", ".join(f"'{t}'" for t in tables)
            if self.vendor == "sqlite":
                cur.execute(
                    f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
                    f"AND tbl_name IN ({names})"
                )
            else:
                cur.execute(
                    f"SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename IN ({names}) "  # noqa: S608
                    "AND i.indexname NOT IN (SELECT conname FROM pg_constraint)"
                )
            for name, sql in cur.fetchall():
                creates.append(sql)
                cur.execute(f'DROP INDEX "{name}"')
        return creates

    def create_indexes(self, creates: Sequence[str]) -> None:
        with self.connection.cursor() as cur:
            for sql in creates:
                cur.execute(sql)

    def finish(self, tables: Sequence[str]) -> None:
        with self.connection.cursor() as cur:
            if self.vendor == "sqlite":
                cur.execute("ANALYZE")
            else:
                for t in tables:
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{t}\"', 'id'), "  # noqa: S608
                        f'COALESCE((SELECT MAX(id) FROM "{t}"), 1))'
                    )
                    cur.execute(f'VACUUM ANALYZE "{t}"')


def _pg_text(v: Any) -> str:
    if v is None:
        return "\\N"
    if v is True:
        return "t"
    if v is False:
        return "f"
    s = str(v)
    if any(c in s for c in "\\\t\n\r"):
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


def _pg_line(row: tuple[Any, ...]) -> str:
    return "\t".join(_pg_text(v) for v in row) + "\n"


TICKET_COLS = (
    "id",
    "title",
    "queue_id",
    "created",
    "modified",
    "submitter_email",
    "assigned_to_id",
    "status",
    "on_hold",
    "description",
    "resolution",
    "priority",
    "due_date",
    "last_escalation",
    "secret_key",
    "kbitem_id",
    "merged_to_id",
)
FOLLOWUP_COLS = (
    "id",
    "ticket_id",
    "date",
    "title",
    "comment",
    "public",
    "user_id",
    "new_status",
    "message_id",
    "time_spent",
    "email_recipients",
)
CHANGE_COLS = ("id", "followup_id", "field", "old_value", "new_value")
TABLES = ("helpdesk_ticket", "helpdesk_followup", "helpdesk_ticketchange")


def check_columns() -> None:
    """The column lists above must be exactly the models' (a new helpdesk release would fail loudly here)."""
    from helpdesk.models import FollowUp, Ticket, TicketChange

    for model, cols in ((Ticket, TICKET_COLS), (FollowUp, FOLLOWUP_COLS), (TicketChange, CHANGE_COLS)):
        actual = {f.column for f in model._meta.concrete_fields}
        if actual != set(cols):
            raise SystemExit(f"{model.__name__}: columns {sorted(actual)} != the loader's {sorted(cols)}")


class Loader:
    def __init__(self, args: argparse.Namespace, log: Callable[[str], None]) -> None:
        self.args = args
        self.log = log
        self.rng = random.Random(args.seed)
        self.arrivals = random.Random(args.seed + 1)
        self.now = int(args.now.timestamp())
        self.w = Writer()
        self.names: dict[int, str] = {}  # user id -> Chinese name
        self.usernames: dict[int, str] = {}
        self.queues: list[Queue] = []
        self.counts = {"tickets": 0, "followups": 0, "ticket_changes": 0, "open": 0, "on_hold": 0}
        self.next_ticket = 1
        self.next_followup = 1
        self.next_change = 1

    # Organisation ---------------------------------------------------------------------------------------------

    def person(self) -> tuple[str, str]:
        r = self.rng
        return r.choice(GEN["SURNAMES"]), "".join(r.choice(GEN["GIVEN"]) for _ in range(r.choice((1, 2))))

    def organisation(self) -> None:
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import User
        from helpdesk.models import Queue as HQueue

        hashed = make_password(PASSWORD)
        total_weight = sum(w for _n, _k, w in GEN["PROJECTS"])

        def user(username: str, *, superuser: bool = False) -> int:
            surname, given = self.person()
            u = User(
                username=username,
                password=hashed,
                first_name=given,
                last_name=surname,
                email=f"{username}@kefu.example.cn",
                is_staff=True,
                is_superuser=superuser,
            )
            u.save()  # helpdesk's post_save makes the UserSettings
            self.names[u.pk] = surname + given
            self.usernames[u.pk] = username
            return int(u.pk)

        user("zongbu", superuser=True)
        for i, (name, kind, weight) in enumerate(GEN["PROJECTS"], start=1):
            code = f"p{i:02d}"
            hq = HQueue.objects.create(
                title=name,
                slug=code,
                email_address=f"{code}@kefu.example.cn",
                locale="zh-hans",
                allow_public_submission=False,
                allow_email_submission=False,
            )
            q = Queue(hq.pk, i, name, kind, weight)
            q.manager = user(f"{code}jingli")
            q.agents = [user(f"{code}kefu{k}") for k in range(1, max(2, round(2 * weight)) + 1)]
            q.complaints = user(f"{code}tousu")
            q.field_staff = [user(f"{code}weixiu{k}") for k in range(1, max(2, round(4 * weight)) + 1)]
            q.households = max(200, round(HOUSEHOLDS * weight / total_weight))
            self.queues.append(q)
        self.log(f"organisation: {len(self.queues)} queues, {len(self.names)} staff logins")

    # Arrivals: Kefu's pattern ----------------------------------------------------------------------------------

    def days(self) -> list[tuple[int, int]]:
        """(local day number, tickets that day) from the first day to today, N in all (as bench/generate.py)."""
        n = self.args.tickets
        per_day = self.args.per_month * 12 / 365.25
        span = n / per_day
        today = (self.now + BJ) // DAY
        first = today - math.ceil(span) + 1
        years = max(1.0, span / 365.25)
        weights = []
        for d in range(first, today + 1):
            date = dt.date(1970, 1, 1) + dt.timedelta(days=d)
            w = GEN["MONTH_FACTOR"][date.month - 1] * (
                1 + GEN["GROWTH_PER_YEAR"] * (d - first) / 365.25 * (5 / years if years > 5 else 1)
            )
            if date.weekday() >= 5:
                w *= GEN["WEEKEND_FACTOR"]
            if d == today:
                w *= ((self.now + BJ) % DAY) / DAY
            weights.append(w)
        total = sum(weights)
        out, acc, done = [], 0.0, 0
        for d, w in zip(range(first, today + 1), weights, strict=True):
            acc += w
            upto = round(acc / total * n)
            out.append((d, upto - done))
            done = upto
        return out

    def arrival(self, day_start: int) -> int:
        r = self.arrivals
        if r.random() < 0.04:
            hour = r.choice(self.night_hours)
        else:
            hour = self.day_hours[bisect.bisect(self.day_hours_cum, r.random() * self.day_hours_cum[-1])]
        t = day_start + hour * HOUR + r.randrange(HOUR)
        if t > self.now:
            t = day_start + r.randrange(max(1, self.now - day_start))
        return t

    # One ticket -----------------------------------------------------------------------------------------------

    def pick(self, weighted: Sequence[tuple[Any, float]]) -> Any:
        total = sum(w for _v, w in weighted)
        x = self.rng.random() * total
        for v, w in weighted:
            x -= w
            if x < 0:
                return v
        return weighted[-1][0]

    def lognormal(self, median: float, sigma: float, cap: float) -> int:
        return int(min(cap, self.rng.lognormvariate(math.log(median), sigma)))

    def text(self, q: Queue, kind: str, code: str) -> tuple[str, str]:
        r = self.rng
        table = DEMO["OFFICE"] if q.kind == "office" else DEMO["RESIDENTIAL"]
        options = table.get((kind, code)) or DEMO["RESIDENTIAL"].get((kind, code)) or [(code, code, False)]
        title, desc, _public = r.choice(options)
        if "{" in title or "{" in desc:
            bld = str(r.randint(1, 12)) if q.kind == "residential" else "ABCD"[r.randrange(4)]
            fl = r.randint(2, 18)
            values = {
                "bld": bld,
                "ent": str(r.randint(1, 3)),
                "fl": fl,
                "fl2": fl + 1,
                "room": f"{bld}-{fl}{r.randint(1, 4):02d}",
                "place": r.choice(DEMO["PLACES"][q.kind]),
                "fixer": self.names[r.choice(q.field_staff)],
                "steward": self.names[q.manager],
                "agent": self.names[r.choice(q.agents)],
            }
            title, desc = title.format(**values), desc.format(**values)
        return title, desc

    def ticket(self, t0: int, stuck: str | None) -> None:
        r = self.rng
        rand = r.random
        q = self.queues[bisect.bisect(self.queue_cum, rand() * self.queue_cum[-1])]
        kind = self.pick(GEN["KINDS"][q.kind])
        codes, cum = self.kind_codes[(q.kind, kind)]
        code = codes[bisect.bisect(cum, rand() * cum[-1])]
        title, desc = self.text(q, kind, code)
        priority = 1 if code == "DT-KR" else (2 if rand() < 0.04 else (4 if rand() < 0.01 else 3))
        email = f"yz{q.index:02d}{r.randrange(q.households):05d}@yezhu.example.cn"
        creator = r.choice(q.agents)
        if kind in ("repair", "special_service"):
            assignee = r.choice(q.field_staff)
        elif kind == "complaint":
            assignee = q.complaints
        else:
            assignee = r.choice(q.agents)
        due = t0 + DUE_HOURS[kind] * HOUR if kind in DUE_HOURS else None

        ev = [Ev(t0, T_OPENED, desc, True, creator)]
        resolution: str | None = None
        notes = DEMO["RESOLVE_NOTES"]
        note = r.choice(notes.get(code) or notes.get(kind) or notes["repair"])
        quick = rand() < GEN["SOLVE_AT_ONCE"].get(kind, 0.0) and stuck is None
        t = t0
        if rand() < GEN["CANCEL_SHARE"] and stuck is None:
            t += self.lognormal(2 * HOUR, 1.0, 3 * DAY)
            reason = r.choice(DEMO["CANCEL_REASONS"])
            ev.append(Ev(t, T_CLOSED, reason, False, creator, S_CLOSED, moved(S_OPEN, S_CLOSED)))
            resolution = reason
        elif quick or (kind == "praise" and stuck is None):
            t += self.lognormal(8 * MIN, 1.0, 2 * HOUR)
            answer = DEMO["ANSWERS"].get(code) or r.choice(notes.get(kind) or notes["consultation"])
            ev.append(Ev(t, T_RESOLVED, answer, True, creator, S_RESOLVED, moved(S_OPEN, S_RESOLVED)))
            resolution = answer
            t += self.lognormal(30 * MIN, 1.0, DAY)
            ev.append(Ev(t, T_CLOSED, "", False, creator, S_CLOSED, moved(S_RESOLVED, S_CLOSED)))
        else:
            t += self.lognormal(12 * MIN, 1.0, 6 * HOUR)
            who = self.usernames[assignee]
            ev.append(Ev(t, f"分配给 {who}", "", False, creator, None, [(F_OWNER, "", who)]))
            t += self.lognormal(20 * MIN, 1.0, 8 * HOUR)
            replies = DEMO["COMPLAINT_REPLIES"] if kind == "complaint" else DEMO["REPLIES"]
            ev.append(Ev(t, T_COMMENT, r.choice(replies), True, creator))
            resolve_at = t0 + self.lognormal(RESOLVE_HOURS.get(kind, 24) * HOUR, 1.0, 20 * DAY)
            for _ in range(r.choice((0, 1, 1, 2))):
                t = min(resolve_at - 60, t + self.lognormal(3 * HOUR, 1.0, 2 * DAY))
                ev.append(Ev(max(t, ev[-1].t + 1), T_COMMENT, r.choice(DEMO["COMMENTS"]), False, assignee))
            if stuck in ("new", "dispatched", "accepted", "in_progress", "waiting"):
                if stuck == "new":
                    ev = ev[:1]
                elif stuck == "waiting":
                    ev.append(Ev(ev[-1].t + self.lognormal(HOUR, 1.0, DAY), T_COMMENT, HOLD_NOTE, False, assignee))
            else:
                t = max(resolve_at, ev[-1].t + 60)
                ev.append(Ev(t, T_RESOLVED, note, True, assignee, S_RESOLVED, moved(S_OPEN, S_RESOLVED)))
                resolution = note
                if stuck != "resolved":
                    score = self.pick(GEN["SCORES"])
                    t += self.lognormal(DAY, 0.8, 7 * DAY)
                    ev.append(Ev(t, T_COMMENT, VISIT_NOTES[score], False, creator))
                    if score <= 2:  # rework, then resolved and visited again
                        ev.append(Ev(t + 60, T_REOPENED, "", False, creator, S_REOPENED, moved(S_RESOLVED, S_REOPENED)))
                        t += self.lognormal(DAY, 1.0, 7 * DAY)
                        ev.append(Ev(t, T_RESOLVED, note, True, assignee, S_RESOLVED, moved(S_REOPENED, S_RESOLVED)))
                        t += self.lognormal(DAY, 0.8, 7 * DAY)
                        ev.append(Ev(t, T_COMMENT, VISIT_NOTES[4], False, creator))
                    t += self.lognormal(5 * MIN, 1.0, HOUR)
                    ev.append(Ev(t, T_CLOSED, "", False, creator, S_CLOSED, moved(S_RESOLVED, S_CLOSED)))

        # What has happened by now.
        ev = [e for e in ev if e.t <= self.now]
        status, owner, resolved_note = S_OPEN, None, None
        for e in ev:
            if e.new_status is not None:
                status = e.new_status
            if e.changes and e.changes[0][0] == F_OWNER:
                owner = assignee
            if e.new_status == S_RESOLVED:
                resolved_note = resolution
        if resolution is not None and status == S_CLOSED and resolved_note is None:
            resolved_note = resolution  # cancelled
        on_hold = stuck == "waiting" and status in (S_OPEN, S_REOPENED)
        if status in (S_OPEN, S_REOPENED):
            self.counts["open"] += 1
        self.counts["on_hold"] += on_hold

        tid = self.next_ticket
        self.next_ticket += 1
        ts = self.w.ts
        self.rows_ticket.append(
            (
                tid,
                title,
                q.id,
                ts(t0),
                ts(ev[-1].t),
                email,
                owner,
                status,
                on_hold,
                desc,
                resolved_note,
                priority,
                ts(due),
                None,
                f"{r.getrandbits(128):032x}",
                None,
                None,
            )
        )
        for e in ev:
            fid = self.next_followup
            self.next_followup += 1
            self.rows_followup.append(
                (fid, tid, ts(e.t), e.title, e.comment, e.public, e.user, e.new_status, None, None, None)
            )
            for f, old, new in e.changes:
                self.rows_change.append((self.next_change, fid, f, old, new))
                self.next_change += 1

    # The run --------------------------------------------------------------------------------------------------

    def run(self) -> None:
        a = self.args
        self.organisation()
        self.queue_cum = list(itertools.accumulate(q.weight for q in self.queues))
        self.day_hours = [h for h, _w in DEMO["HOURS"]]
        self.day_hours_cum = list(itertools.accumulate(w for _h, w in DEMO["HOURS"]))
        self.night_hours = [h for h, _w in DEMO["NIGHT_HOURS"]]
        self.kind_codes: dict[tuple[str, str], tuple[list[str], list[float]]] = {}
        for pk, kinds in GEN["KINDS"].items():
            for kind, _w in kinds:
                table = DEMO["OFFICE"] if pk == "office" else DEMO["RESIDENTIAL"]
                codes = [c for (k, c) in table if k == kind] or [c for (k, c) in DEMO["RESIDENTIAL"] if k == kind]
                cum = list(itertools.accumulate(float(GEN["CATEGORY_WEIGHTS"].get(c, 1)) for c in codes))
                self.kind_codes[(pk, kind)] = (codes, cum)

        days = self.days()
        first = dt.date(1970, 1, 1) + dt.timedelta(days=days[0][0])
        self.log(f"{a.tickets:,} tickets from {first} to {a.now:%Y-%m-%d %H:%M} ({len(days)} days)")
        today = (self.now + BJ) // DAY
        per_day = a.tickets / len(days)
        decay = max(GEN["STUCK_DECAY_DAYS"], a.open_share * a.tickets / (GEN["STUCK_TODAY_MAX"] * per_day))
        mass = sum(n * math.exp(-(today - d) / decay) for d, n in days)
        stuck_factor = a.open_share * a.tickets / mass if mass else 0.0

        self.rows_ticket: list[tuple[Any, ...]] = []
        self.rows_followup: list[tuple[Any, ...]] = []
        self.rows_change: list[tuple[Any, ...]] = []
        started = time.monotonic()
        done = 0
        for d, n in days:
            day_start = d * DAY - BJ
            p_stuck = min(0.9, stuck_factor * math.exp(-(today - d) / decay))
            for t in sorted(self.arrival(day_start) for _ in range(n)):
                stuck = None
                if p_stuck > 1e-4 and self.arrivals.random() < p_stuck:
                    stuck = self.pick(GEN["STUCK_AT"])
                self.ticket(t, stuck)
            if len(self.rows_ticket) >= a.chunk:
                done += self.flush()
                self.progress(done, started)
        done += self.flush()
        self.progress(done, started)

    def flush(self) -> int:
        from django.db import transaction

        n = len(self.rows_ticket)
        with transaction.atomic():
            self.w.write("helpdesk_ticket", TICKET_COLS, self.rows_ticket)
            self.w.write("helpdesk_followup", FOLLOWUP_COLS, self.rows_followup)
            self.w.write("helpdesk_ticketchange", CHANGE_COLS, self.rows_change)
        self.counts["tickets"] += n
        self.counts["followups"] += len(self.rows_followup)
        self.counts["ticket_changes"] += len(self.rows_change)
        self.rows_ticket, self.rows_followup, self.rows_change = [], [], []
        return n

    def progress(self, done: int, started: float) -> None:
        spent = time.monotonic() - started
        rate = done / spent if spent else 0.0
        eta = (self.args.tickets - done) / rate if rate else 0.0
        self.log(
            f"tickets {done:>10,}/{self.args.tickets:,}  {rate:8,.0f}/s  follow-ups {self.counts['followups']:>11,}"
            f"  elapsed {spent:6.0f}s  eta {eta:5.0f}s"
        )


def ensure_pg_database(url: str) -> None:
    """Create the PostgreSQL database of `url` when it does not exist (through the server's postgres db)."""
    import urllib.parse

    import psycopg

    u = urllib.parse.urlsplit(url)
    name = u.path.lstrip("/")
    admin = urllib.parse.urlunsplit((u.scheme, u.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def ticket_count() -> int:
    from django.db import connection

    if "helpdesk_ticket" not in connection.introspection.table_names():
        return 0
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM helpdesk_ticket")
        return int(cur.fetchone()[0])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, required=True)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--now", type=dt.datetime.fromisoformat, default=None, help="e.g. 2026-11-23T10:00")
    parser.add_argument("--per-month", type=int, default=17_000)
    parser.add_argument("--open-share", type=float, default=0.02)
    parser.add_argument("--chunk", type=int, default=20_000, help="tickets per transaction")
    parser.add_argument("--database-url", default=None, help="PostgreSQL (default: SQLite in bench/peer/var)")
    parser.add_argument("--check", action="store_true", help="only say whether it is loaded (exit 0) or not (1)")
    args = parser.parse_args(argv)
    if args.now is None:
        args.now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    elif args.now.tzinfo is None:
        args.now = args.now.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))  # Beijing time, as Kefu's

    if args.database_url:
        ensure_pg_database(args.database_url)
    peerlib.setup_django(args.tickets, args.database_url)
    from django.core.management import call_command
    from django.db import connection

    where = args.database_url or str(peerlib.sqlite_path(args.tickets))
    if args.check:
        n = ticket_count()
        print(f"{where}: {n:,} tickets")
        return 0 if n >= args.tickets else 1

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    if ticket_count():
        raise SystemExit(f"{where} already has tickets: load into an empty database (remove the file / drop it)")
    check_columns()
    log(f"loading into {where}")
    loader = Loader(args, log)
    loader.w.session()
    creates = loader.w.drop_indexes(TABLES)
    phases: dict[str, float] = {}
    try:
        loader.run()
        phases["rows_s"] = round(time.monotonic() - started, 1)
    finally:
        t = time.monotonic()
        loader.w.create_indexes(creates)
        phases["indexes_s"] = round(time.monotonic() - t, 1)
    t = time.monotonic()
    loader.w.finish(TABLES)
    phases["analyze_s"] = round(time.monotonic() - t, 1)
    seconds = round(time.monotonic() - started, 1)
    log(f"done in {seconds:.0f} s: {loader.counts}")

    from bench.common import db_description, machine

    peerlib.RESULTS.mkdir(parents=True, exist_ok=True)
    out = peerlib.RESULTS / f"peer-load-{connection.vendor}-{args.tickets}.json"
    report = {
        "kind": "peer-load",
        "tickets": args.tickets,
        "seed": args.seed,
        "now": args.now.isoformat(),
        "counts": loader.counts,
        "followups_per_ticket": round(loader.counts["followups"] / max(1, loader.counts["tickets"]), 2),
        "seconds": seconds,
        "phases": phases,
        "database": db_description(),
        "machine": machine(),
        "versions": peerlib.versions(),
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    log(f"wrote {out.relative_to(peerlib.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
