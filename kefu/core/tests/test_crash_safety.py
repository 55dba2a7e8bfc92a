"""Crash safety: the worker, the scheduler and web processes killed with SIGKILL in the middle of their work.

The programs run as they do in production (`manage.py run_scheduler`, `manage.py db_worker`, gunicorn) on the
committed test database; the e-mail goes to a real SMTP server (aiosmtpd) that can hold back its answer, the SMS
to a real HTTP gateway (kefu/testing_servers.py). After the kills and a restart, the database and what the
servers received are compared. What is guaranteed and what is not: docs/reliability.md.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from django.db import connection, transaction
from django.utils import timezone

from kefu import testing_procs as procs
from kefu.notify import outbox
from kefu.notify.models import ChannelPreference, Delivery, Notification
from kefu.testing_servers import gateway_server, smtp_settings
from kefu.tickets import escalation
from kefu.tickets.models import Attachment, Case, CaseEvent, Escalation, IdempotencyKey, SearchDocument

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


def big() -> bool:
    return connection.vendor == "postgresql"


# The worker and the scheduler killed mid-escalation and mid-sending ------------------------------------------------


def _stable(sample, seconds: float = 1.0) -> bool:
    first = sample()
    time.sleep(seconds)
    return sample() == first


def test_it_escalates_and_sends_once_across_kills_of_the_worker_and_scheduler(desk, new_case, settings, tmp_path):
    """Overdue complaints, each due for a warning and three escalation levels on both clocks; every escalation
    notifies by e-mail and SMS. The scheduler (4 cases a round) and the task worker run as separate programs.

    1. The SMTP server holds back its "250": both programs block inside an e-mail, after the server has the
       message. Both are killed (SIGKILL): mid-escalation (only the first round's cases are done) and mid-send.
    2. Restarted, with the server answering: the worker and then the scheduler are killed again at once.
    3. Restarted, with a second scheduler beside the first, they finish; stopped. Five minutes later (the claim
       lease) the sweep recovers what the kills left claimed.

    Then: every due escalation is recorded once with its one timeline event and its notifications; every SMS
    reached the gateway once; every e-mail is either sent and received once, or a dead letter "result unknown"
    (the kill fell between the SMTP server taking it and the database recording it: at most one per killed
    sender); no e-mail was received twice."""
    w = desk.w
    n = 12 if big() else 16
    for i, person in enumerate((w.sam, w.mia, w.hera)):
        person.email, person.mobile = f"{person.username}@example.com", f"1390000000{i}"
        person.save()
        ChannelPreference.objects.create(user=person, email=True, sms=True)
    opened = timezone.now() - dt.timedelta(days=30)
    cases = [new_case(kind="complaint", title=f"投诉无人处理 {i}", now=opened) for i in range(n)]
    now = timezone.now()
    expected = {
        (c.pk, target, level)
        for c in cases
        for target, level in escalation.plan(c, policy=c.sla_policy, existing=set(), paused=dt.timedelta(0), now=now)
    }
    assert len(expected) >= 4 * n  # a warning and several levels per case: far more than one round's 4 cases

    with procs.gated_smtp_server() as smtp, gateway_server() as gw:
        env = procs.child_env(
            **smtp.env(), KEFU_SMS_GATEWAY_URL=gw.url, KEFU_SMS_GATEWAY_TOKEN="t0ken", KEFU_VAR_DIR=str(tmp_path)
        )
        scheduler = procs.manage("scheduler", "run_scheduler", "--interval", "0.2", "--limit", "4", env=env,
                                 log_dir=tmp_path)  # fmt: skip
        second = procs.manage("scheduler-2", "run_scheduler", "--interval", "0.2", "--limit", "4", env=env,
                              log_dir=tmp_path)  # fmt: skip
        worker = procs.manage("worker", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1",
                              env=env, log_dir=tmp_path)  # fmt: skip
        logs = lambda: scheduler.output() + worker.output()  # noqa: E731
        try:
            # 1. Both block inside an e-mail (the server has it, the sender waits for "250"): kill both.
            smtp.collector.gate.clear()
            scheduler.start()
            worker.start()
            procs.wait_until(lambda: smtp.collector.held() >= 2, timeout=120, what="both programs sending")
            held = smtp.collector.held_ids()
            scheduler.kill()
            worker.kill()
            recorded_at_kill = Escalation.objects.count()
            assert 0 < recorded_at_kill < len(expected), logs()

            # 2. Restart with the server answering (slowly), kill both again once a few more e-mails arrived.
            smtp.collector.delay = 0.02
            smtp.collector.gate.set()
            received = smtp.collector.count()
            scheduler.start()
            worker.start()
            procs.wait_until(lambda: smtp.collector.count() >= received + 5, timeout=120, what="more e-mails")
            worker.kill()
            scheduler.kill()

            # 3. Restart, with a second scheduler beside the first; when everything due is recorded and nothing is
            #    waiting, stop them (SIGTERM).
            scheduler.start()
            second.start()
            worker.start()

            def done() -> bool:
                return (
                    Escalation.objects.count() >= len(expected)
                    and not Delivery.objects.filter(status=Delivery.Status.PENDING).exists()
                )

            sample = lambda: (smtp.collector.count(), len(gw.requests), Delivery.objects.filter(status="sent").count())  # noqa: E731
            procs.wait_until(lambda: done() and _stable(sample), timeout=180, what="the outbox to drain", every=0.2)
            for program in (scheduler, second, worker):
                program.stop()
        finally:
            for program in (scheduler, second, worker):
                program.stop(5)
        kills = scheduler.kills + worker.kills

        # Five minutes on, the sweep recovers the deliveries the kills left claimed ("sending").
        for key, value in smtp_settings(smtp.host, smtp.port).items():
            setattr(settings, key, value)
        settings.KEFU_SMS_GATEWAY_URL, settings.KEFU_SMS_GATEWAY_TOKEN = gw.url, "t0ken"
        left_claimed = Delivery.objects.filter(status=Delivery.Status.SENDING).count()
        later = outbox.send_due(timezone.now() + outbox.LEASE + dt.timedelta(seconds=1))
        assert later.recovered == left_claimed
        received_ids = smtp.collector.ids()
        sms_accepted = set(gw.accepted)
        sms_to_phones = len(gw.delivered)
        sms_requests = len(gw.requests)

    # Every due escalation once, with one timeline event and the notifications of its level.
    assert set(Escalation.objects.values_list("case_id", "target", "level")) == expected
    assert Escalation.objects.count() == len(expected)
    events = CaseEvent.objects.filter(case__in=cases, kind__in=["warn", "escalate"])
    assert Counter((e.case_id, e.data["target"], e.data["level"]) for e in events) == Counter(expected)
    for c in cases:
        c.refresh_from_db()
        assert c.escalation_level == max(level for pk, _t, level in expected if pk == c.pk)
    keys = {f"esc:{pk}:{target}:{level}" for pk, target, level in expected}
    notes = Notification.objects.filter(dedupe_key__startswith="esc:")
    assert set(notes.values_list("dedupe_key", flat=True)) == keys
    assert notes.count() == len(keys)  # one recipient per level here (supervisor, manager, head office)

    # Every delivery ended: sent, or (e-mail only) a dead letter that says the result is unknown. (The scheduler's
    # other jobs may have notified too: every delivery is checked, the escalations' among them.)
    assert Delivery.objects.filter(notification__in=notes).count() == 2 * len(keys)
    deliveries = Delivery.objects.all()
    sms = deliveries.filter(channel="sms")
    assert set(sms.values_list("status", flat=True)) == {"sent"}
    # The gateway passes each key on to the phone once (a retry after a kill repeats the key, and is dropped).
    assert sms_accepted == {f"kefu-delivery-{pk}" for pk in sms.values_list("pk", flat=True)}
    assert sms_to_phones == sms.count()
    mail = deliveries.filter(channel="email")
    sent_ids = {f"<kefu-delivery-{pk}@kefu>" for pk in mail.filter(status="sent").values_list("pk", flat=True)}
    dead = mail.filter(status="dead")
    dead_ids = {f"<kefu-delivery-{pk}@kefu>" for pk in dead.values_list("pk", flat=True)}
    assert mail.exclude(status__in=["sent", "dead"]).count() == 0
    assert set(dead.values_list("last_error", flat=True)) <= {outbox.UNKNOWN_RESULT}
    assert max(received_ids.values()) == 1  # no e-mail received twice
    assert set(received_ids) <= sent_ids | dead_ids  # nothing received that is not a delivery
    assert sent_ids <= set(received_ids)  # every e-mail marked sent was received
    assert held <= dead_ids  # the two the kills interrupted after the server had them: not sent again
    assert len(held) == 2 and 2 <= len(dead_ids) <= kills
    print(
        f"\ncrash-safety worker: {n} cases, {len(expected)} escalations, {deliveries.count()} deliveries, "
        f"{kills} kills, {len(sent_ids)} e-mails sent, {len(dead_ids)} result unknown "
        f"({len(dead_ids & set(received_ids))} of them received), {sms_requests} SMS requests for "
        f"{sms_to_phones} SMS, recovered {later.recovered}"
    )


# A web process killed during intake ----------------------------------------------------------------------------


def _intake_fields(desk, title: str) -> dict[str, str]:
    w = desk.w
    return {
        "project": "A", "kind": "repair", "channel": "wechat", "category": str(desk.leak.pk),
        "customer": str(w.cust_a1.pk), "unit": str(w.unit_a1.pk), "title": title, "description": f"{title}：阳台漏水",
    }  # fmt: skip


def _files_on_disk(media: Path) -> set[str]:
    return {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()} if media.exists() else set()


def _check_every_case_whole(media: Path) -> None:
    """Every case has its 创建 event, its search document and its attachment with its event and file."""
    for case in Case.objects.all():
        assert CaseEvent.objects.filter(case=case, kind="create").count() == 1, case.number
        assert SearchDocument.objects.filter(case=case).exists(), case.number
        atts = list(Attachment.objects.filter(case=case))
        assert len(atts) == 1, case.number
        att_events = CaseEvent.objects.filter(case=case, kind="attachment")
        assert [e.data["attachment"] for e in att_events] == [atts[0].pk], case.number
        assert (media / str(atts[0].file.name)).is_file(), case.number
    for e in CaseEvent.objects.filter(kind="attachment"):
        assert Attachment.objects.filter(pk=e.data["attachment"], case_id=e.case_id).exists()
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    by_day: dict[str, list[int]] = {}
    for number in numbers:
        head, _, seq = number.rpartition("-")
        by_day.setdefault(head, []).append(int(seq))
    for head, seqs in by_day.items():  # a rolled-back intake gives its number back: no gaps
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), head


def test_it_leaves_no_half_written_case_when_web_workers_are_killed_during_intake(desk, tmp_path):
    """Clients post cases with a photo to gunicorn (2 sync workers) without pause, each with its own Idempotency-
    Key, retrying a request that was cut off. Meanwhile every worker is killed (SIGKILL) over and over; gunicorn
    starts new ones. Afterwards every case is whole, numbers are unique and without gaps, and every client's
    case exists exactly once."""
    from rest_framework.authtoken.models import Token

    clients_n, per_client, kills_wanted = (4, 10, 8) if big() else (3, 8, 6)
    token = Token.objects.create(user=desk.w.alice).key
    var = tmp_path / "var"
    media = var / "media"
    web_port = procs.port()
    server = procs.gunicorn("web", web_port, env=procs.child_env(KEFU_VAR_DIR=str(var)), log_dir=tmp_path)
    url = f"http://127.0.0.1:{web_port}/api/v1/cases/"
    answers: dict[str, tuple[int, str]] = {}
    cut = Counter[str]()
    lock = threading.Lock()
    stop = threading.Event()
    killed = threading.Event()
    failures: list[str] = []

    def client(c: int) -> None:
        # At least per_client cases each, and on until the killer is done: on a quick machine the clients must
        # not finish before the kills begin.
        m = 0
        while (m < per_client or not killed.is_set()) and not stop.is_set():
            key = f"crash-{c}-{m}"
            m += 1
            fields = _intake_fields(desk, f"断电测试 {key}")
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    r = requests.post(
                        url, data=fields, files={"files": ("leak.png", PNG, "image/png")},
                        headers={"Authorization": f"Token {token}", "Idempotency-Key": key}, timeout=60,
                    )  # fmt: skip
                except requests.RequestException:
                    with lock:
                        cut["cut"] += 1  # the worker died with the request: retry with the same key
                    time.sleep(0.05)
                    continue
                if r.status_code >= 500:
                    with lock:
                        cut[f"http {r.status_code}"] += 1
                    time.sleep(0.05)
                    continue
                with lock:
                    answers[key] = (r.status_code, r.json().get("number", r.text))
                break
            else:
                failures.append(f"{key}: no answer within 120 s")

    def killer() -> None:
        rng = random.Random(9)
        while not stop.is_set() and server.kills < kills_wanted * 2:  # two workers per round
            time.sleep(rng.uniform(0.1, 0.4))
            if not stop.is_set():
                server.kill_workers()
        killed.set()

    server.start()
    try:
        procs.wait_for_port(web_port)
        threads = [threading.Thread(target=client, args=(c,)) for c in range(clients_n)]
        for th in threads:
            th.start()
        kill_thread = threading.Thread(target=killer)
        kill_thread.start()
        for th in threads:
            th.join(300)
        stop.set()
        kill_thread.join(10)
    finally:
        stop.set()
        server.stop()
    log = server.output()

    assert not failures, failures
    assert cut["cut"] >= 1, log  # some kills landed while a request was being handled
    assert set(cut) <= {"cut"}, (cut, log[-3000:])
    assert len(answers) >= clients_n * per_client
    assert {status for status, _n in answers.values()} <= {200, 201}
    for key, (_status, number) in answers.items():
        assert IdempotencyKey.objects.get(key=key).case.number == number
    assert Case.objects.count() == len(answers)  # every client's case exactly once
    _check_every_case_whole(media)
    referenced = set(Attachment.objects.values_list("file", flat=True))
    orphans = _files_on_disk(media) - referenced
    # A request killed after saving its photo and before its commit leaves the file behind, unreferenced (the
    # database forgot the case): at most one per cut request.
    assert len(orphans) <= cut["cut"]
    print(
        f"\ncrash-safety web: {clients_n} clients x {per_client} cases, {server.kills} worker kills, "
        f"{cut['cut']} requests cut and retried, {Case.objects.count()} cases, {len(orphans)} orphan files"
    )


@pytest.mark.postgresql
def test_it_leaves_nothing_when_a_web_worker_is_killed_inside_the_intake_transaction(desk, tmp_path):
    """PostgreSQL: the search index table is locked, so an intake blocks at its last write, after its case row,
    its 创建 event, its attachment row and event, and its photo file are written. The worker is killed there. The
    transaction never commits: the case is gone whole. The client's retry with the same key then creates the case
    once, with the same number (the sequence was rolled back too); only the killed request's photo file stays on
    disk, referenced by nothing."""
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=desk.w.alice).key
    var = tmp_path / "var"
    media = var / "media"
    web_port = procs.port()
    server = procs.gunicorn("web", web_port, env=procs.child_env(KEFU_VAR_DIR=str(var)), log_dir=tmp_path)
    url = f"http://127.0.0.1:{web_port}/api/v1/cases/"
    fields = _intake_fields(desk, "锁住的受理")
    headers = {"Authorization": f"Token {token}", "Idempotency-Key": "locked-1"}
    first: list[BaseException | requests.Response] = []

    def post_first() -> None:
        try:
            first.append(requests.post(url, data=fields, files={"files": ("leak.png", PNG, "image/png")},
                                       headers=headers, timeout=60))  # fmt: skip
        except requests.ConnectionError as exc:
            first.append(exc)

    def waiting_on_lock() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction the view is a snapshot
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return int(cursor.fetchone()[0])

    server.start()
    try:
        procs.wait_for_port(web_port)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE tickets_searchdocument IN SHARE MODE")
            thread = threading.Thread(target=post_first)
            thread.start()
            procs.wait_until(waiting_on_lock, timeout=60, what="the intake to block on the search index")
            assert len(_files_on_disk(media)) == 1  # the photo is written, the transaction open
            assert server.kill_workers() == 2
            thread.join(30)
        assert first and isinstance(first[0], requests.ConnectionError)
        procs.wait_until(lambda: not waiting_on_lock(), timeout=30, what="the killed request's backend to go")
        assert not Case.objects.exists() and not Attachment.objects.exists() and not CaseEvent.objects.exists()
        retry = requests.post(url, data=fields, files={"files": ("leak.png", PNG, "image/png")}, headers=headers,
                              timeout=60)  # fmt: skip
    finally:
        server.stop()
    assert retry.status_code == 201, retry.text
    case = Case.objects.get()
    assert retry.json()["number"] == case.number and case.number.endswith("-0001")
    _check_every_case_whole(media)
    orphans = _files_on_disk(media) - set(Attachment.objects.values_list("file", flat=True))
    folder = Path(Attachment.objects.get().file.name).parent
    assert len(orphans) == 1 and Path(next(iter(orphans))).parent == folder  # in the folder of the same number
