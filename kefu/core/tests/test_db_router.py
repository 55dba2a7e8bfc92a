"""The replica router (kefu/core/db_router.py) by its rules, with a "replica" alias that only exists in the
settings: reads inside replica_reads() go to it, writes, transactions and everything outside the context stay on
"default", and without a replica nothing changes. test_db_router_replica.py runs pages on a real second database."""

from __future__ import annotations

import copy
import datetime as dt
import runpy
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction

from kefu.core import db_router
from kefu.core.db_router import REPLICA, ReplicaRouter, replica_reads
from kefu.tickets.models import Case

BJ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 15, 9, 0, tzinfo=BJ)
TALLY = "/reports/monthly-tally/?month=2026-11"
ROUTERS = ["kefu.core.db_router.ReplicaRouter"]


def test_settings_add_the_replica_and_the_router_only_when_configured(monkeypatch):
    path = Path(django_settings.BASE_DIR) / "kefu" / "settings.py"
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    plain = runpy.run_path(str(path))
    assert set(plain["DATABASES"]) == {"default"} and "DATABASE_ROUTERS" not in plain and "CACHES" not in plain

    monkeypatch.setenv("DATABASE_URL", "postgres://kefu@10.0.0.1:5432/kefu")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://kefu@10.0.0.2:5432/kefu")
    monkeypatch.setenv("DATABASE_CONN_HEALTH_CHECKS", "1")
    monkeypatch.setenv("REDIS_URL", "redis://10.0.0.3:6379/0")
    prod = runpy.run_path(str(path))
    replica = prod["DATABASES"]["replica"]
    assert replica["HOST"] == "10.0.0.2" and replica["CONN_HEALTH_CHECKS"] and replica["CONN_MAX_AGE"] == 60
    assert replica["OPTIONS"] == prod["DATABASES"]["default"]["OPTIONS"] == {"options": "-c jit=off"}
    assert replica["TEST"] == {"MIRROR": "default"}
    assert prod["DATABASE_ROUTERS"] == ROUTERS
    assert prod["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert prod["CACHES"]["default"]["LOCATION"] == "redis://10.0.0.3:6379/0"


def test_without_a_replica_reads_stay_on_default():
    assert not db_router.replica_configured()
    with replica_reads():
        assert ReplicaRouter().db_for_read(Case) == DEFAULT_DB_ALIAS
        assert Case.objects.all().db == DEFAULT_DB_ALIAS


@pytest.fixture
def fake_replica(monkeypatch):
    """A "replica" alias in the settings only (nothing connects to it) and the router installed."""
    monkeypatch.setitem(connections.settings, REPLICA, copy.deepcopy(connections.settings[DEFAULT_DB_ALIAS]))
    monkeypatch.setattr(router, "routers", [ReplicaRouter()])
    yield
    if any(c.alias == REPLICA for c in connections.all(initialized_only=True)):
        del connections[REPLICA]  # the connection object the test case's set-up made


def test_only_reads_inside_the_context_go_to_the_replica(fake_replica):
    r = ReplicaRouter()
    assert r.db_for_read(Case) == DEFAULT_DB_ALIAS
    with replica_reads():
        assert r.db_for_read(Case) == REPLICA and Case.objects.all().db == REPLICA
        assert r.db_for_write(Case) == DEFAULT_DB_ALIAS
        assert Case.objects.select_for_update().db == DEFAULT_DB_ALIAS  # Django marks it a write
        with replica_reads():
            assert r.db_for_read(Case) == REPLICA
        assert r.db_for_read(Case) == REPLICA  # the inner context restored, not cleared
    assert r.db_for_read(Case) == DEFAULT_DB_ALIAS
    assert r.allow_migrate(DEFAULT_DB_ALIAS, "tickets") and not r.allow_migrate(REPLICA, "tickets")
    assert r.allow_relation(object(), object())


def test_a_write_transaction_reads_from_default(fake_replica, db):
    with replica_reads():
        assert db_router.reads_alias() == REPLICA  # the test case's own transaction does not count
        with transaction.atomic():
            assert db_router.reads_alias() == DEFAULT_DB_ALIAS
        assert db_router.reads_alias() == REPLICA


def test_a_scheduled_report_is_built_inside_the_replica_context(fake_replica, world, monkeypatch):
    """The worker's delivery_send builds the workbook with replica reads; the delivery's own rows (claimed,
    failed here) stay on the primary."""
    from kefu.reports import registry
    from kefu.reports.models import ReportDelivery
    from kefu.reports.subscriptions import SubscriptionInput, delivery_send, subscription_save

    world.mia.email = "mia@example.com"
    world.mia.save()
    data = SubscriptionInput(report_key="visits-rate", frequency="monthly", hour=8, day_of_month=1, is_active=False)
    sub = subscription_save(actor=world.mia, data=data, now=dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
    delivery = ReportDelivery.objects.create(
        subscription=sub,
        period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 11, 30),
        period_kind="month",
        status=ReportDelivery.Status.PENDING,
        queued_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    )
    seen: list[str] = []

    def workbook(self, user, f, now):
        seen.append(db_router.reads_alias())
        raise RuntimeError("built")

    monkeypatch.setattr(registry.Report, "workbook", workbook)
    delivery_send(delivery.pk)
    assert seen == [REPLICA]
    delivery.refresh_from_db()
    assert delivery.status == ReportDelivery.Status.FAILED and "built" in delivery.last_error
