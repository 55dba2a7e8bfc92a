"""Reads from a PostgreSQL replica for reports, when one is configured (DATABASE_REPLICA_URL, docs/deploy.md).

Only code that runs inside `replica_reads()` reads from the "replica" alias: the report pages, the dashboard
and the scheduled reports the worker builds. They tolerate a replica that is a second or two behind; nothing
else does (a case page right after a change must show the change), so everything else reads from "default".

    with replica_reads():
        tables = report.build(user, filters, now)

    @replica_reads()
    def dashboard(request): ...

Inside the context, a read still goes to "default":
- when no "replica" alias is configured (nothing changes without a replica);
- inside a transaction.atomic() block on "default" (a write transaction reads what it has written, and a
  select_for_update() always goes to the write database anyway);
- for querysets Django marks as writes (get_or_create, select_for_update, update, delete).
Writes always go to "default"; migrations run only on "default" (the replica follows by streaming
replication); relations between objects read from either alias are allowed (they are the same database).

The flag is a contextvar, so it is per thread and per asyncio task, and nested contexts restore it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_replica_reads: ContextVar[bool] = ContextVar("kefu_replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside go to the replica when one is configured (also usable as a decorator: @replica_reads())."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def _in_write_transaction() -> bool:
    """An atomic block is open on "default" (the blocks a test case opens around each test do not count)."""
    return any(not getattr(block, "_from_testcase", False) for block in connections[DEFAULT_DB_ALIAS].atomic_blocks)


def reads_alias() -> str:
    """Where a read made here goes: "replica" inside replica_reads() when it applies, else "default"."""
    if _replica_reads.get() and replica_configured() and not _in_write_transaction():
        return REPLICA
    return DEFAULT_DB_ALIAS


class ReplicaRouter:
    """settings.DATABASE_ROUTERS when DATABASE_REPLICA_URL is set."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        return reads_alias()

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
