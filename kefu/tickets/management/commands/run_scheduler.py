"""The scheduler: `manage.py run_scheduler` sweeps the SLA deadlines every minute.

A plain loop that polls the database (no broker, no beat): each round calls
kefu.tickets.escalation.sweep(), kefu.visits.services.remind() (calls due, overdue return visits),
kefu.quality.jobs.run_due() (the nightly reconciliation, the morning stuck-item digest) and
kefu.reports.jobs.run_due() (scheduled report e-mails that fall due, and their retries),
kefu.notices.services.run_due() (scheduled notices that fall due, each published once) and
kefu.notify.outbox.send_due() (e-mail/SMS/WeChat deliveries the worker has not sent yet), then sleeps
--interval seconds (less when the sweep hit its limit and more work is waiting). SIGTERM or SIGINT stops
it between rounds, or at once while it sleeps. Several schedulers may run at once (PostgreSQL row locks
with SKIP LOCKED; Escalation, DailyJob rows and notification dedupe keys are unique), and a restart
repeats nothing.

    run_scheduler                 loop forever (bin/run starts it beside the web server and db_worker)
    run_scheduler --interval 30   sweep every 30 seconds
    run_scheduler --once          one sweep, then exit (cron, tests)
"""

from __future__ import annotations

import signal
import threading
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from kefu.notices import services as notice_services
from kefu.notify import outbox
from kefu.quality import jobs as quality_jobs
from kefu.reports import jobs as report_jobs
from kefu.tickets import escalation
from kefu.visits import services as visit_services


class Command(BaseCommand):
    help = "Warn before SLA deadlines and escalate breaches (a loop; --once for a single sweep)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=60.0, help="seconds between sweeps (default 60)")
        parser.add_argument("--once", action="store_true", help="run one sweep and exit")
        parser.add_argument(
            "--limit", type=int, default=escalation.DEFAULT_LIMIT, help="cases handled per sweep at most"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        self.stopping = threading.Event()
        self.verbosity = int(opts.get("verbosity", 1))
        interval = max(0.1, float(opts["interval"]))
        if opts["once"]:
            self._round(opts["limit"])
            return
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        self.stdout.write(f"scheduler: sweeping SLA deadlines every {interval:g}s")
        self.stdout.flush()
        try:
            while not self.stopping.is_set():
                started = time.monotonic()
                result = self._round(opts["limit"])
                close_old_connections()
                wait = 0.0 if result is not None and result.more else interval - (time.monotonic() - started)
                if wait > 0:
                    self.stopping.wait(wait)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("scheduler: stopped")

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping.set()

    def _round(self, limit: int) -> escalation.SweepResult | None:
        try:
            result = escalation.sweep(limit=limit)
            reminded = visit_services.remind(limit=limit)
            if reminded and self.verbosity >= 1:
                self.stdout.write(f"scheduler: {reminded} visit reminders")
            for line in quality_jobs.run_due():
                self.stdout.write(f"scheduler: {line}")
            for line in report_jobs.run_due():
                self.stdout.write(f"scheduler: {line}")
            for line in notice_services.run_due():
                self.stdout.write(f"scheduler: {line}")
            sent = outbox.send_due(limit=limit)
            if sent and self.verbosity >= 1:
                self.stdout.write(f"scheduler: outbox {sent}")
        except Exception as exc:  # the loop survives a failed round (e.g. the database restarting)
            self.stderr.write(f"scheduler: sweep failed: {exc!r}")
            close_old_connections()
            return None
        if result.cases or result.errors or self.verbosity >= 2:
            self.stdout.write(f"scheduler: {result}")
            self.stdout.flush()
        return result
