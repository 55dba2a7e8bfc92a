"""With a real second database as the replica: report pages and the dashboard read from it, case pages and
writes use the primary (kefu/core/db_router.py).

The replica is a copy of the test database (a second SQLite file, or a PostgreSQL database made from the test
database as a template) taken after the first complaints were written; more complaints are written to "default"
afterwards, so the complaints a report lists say which database it read. The alias exists only while this
module runs (the test runner knows nothing of it), and the copy is removed at the end."""

from __future__ import annotations

import copy
import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext

from kefu.conftest import login
from kefu.core.db_router import REPLICA, replica_reads
from kefu.reports import views as report_views
from kefu.tickets import services as ts
from kefu.tickets.models import Case

pytestmark = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])

BJ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 15, 9, 0, tzinfo=BJ)
TALLY = "/reports/monthly-tally/?month=2026-11"


def _sqlite(settings: dict[str, Any]) -> bool:
    return settings["ENGINE"].endswith("sqlite3")


def _drop(default: dict[str, Any], name: str) -> None:
    if _sqlite(default):
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
    else:
        with connections[DEFAULT_DB_ALIAS]._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _copy(default: dict[str, Any], name: str) -> None:
    """What "default" has committed becomes the replica's content."""
    connections[REPLICA].close()
    _drop(default, name)
    if _sqlite(default):
        src, dst = sqlite3.connect(default["NAME"]), sqlite3.connect(name)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
    else:
        connections[DEFAULT_DB_ALIAS].close()  # a template database must have no other session
        with connections[DEFAULT_DB_ALIAS]._nodb_cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{default["NAME"]}"')


def _forget_replica() -> None:
    """Close and drop a "replica" connection object that an earlier test may have left in this thread."""
    if any(c.alias == REPLICA for c in connections.all(initialized_only=True)):
        connections[REPLICA].close()
        del connections[REPLICA]


@pytest.fixture(scope="module")
def replica_copy(django_db_setup, django_db_blocker) -> Iterator[Callable[[], None]]:
    """The "replica" alias, on a copy of the test database; yields the function that copies it again."""
    default = connections[DEFAULT_DB_ALIAS].settings_dict
    name = f"{Path(default['NAME']).with_suffix('')}_replica.sqlite3" if _sqlite(default) else f"{default['NAME']}_r"
    connections.settings[REPLICA] = {**copy.deepcopy(default), "NAME": name}
    _forget_replica()
    with django_db_blocker.unblock():
        _copy(default, name)
    try:
        yield lambda: _copy(default, name)
    finally:
        _forget_replica()
        del connections.settings[REPLICA]
        with django_db_blocker.unblock():
            _drop(default, name)


@pytest.fixture
def routed(replica_copy, settings) -> Callable[[], None]:
    settings.DATABASE_ROUTERS = ["kefu.core.db_router.ReplicaRouter"]
    return replica_copy


def _complaint(w: Any, n: int) -> Case:
    return ts.case_create(
        actor=w.alice,
        project=w.a,
        kind="complaint",
        channel="phone",
        description=f"投诉 {n}：楼道灯不亮",
        customer=w.cust_a1,
        unit=w.unit_a1,
        now=dt.datetime(2026, 11, 10 + n, 10, 0, tzinfo=BJ),
    )


def _tally_numbers(client: Any) -> set[str]:
    """The case numbers in the monthly tally's list of open items."""
    page = client.get(TALLY)
    assert page.status_code == 200
    (items,) = [t for t in page.context["tables"] if t.key == "items"]
    return {row[0][0] for row in items.rows}


def test_reports_and_the_dashboard_read_from_the_replica_writes_go_to_default(routed, world, client, monkeypatch):
    monkeypatch.setattr(report_views, "_now", lambda: NOW)
    early = {_complaint(world, n).number for n in range(2)}
    routed()  # the replica now holds the first two complaints
    late = _complaint(world, 2).number
    assert Case.objects.using(REPLICA).count() == 2 and Case.objects.count() == 3
    login(client, world.mia)

    assert _tally_numbers(client) == early  # not the third: the report read the replica
    for page in ("/", "/reports/visits/?report=rate"):
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            assert client.get(page).status_code == 200
        assert on_replica.captured_queries, f"{page} reads from the replica"
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        page = client.get(f"/cases/{late}/")
    assert page.status_code == 200 and not on_replica.captured_queries, "a case page reads from the primary"

    # A write inside the context goes to the primary.
    with replica_reads():
        fourth = _complaint(world, 3)
    assert Case.objects.filter(pk=fourth.pk).exists()
    assert not Case.objects.using(REPLICA).filter(number=fourth.number).exists()


def test_without_the_router_the_same_page_reads_the_primary(replica_copy, world, client, monkeypatch):
    monkeypatch.setattr(report_views, "_now", lambda: NOW)
    numbers = {_complaint(world, n).number for n in range(2)}
    login(client, world.mia)
    # The alias exists, but no router sends anything to it.
    assert _tally_numbers(client) == numbers
