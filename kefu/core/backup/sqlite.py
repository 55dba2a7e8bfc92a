"""SQLite: an online copy with the backup API, and a restore with it in the other direction."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from .errors import MSG_INTEGRITY, MSG_SQLITE_MISSING, MSG_TOOL_FAILED, BackupError
from .snapshot import Snapshot

BUSY_MS = 30000


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    return conn


def _read_only(path: Path) -> str:
    return path.resolve().as_uri() + "?mode=ro"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def tables(conn: sqlite3.Connection) -> list[str]:
    """The tables that hold rows: FTS5's shadow tables included, the virtual table over them and SQLite's own
    (sqlite_sequence, sqlite_stat1) left out."""
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "ORDER BY name"
    ).fetchall()
    return [name for name, sql in rows if not (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {_quote(t)}").fetchone()[0] for t in tables(conn)}  # noqa: S608


def _migrations(conn: sqlite3.Connection) -> list[str]:
    if "django_migrations" not in tables(conn):
        return []
    return sorted(f"{app}.{name}" for app, name in conn.execute("SELECT app, name FROM django_migrations"))


def _path(db: Mapping[str, Any]) -> Path:
    return Path(str(db["NAME"]))


def dump(db: Mapping[str, Any], dest: Path) -> Snapshot:
    """Copy the live database file to dest, consistent while others write: the backup API copies every page
    in one step, inside one read transaction (in WAL mode writers go on meanwhile). The copy is a single
    self-contained file (rollback journal, no -wal beside it); a quick check and the row counts are taken on it."""
    source = _path(db)
    if not source.is_file():
        raise BackupError(MSG_SQLITE_MISSING.format(path=source))
    with closing(_connect(source)) as src, closing(sqlite3.connect(dest, isolation_level=None)) as dst:
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")
    with closing(sqlite3.connect(dest, isolation_level=None)) as conn:
        result = conn.execute("PRAGMA quick_check").fetchall()
        if result != [("ok",)]:
            raise BackupError(MSG_INTEGRITY.format(detail="; ".join(r[0] for r in result[:5])))
        return Snapshot(server_version=sqlite3.sqlite_version, tables=_counts(conn), migrations=_migrations(conn))


def verify(db_file: Path, manifest: Mapping[str, Any]) -> None:
    """The staged copy passes SQLite's full integrity check and holds the rows the manifest counted."""
    try:
        with closing(sqlite3.connect(_read_only(db_file), uri=True)) as conn:
            result = conn.execute("PRAGMA integrity_check").fetchall()
            counts = _counts(conn) if result == [("ok",)] else {}
    except sqlite3.DatabaseError as exc:
        raise BackupError(MSG_INTEGRITY.format(detail=exc)) from exc
    if result != [("ok",)]:
        raise BackupError(MSG_INTEGRITY.format(detail="; ".join(r[0] for r in result[:5])))
    if counts != manifest["tables"]:
        raise BackupError(MSG_INTEGRITY.format(detail="row counts differ from the manifest"))


def table_count(db: Mapping[str, Any]) -> int:
    """How many tables the target database has (0: no file, or an empty one)."""
    path = _path(db)
    if not path.is_file() or path.stat().st_size == 0:
        return 0
    with closing(_connect(path)) as conn:  # read-write: a read-only one would leave -wal and -shm files behind
        return len(tables(conn))


def install(db: Mapping[str, Any], db_file: Path) -> None:
    """Replace the target's content with the staged copy in one write transaction (the backup API into the
    live file), so a process that has it open sees either the old or the restored database. Then WAL mode
    again, as the settings open it."""
    target = _path(db)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(db_file, isolation_level=None)) as src, closing(_connect(target)) as dst:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as exc:
        raise BackupError(MSG_TOOL_FAILED.format(name="sqlite3 backup", detail=exc)) from exc


def counts(db: Mapping[str, Any]) -> dict[str, int]:
    with closing(_connect(_path(db))) as conn:
        return _counts(conn)
