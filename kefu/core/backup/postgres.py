"""PostgreSQL: pg_dump -Fc in an exported snapshot; pg_restore --clean --if-exists --single-transaction.

The binaries come from KEFU_PG_BIN if set, else /usr/lib/postgresql/<server major>/bin (Debian's layout, the
version that matches the server), else PATH. The connection is the Django settings' one, handed to them in
libpq's environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, ...): the password never
appears on a command line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

from .errors import MSG_CONNECT, MSG_EXTRA_TABLES, MSG_INTEGRITY, MSG_TOOL_FAILED, MSG_TOOL_MISSING, BackupError
from .snapshot import Snapshot

# libpq connection keywords that Django's OPTIONS may carry, and their environment variables.
LIBPQ_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "options": "PGOPTIONS",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}
DEBIAN_BIN = "/usr/lib/postgresql/{major}/bin"
# A restore waits at most this long for a lock (a web process or worker in the middle of a transaction) and
# then fails, changing nothing, instead of hanging; no statement timeout of the role cuts a long COPY short.
RESTORE_OPTIONS = "-c lock_timeout=60s -c statement_timeout=0"
TABLES_SQL = """
    SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
    ORDER BY 1, 2
"""


def conninfo(db: Mapping[str, Any]) -> dict[str, str]:
    """libpq keywords from a Django DATABASES entry."""
    info: dict[str, Any] = {
        "dbname": db.get("NAME"),
        "user": db.get("USER"),
        "password": db.get("PASSWORD"),
        "host": db.get("HOST"),
        "port": db.get("PORT"),
    }
    for key, value in (db.get("OPTIONS") or {}).items():
        if key in LIBPQ_ENV:
            info[key] = value
    return {k: str(v) for k, v in info.items() if v not in (None, "")}


def connect(db: Mapping[str, Any], autocommit: bool = False) -> psycopg.Connection[TupleRow]:
    try:
        return psycopg.connect(**conninfo(db), autocommit=autocommit)  # type: ignore[arg-type]
    except psycopg.OperationalError as exc:
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
        raise BackupError(MSG_CONNECT.format(name=db.get("NAME"), detail=detail)) from exc


def tool(name: str, server_major: int | None) -> str:
    """The path of pg_dump or pg_restore."""
    if configured := os.environ.get("KEFU_PG_BIN"):
        path = Path(configured) / name
        if not os.access(path, os.X_OK):
            raise BackupError(MSG_TOOL_MISSING.format(name=path))
        return str(path)
    if server_major is not None:
        path = Path(DEBIAN_BIN.format(major=server_major)) / name
        if os.access(path, os.X_OK):
            return str(path)
    if found := shutil.which(name):
        return found
    raise BackupError(MSG_TOOL_MISSING.format(name=name))


def _env(db: Mapping[str, Any], options: str = "") -> dict[str, str]:
    env = dict(os.environ)
    for key, value in conninfo(db).items():
        env[LIBPQ_ENV[key]] = value
    if options:
        env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} {options}".strip()
    return env


def _run(cmd: list[str], env: Mapping[str, str]) -> str:
    name = Path(cmd[0]).name
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except OSError as exc:
        raise BackupError(MSG_TOOL_MISSING.format(name=cmd[0])) from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        detail = " | ".join(lines[-5:]) or f"exit status {done.returncode}"
        raise BackupError(MSG_TOOL_FAILED.format(name=name, detail=detail))
    return done.stdout


def _qualified(schema: str, table: str) -> str:
    return table if schema == "public" else f"{schema}.{table}"


def _tables(conn: psycopg.Connection[TupleRow]) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in conn.execute(TABLES_SQL).fetchall()]


def _counts(conn: psycopg.Connection[TupleRow]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for schema, table in _tables(conn):
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
        counts[_qualified(schema, table)] = row.fetchone()[0]  # type: ignore[index]
    return counts


def _migrations(conn: psycopg.Connection[TupleRow]) -> list[str]:
    if ("public", "django_migrations") not in _tables(conn):
        return []
    return sorted(f"{app}.{name}" for app, name in conn.execute("SELECT app, name FROM django_migrations"))


def dump(db: Mapping[str, Any], dest: Path) -> Snapshot:
    """pg_dump in custom format of a snapshot exported by a REPEATABLE READ transaction, in which the row counts
    and the applied migrations are read too: the manifest describes exactly what the dump holds."""
    with connect(db) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot_id = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        version = conn.execute("SELECT current_setting('server_version')").fetchone()[0]  # type: ignore[index]
        counts, migrations = _counts(conn), _migrations(conn)
        major = conn.info.server_version // 10000
        _run([tool("pg_dump", major), "--format=custom", f"--snapshot={snapshot_id}", f"--file={dest}"], _env(db))
        conn.rollback()
    return Snapshot(server_version=str(version).split()[0], tables=counts, migrations=migrations)


def dump_tables(db_file: Path, manifest: Mapping[str, Any]) -> set[str]:
    """The tables of a dump, from its table of contents (`pg_restore --list`, which also proves it readable)."""
    major = int(str(manifest.get("server_version", "0")).split(".")[0] or 0) or None
    listing = _run([tool("pg_restore", major), "--list", str(db_file)], os.environ)
    found: set[str] = set()
    for line in listing.splitlines():
        # 218; 1259 16385 TABLE public auth_group postgres   (TABLE DATA lines name the same tables)
        fields = line.split()
        if len(fields) >= 6 and not line.startswith(";") and fields[3] == "TABLE" and fields[4] != "DATA":
            found.add(_qualified(fields[4], fields[5]))
    if missing := set(manifest["tables"]) - found:
        raise BackupError(MSG_INTEGRITY.format(detail=f"the dump lacks {', '.join(sorted(missing)[:5])}"))
    return found


def table_count(db: Mapping[str, Any], archive_tables: set[str]) -> int:
    """How many tables the target database has; refuses a target with tables the dump does not have (they
    would survive the restore and block the next migrate)."""
    with connect(db, autocommit=True) as conn:
        present = {_qualified(s, t) for s, t in _tables(conn)}
    if extra := present - archive_tables:
        raise BackupError(MSG_EXTRA_TABLES.format(names=", ".join(sorted(extra)[:5])))
    return len(present)


def install(db: Mapping[str, Any], db_file: Path) -> None:
    """pg_restore in one transaction: every object of the dump dropped if present and created again, the data
    loaded; any error rolls all of it back. Objects are owned by the connecting role. Then ANALYZE (pg_restore
    does not restore the planner's statistics)."""
    with connect(db, autocommit=True) as conn:
        major = conn.info.server_version // 10000
    cmd = [
        tool("pg_restore", major),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={db['NAME']}",
        str(db_file),
    ]
    _run(cmd, _env(db, RESTORE_OPTIONS))
    with connect(db, autocommit=True) as conn:
        conn.execute("ANALYZE")


def counts(db: Mapping[str, Any]) -> dict[str, int]:
    with connect(db, autocommit=True) as conn:
        return _counts(conn)
