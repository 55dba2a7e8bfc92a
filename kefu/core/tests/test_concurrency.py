"""Concurrency: many processes, each with its own database connection, act on the same cases at the same moment.

Every test forks real processes (kefu/testing_procs.py) that call the services (or the API) after a shared
barrier, on the committed test database (transactional tests). They run on PostgreSQL (row locks, READ COMMITTED)
and, smaller, on SQLite (one writer at a time, IMMEDIATE transactions): the guarantees are the same on both.
What is proven and the figures: docs/reliability.md.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
import time
from collections import Counter

import pytest
import requests
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.test import APIClient

from kefu import testing_procs as procs
from kefu.core.errors import ApplicationError, Conflict
from kefu.tickets.models import Case, CaseEvent, CaseSequence, IdempotencyKey, SearchDocument
from kefu.tickets.states import Status

pytestmark = pytest.mark.django_db(transaction=True)

DAY = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # 2026-12-01 10:00 in Beijing: a day with no number yet


def big() -> bool:
    """PostgreSQL runs writers in parallel: use more processes there. SQLite queues them: fewer suffice."""
    return connection.vendor == "postgresql"


def _ok(outcomes: list[procs.Outcome]) -> list:
    failed = [o.error for o in outcomes if o.error]
    assert not failed, "a process failed:\n" + "\n".join(failed)
    return [o.value for o in outcomes]


# Parallel intake: unique numbers, no gaps ---------------------------------------------------------------------------


def _intake(index, barrier, ids, per_process):
    from kefu.customers.models import Customer, Unit
    from kefu.org.models import Project, User
    from kefu.tickets import services
    from kefu.tickets.models import Category

    actor = User.objects.get(pk=ids["actor"])
    project = Project.objects.get(pk=ids["project"])
    unit = Unit.objects.select_related("zone").get(pk=ids["unit"])
    customer = Customer.objects.get(pk=ids["customer"])
    category = Category.objects.get(pk=ids["category"])
    barrier.wait()
    made = []
    for k in range(per_process):
        case = services.case_create(
            actor=actor, project=project, kind="repair", channel="phone", title=f"并发受理 {index}-{k}",
            category=category, unit=unit, customer=customer, now=DAY,
        )  # fmt: skip
        made.append((case.pk, case.number))
    return made


def test_it_numbers_cases_created_at_the_same_moment_uniquely_and_without_gaps(desk):
    """N processes create cases on the same day at once, starting on a day with no sequence row yet (so they also
    race to create it). Every number is issued once, 0001..N*K with no gap, and every case is complete."""
    w = desk.w
    n, per = (8, 12) if big() else (4, 8)
    ids = {"actor": w.alice.pk, "project": w.a.pk, "unit": w.unit_a1.pk, "customer": w.cust_a1.pk}
    ids["category"] = desk.leak.pk
    assert not CaseSequence.objects.exists()

    made = [pair for batch in _ok(procs.in_processes(_intake, n, ids, per)) for pair in batch]

    total = n * per
    numbers = [number for _pk, number in made]
    assert len(set(numbers)) == len(numbers) == total
    assert sorted(numbers) == [f"BX20261201-{i:04d}" for i in range(1, total + 1)]
    assert list(CaseSequence.objects.values_list("prefix", "day", "last")) == [("BX", dt.date(2026, 12, 1), total)]
    cases = Case.objects.filter(number__startswith="BX20261201-")
    assert cases.count() == total
    created = Counter(CaseEvent.objects.filter(case__in=cases, kind="create").values_list("case_id", flat=True))
    assert set(created.values()) == {1} and len(created) == total
    assert SearchDocument.objects.filter(case__in=cases).count() == total
    print(f"\nintake: {n} processes x {per} cases, numbers 0001..{total:04d}")


# Racing transitions: exactly one wins -------------------------------------------------------------------------------

RACERS = [  # (actor, action) per process: every action is allowed only from 待派单, so at most one can happen
    ("alice", "dispatch_with_version"),
    ("sam", "dispatch_with_version"),
    ("alice", "solve_at_once"),
    ("sam", "dispatch"),
    ("carl", "dispatch_with_version"),
    ("carl", "solve_at_once"),
    ("alice", "dispatch"),
    ("sam", "solve_at_once"),
]
TARGET = {"dispatch_with_version": Status.DISPATCHED, "dispatch": Status.DISPATCHED, "solve_at_once": Status.CLOSED}
EVENT = {"dispatch_with_version": "dispatch", "dispatch": "dispatch", "solve_at_once": "solve_at_once"}


def _race(index, barrier, ids, case_pks):
    from kefu.org.models import Department, User
    from kefu.tickets import services

    name, action = RACERS[index]
    actor = User.objects.get(username=name)
    fred = User.objects.get(pk=ids["fred"])
    gc = Department.objects.get(pk=ids["gc"])
    out = []
    for pk in case_pks:
        case = Case.objects.get(pk=pk)
        version = case.version  # read before anyone moves: every racer holds the same version
        barrier.wait()
        try:
            if action == "dispatch_with_version":
                services.case_dispatch(actor=actor, case=case, assignee=fred, department=gc, version=version)
            elif action == "dispatch":
                services.case_dispatch(actor=actor, case=case, assignee=fred, department=gc)
            else:
                services.case_solve_at_once(actor=actor, case=case, answer=f"{name} 当场答复")
            out.append((pk, name, action, "ok"))
        except Conflict as exc:
            out.append((pk, name, action, exc.code))
        except ApplicationError as exc:
            out.append((pk, name, action, f"unexpected {exc.code}: {exc.message}"))
    return out


def test_it_lets_exactly_one_of_racing_transitions_win_and_refuses_the_rest(desk, new_case):
    """For each case, every process tries a change at the same moment, all holding the version they read before
    anyone moved; each change is allowed only from 待派单 (dispatch with or without the version, solve at once).
    One wins; every other gets the service's conflict (stale version or illegal transition); the case's state,
    its version and its timeline agree with the winner."""
    w = desk.w
    n, cases_n = (8, 12) if big() else (4, 6)
    cases = [new_case(title=f"抢着处理 {i}") for i in range(cases_n)]
    ids = {"fred": desk.fred.pk, "gc": desk.gc.pk}

    results = [r for batch in _ok(procs.in_processes(_race, n, ids, [c.pk for c in cases])) for r in batch]

    assert not [r for r in results if r[3].startswith("unexpected")]
    conflicts = Counter(r[3] for r in results if r[3] != "ok")
    assert set(conflicts) <= {"stale", "illegal_transition"}
    assert sum(conflicts.values()) == cases_n * (n - 1)
    users = {u.username: u for u in (w.alice, w.sam, w.carl)}
    for case in cases:
        winners = [r for r in results if r[0] == case.pk and r[3] == "ok"]
        assert len(winners) == 1, winners
        _pk, who, action, _ = winners[0]
        case.refresh_from_db()
        assert case.status == TARGET[action]
        assert case.version == 2
        changes = list(CaseEvent.objects.filter(case=case).exclude(kind="create").exclude(from_status=""))
        assert [(e.kind, e.actor_id, e.from_status, e.to_status) for e in changes] == [
            (EVENT[action], users[who].pk, Status.NEW, TARGET[action])
        ]
        if case.status == Status.DISPATCHED:
            assert case.assignee_id == desk.fred.pk
    print(f"\nrace: {n} processes x {cases_n} cases, {cases_n} winners, conflicts {dict(conflicts)}")


# A random walk on shared cases: nothing lost, timelines complete ---------------------------------------------------


HANDLER_MOVES = {
    Status.DISPATCHED: ["accept", "reject"],
    Status.ACCEPTED: ["start", "reject"],
    Status.IN_PROGRESS: ["hold", "resolve"],
    Status.WAITING: ["resume"],
}
DESK_MOVES = {Status.NEW: ["dispatch"], Status.RESOLVED: ["close", "reopen"], Status.CLOSED: ["reopen"]}


def _move(name, actor, case, version, body, fred, gc, public):
    from kefu.tickets import services

    if name == "comment":
        return services.case_comment(actor=actor, case=case, body=body, is_public=public)
    if name == "accept":
        return services.case_accept(actor=actor, case=case, version=version)
    if name == "reject":
        return services.case_reject(actor=actor, case=case, reason=body)
    if name == "start":
        return services.case_start(actor=actor, case=case, note=body)
    if name == "hold":
        return services.case_hold(actor=actor, case=case, reason="parts", note=body)
    if name == "resolve":
        return services.case_resolve(actor=actor, case=case, note=body, version=version)
    if name == "resume":
        return services.case_resume(actor=actor, case=case, note=body)
    if name == "dispatch":
        return services.case_dispatch(actor=actor, case=case, assignee=fred, department=gc, version=version, note=body)
    if name == "close":
        return services.case_close(actor=actor, case=case, note=body)
    return services.case_reopen(actor=actor, case=case, reason=body)


def _walk(index, barrier, ids, case_pks, ops):
    from kefu.org.models import Department, User

    rng = random.Random(1000 + index)
    fred = User.objects.get(pk=ids["fred"])
    handler = index % 2 == 1
    actor = fred if handler else User.objects.get(pk=ids["dispatchers"][index // 2 % len(ids["dispatchers"])])
    gc = Department.objects.get(pk=ids["gc"])
    done = []
    barrier.wait()
    for op in range(ops):
        case = Case.objects.get(pk=rng.choice(case_pks))
        status, version = case.status, case.version  # acted on a moment later: others may have moved it
        body = f"第{index}号进程第{op}条"
        if not handler and rng.random() < 0.3:
            name = "comment"
        elif handler:
            name = rng.choice(HANDLER_MOVES.get(status, ["accept", "start"]))  # else a stale choice: refused
        else:
            name = rng.choice(DESK_MOVES.get(status, ["dispatch"]))
        try:
            _move(name, actor, case, version, body, fred, gc, public=op % 2 == 0)
            done.append((case.pk, name, actor.pk, body, "ok"))
        except Conflict as exc:
            done.append((case.pk, name, actor.pk, body, exc.code))
        except ApplicationError as exc:
            done.append((case.pk, name, actor.pk, body, f"unexpected {exc.code}: {exc.message}"))
    return done


def test_it_loses_no_update_when_processes_dispatch_handle_and_comment_on_the_same_cases(desk, new_case):
    """Half the processes are the desk (dispatch, close, reopen, comment), half the handler (accept, start, hold,
    resume, resolve, reject), all on the same few cases, each acting on what it read a moment before. Afterwards
    every case's timeline is one unbroken chain of status changes that ends in the case's status, its version
    counts them, and every success reported by a process is on the timeline exactly once: no lost update."""
    w = desk.w
    n, cases_n, ops = (8, 4, 40) if big() else (4, 3, 25)
    cases = [new_case(title=f"共享工单 {i}") for i in range(cases_n)]
    ids = {"fred": desk.fred.pk, "gc": desk.gc.pk, "dispatchers": [w.alice.pk, w.sam.pk]}

    done = [r for batch in _ok(procs.in_processes(_walk, n, ids, [c.pk for c in cases], ops)) for r in batch]

    assert len(done) == n * ops
    assert not [r for r in done if r[4].startswith("unexpected")]
    outcome = Counter(r[4] for r in done)
    assert set(outcome) <= {"ok", "stale", "illegal_transition"}
    for case in cases:
        case.refresh_from_db()
        events = list(CaseEvent.objects.filter(case=case).order_by("pk"))
        assert events[0].kind == "create"
        changes = [e for e in events if e.from_status]
        state = Status.NEW
        for e in changes:  # each change starts where the previous one ended
            assert e.from_status == state, (case.number, [(x.kind, x.from_status, x.to_status) for x in changes])
            state = e.to_status
        assert state == case.status
        assert case.version == 1 + len(changes)
        mine = [r for r in done if r[0] == case.pk and r[4] == "ok"]
        reported = Counter((name, actor) for _pk, name, actor, _b, _s in mine if name != "comment")
        recorded = Counter((e.kind, e.actor_id) for e in changes if e.actor_id is not None)
        assert recorded == reported
        comments = sorted(body for _pk, name, _a, body, _s in mine if name == "comment")
        assert sorted(e.body for e in events if e.kind == "comment") == comments
    assert outcome["ok"] > 0
    print(f"\nwalk: {n} processes x {ops} operations on {cases_n} cases: {dict(outcome)}")


# Comments at the same moment: all kept -------------------------------------------------------------------------------


def _comment(index, barrier, ids, case_pks, per_process):
    from kefu.org.models import User
    from kefu.tickets import services

    actor = User.objects.get(pk=ids["authors"][index % len(ids["authors"])])
    cases = [Case.objects.get(pk=pk) for pk in case_pks]
    barrier.wait()
    written = []
    for k in range(per_process):
        case = cases[k % len(cases)]
        word = f"p{index}n{k}"
        event = services.case_comment(actor=actor, case=case, body=f"留言 {word}", is_public=(index + k) % 2 == 0)
        written.append((case.pk, event.pk, word))
    return written


def test_it_keeps_every_comment_written_at_the_same_moment(desk, new_case):
    """Processes comment on the same two cases at once: every comment is on the timeline once, in the search
    document, and the first public reply is the one that set the first-reply time."""
    w = desk.w
    n, per = (8, 10) if big() else (4, 6)
    cases = [new_case(title="多人留言", kind="complaint"), new_case(title="多人留言")]
    ids = {"authors": [w.alice.pk, w.sam.pk]}

    written = [r for batch in _ok(procs.in_processes(_comment, n, ids, [c.pk for c in cases], per)) for r in batch]

    assert len(written) == n * per
    print(f"\ncomments: {n} processes x {per} comments on 2 cases, all kept")
    for case in cases:
        mine = [r for r in written if r[0] == case.pk]
        events = CaseEvent.objects.filter(case=case, kind="comment")
        assert sorted(events.values_list("pk", flat=True)) == sorted(pk for _c, pk, _w in mine)
        assert sorted(events.values_list("body", flat=True)) == sorted(f"留言 {word}" for _c, _pk, word in mine)
        words = set(SearchDocument.objects.get(case=case).words.split())
        assert {word for _c, _pk, word in mine} <= words
        case.refresh_from_db()
        first_public = events.filter(is_public=True).order_by("pk").first()
        assert first_public is not None and case.first_replied_at == first_public.at


# Idempotent intake: the same key at the same moment ---------------------------------------------------------------


def _body(desk, **over):
    w = desk.w
    body = {
        "project": "A", "kind": "repair", "channel": "phone", "category": desk.leak.pk, "customer": w.cust_a1.pk,
        "unit": str(w.unit_a1.pk), "title": "厨房水管爆裂", "description": "3号楼厨房水管爆裂，急",
        "contact_phone": "13800001111",
    }  # fmt: skip
    body.update(over)
    return body


def _post_same_key(index, barrier, user_pk, body, key):
    from kefu.org.models import User

    client = APIClient()
    client.force_authenticate(User.objects.get(pk=user_pk))
    barrier.wait()
    r = client.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    return r.status_code, r.json().get("number"), r.json().get("code")


def test_it_creates_one_case_when_processes_post_the_same_idempotency_key_at_once(desk):
    """N processes POST the same intake with the same Idempotency-Key at the same moment: one 201, the rest 200,
    every answer names the same case; the same key with another body is refused with 409."""
    w = desk.w
    n = 8 if big() else 4
    body = _body(desk)
    warm = APIClient()  # load the URLconf, views and serializers once, before the fork: the children share them
    warm.force_authenticate(w.alice)
    assert warm.get("/api/v1/cases/").status_code == 200

    answers = _ok(procs.in_processes(_post_same_key, n, w.alice.pk, body, "hotline-2026-000777"))

    assert sorted(status for status, _n, _c in answers) == [200] * (n - 1) + [201]
    numbers = {number for _s, number, _c in answers}
    assert len(numbers) == 1 and None not in numbers
    (number,) = numbers
    assert list(Case.objects.filter(title="厨房水管爆裂").values_list("number", flat=True)) == [number]
    assert IdempotencyKey.objects.get(key="hotline-2026-000777").case.number == number

    other = _ok(procs.in_processes(_post_same_key, 2, w.alice.pk, _body(desk, title="另一件事"), "hotline-2026-000777"))
    assert [(s, c) for s, _n, c in other] == [(409, "idempotency_key_reused")] * 2
    assert Case.objects.count() == 1
    print(f"\nsame key: {n} processes, answers {sorted(s for s, _n, _c in answers)}, then 2 x 409")


def test_it_creates_one_case_when_a_client_retries_after_timeouts_on_a_live_server(desk, tmp_path):
    """Through gunicorn (2 processes x 4 threads): while intake is held up (the day's number is locked by another
    transaction), clients time out after 1 s and retry with the same key, several at once. When the lock goes,
    every held request completes: one case, and every later retry answers 200 with that case."""
    from rest_framework.authtoken.models import Token

    w = desk.w
    token = Token.objects.create(user=w.alice).key
    web_port = procs.port()
    server = procs.gunicorn("web", web_port, env=procs.child_env(KEFU_VAR_DIR=str(tmp_path)), log_dir=tmp_path,
                            workers=2, threads=4)  # fmt: skip
    url = f"http://127.0.0.1:{web_port}/api/v1/cases/"
    headers = {"Authorization": f"Token {token}", "Idempotency-Key": "wx-retry-42", "Content-Type": "application/json"}
    payload = json.dumps(_body(desk, title="电梯困人", kind="help", category=None))
    timeouts: list[int] = []
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()
    held = threading.Event()

    def client():
        while held.is_set():  # the intake hangs: give up after 1 s and retry with the same key
            try:
                r = requests.post(url, data=payload, headers=headers, timeout=1.0)
                with lock:
                    answers.append((r.status_code, r.json().get("number")))
            except requests.Timeout:
                with lock:
                    timeouts.append(1)
        r = requests.post(url, data=payload, headers=headers, timeout=60)
        with lock:
            answers.append((r.status_code, r.json().get("number")))

    server.start()
    try:
        procs.wait_for_port(web_port)
        today = timezone.localdate()
        with transaction.atomic():  # another transaction holds today's help-line numbers (QZ) for 3.5 s
            CaseSequence.objects.get_or_create(prefix="QZ", day=today, defaults={"last": 0})
        with transaction.atomic():
            CaseSequence.objects.filter(prefix="QZ", day=today).update(last=F("last"))
            held.set()
            threads = [threading.Thread(target=client) for _ in range(4)]
            for th in threads:
                th.start()
            time.sleep(3.5)
            held.clear()
        for th in threads:
            th.join(90)
        server.stop()
    finally:
        held.clear()
        server.stop()
    log = server.output()

    assert len(timeouts) >= 8, log  # at least two timed-out attempts per client while the number was held
    assert answers and {status for status, _n in answers} <= {200, 201}, (answers, log)
    numbers = {number for _s, number in answers}
    assert len(numbers) == 1
    assert list(Case.objects.filter(title="电梯困人").values_list("number", flat=True)) == list(numbers)
    assert IdempotencyKey.objects.filter(key="wx-retry-42").count() == 1
    print(f"\nretries: {len(timeouts)} timed-out attempts, {len(answers)} answers {Counter(s for s, _n in answers)}")


# The grab pool and the per-person cap ------------------------------------------------------------------------------


def _grab(index, barrier, member_pks, case_pks):
    from kefu.org.models import User
    from kefu.tickets import services

    actor = User.objects.get(pk=member_pks[index])
    out = []
    for pk in case_pks:
        case = Case.objects.get(pk=pk)
        barrier.wait()
        try:
            services.case_grab(actor=actor, case=case)
            out.append((pk, actor.pk, "ok"))
        except Conflict as exc:
            out.append((pk, actor.pk, exc.code))
    return out


def test_it_gives_a_pooled_case_to_exactly_one_of_the_members_grabbing_it_at_once(desk, new_case):
    """抢单: every member of the department grabs the same pooled case at the same moment: one gets it, the
    others are told it is gone; the case has one 抢单 event, by the one who has it."""
    from kefu import testing as t
    from kefu.org.roles import Role
    from kefu.tickets import services

    w = desk.w
    n, cases_n = (8, 8) if big() else (4, 4)
    members = [desk.fred, desk.gus] + [
        t.staff(Role.FIELD_STAFF, w.a, department=desk.gc, name=f"维修{i}") for i in range(n - 2)
    ]
    cases = [
        services.case_dispatch(actor=w.alice, case=new_case(title=f"抢单 {i}"), mode="pool", department=desk.gc)
        for i in range(cases_n)
    ]

    results = [
        r for batch in _ok(procs.in_processes(_grab, n, [m.pk for m in members], [c.pk for c in cases])) for r in batch
    ]

    assert set(Counter(code for _c, _a, code in results)) <= {"ok", "illegal_transition", "not_in_pool"}
    for case in cases:
        winners = [actor for pk, actor, code in results if pk == case.pk and code == "ok"]
        assert len(winners) == 1
        case.refresh_from_db()
        assert case.status == Status.ACCEPTED and case.assignee_id == winners[0] and not case.in_pool
        grabs = CaseEvent.objects.filter(case=case, kind="grab")
        assert list(grabs.values_list("actor_id", flat=True)) == winners


def _dispatch_to(index, barrier, ids, case_pks):
    from kefu.org.models import Department, User
    from kefu.tickets import services

    actor = User.objects.get(pk=ids["dispatchers"][index % len(ids["dispatchers"])])
    fred = User.objects.get(pk=ids["fred"])
    gc = Department.objects.get(pk=ids["gc"])
    case = Case.objects.get(pk=case_pks[index])
    barrier.wait()
    try:
        services.case_dispatch(actor=actor, case=case, assignee=fred, department=gc)
        return "ok"
    except Conflict as exc:
        return exc.code


def test_it_keeps_the_per_person_cap_when_different_cases_are_dispatched_to_one_person_at_once(desk, new_case):
    """工程部 allows 1 open job per person. Different dispatchers send different cases to the same handler at the
    same moment: one dispatch goes through, the others are refused with cap_reached; the handler has 1 job."""
    w = desk.w
    n = 8 if big() else 4
    desk.gc.max_open_jobs = 1
    desk.gc.save()
    cases = [new_case(title=f"同时派给一个人 {i}") for i in range(n)]
    ids = {"dispatchers": [w.alice.pk, w.sam.pk, w.carl.pk], "fred": desk.fred.pk, "gc": desk.gc.pk}

    answers = _ok(procs.in_processes(_dispatch_to, n, ids, [c.pk for c in cases]))

    assert sorted(answers) == ["cap_reached"] * (n - 1) + ["ok"]
    assert Case.objects.filter(assignee=desk.fred, status=Status.DISPATCHED).count() == 1


def _grab_one(index, barrier, fred_pk, case_pks):
    from kefu.org.models import User
    from kefu.tickets import services

    fred = User.objects.get(pk=fred_pk)
    case = Case.objects.get(pk=case_pks[index])
    barrier.wait()
    try:
        services.case_grab(actor=fred, case=case)
        return "ok"
    except Conflict as exc:
        return exc.code


def test_it_keeps_the_per_person_cap_when_one_person_grabs_several_cases_at_once(desk, new_case):
    """The same handler grabs different pooled cases at the same moment (several phones or tabs) with a cap of 1
    open job: one grab goes through, the others are refused with cap_reached."""
    from kefu.tickets import services

    w = desk.w
    n = 6 if big() else 3
    desk.gc.max_open_jobs = 1
    desk.gc.save()
    cases = [
        services.case_dispatch(actor=w.alice, case=new_case(title=f"池中 {i}"), mode="pool", department=desk.gc)
        for i in range(n)
    ]

    answers = _ok(procs.in_processes(_grab_one, n, desk.fred.pk, [c.pk for c in cases]))

    assert sorted(answers) == ["cap_reached"] * (n - 1) + ["ok"]
    assert Case.objects.filter(assignee=desk.fred).count() == 1


def _dispatch_round_robin(index, barrier, ids, case_pks):
    from kefu.org.models import Department, User
    from kefu.tickets import services

    actor = User.objects.get(pk=ids["dispatchers"][index % len(ids["dispatchers"])])
    gc = Department.objects.get(pk=ids["gc"])
    case = Case.objects.get(pk=case_pks[index])
    barrier.wait()
    try:
        services.case_dispatch(actor=actor, case=case, mode="department", department=gc)
        return "ok"
    except Conflict as exc:
        return exc.code


def test_it_keeps_the_per_person_cap_when_cases_are_dispatched_round_robin_at_once(desk, new_case):
    """轮派 to 工程部 (two members on duty, 1 open job each) of more cases than they can take, all at the same
    moment: two go through, one to each member; the rest are refused (cap reached / no one free)."""
    w = desk.w
    n = 6 if big() else 4
    desk.gc.max_open_jobs = 1
    desk.gc.save()
    cases = [new_case(title=f"轮派 {i}") for i in range(n)]
    ids = {"dispatchers": [w.alice.pk, w.sam.pk, w.carl.pk], "gc": desk.gc.pk}

    answers = _ok(procs.in_processes(_dispatch_round_robin, n, ids, [c.pk for c in cases]))

    assert answers.count("ok") == 2 and set(answers) <= {"ok", "cap_reached", "no_one_on_duty"}
    jobs = Counter(Case.objects.filter(status=Status.DISPATCHED).values_list("assignee_id", flat=True))
    assert jobs == Counter({desk.fred.pk: 1, desk.gus.pk: 1})
