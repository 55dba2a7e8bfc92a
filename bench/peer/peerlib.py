"""What the peer's scripts share: where a data set lives, and Django set-up. Standard library only at import.

A data set is chosen by its number of tickets: SQLite ``bench/peer/var/helpdesk-<N>.sqlite3``, or with a
PostgreSQL URL (``--database-url`` / ``PEER_DATABASE_URL``) that database (by convention ``peer_10k``,
``peer_100k``, ``peer_1m`` on the shared server).
"""

from __future__ import annotations

import contextlib
import os
import sys
import urllib.parse
from pathlib import Path

PEER_DIR = Path(__file__).resolve().parent
ROOT = PEER_DIR.parent.parent  # the Kefu repository
VAR_DIR = PEER_DIR / "var"
VENV_PYTHON = PEER_DIR / ".venv" / "bin" / "python"
RESULTS = ROOT / "bench" / "results"


def label(tickets: int) -> str:
    """10000 -> "10k", 1000000 -> "1m" (names of PostgreSQL databases)."""
    if tickets % 1_000_000 == 0:
        return f"{tickets // 1_000_000}m"
    if tickets % 1000 == 0:
        return f"{tickets // 1000}k"
    return str(tickets)


def sqlite_path(tickets: int) -> Path:
    return VAR_DIR / f"helpdesk-{tickets}.sqlite3"


def peer_pg_url(server_url: str, tickets: int) -> str:
    """The peer's database on the server of `server_url` (any database there): .../peer_<label>."""
    u = urllib.parse.urlsplit(server_url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, f"/peer_{label(tickets)}", "", ""))


def dataset_env(tickets: int, database_url: str | None = None) -> dict[str, str]:
    """The environment that points peerdesk.settings at the data set of `tickets` tickets."""
    if database_url:
        return {"PEER_DATABASE_URL": database_url}
    return {"PEER_SQLITE": str(sqlite_path(tickets))}


def setup_django(tickets: int, database_url: str | None = None) -> None:
    """Django set-up with peerdesk.settings for that data set (run under bench/peer/.venv's Python)."""
    os.environ.pop("PEER_DATABASE_URL", None)
    os.environ.pop("PEER_SQLITE", None)
    os.environ.update(dataset_env(tickets, database_url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "peerdesk.settings"
    for path in (str(PEER_DIR), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    VAR_DIR.mkdir(exist_ok=True)
    import django

    django.setup()


def versions() -> dict[str, str]:
    """Versions of the peer's stack (inside its virtual environment)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    for name in ("django-helpdesk", "Django", "djangorestframework", "gunicorn", "psycopg"):
        with contextlib.suppress(PackageNotFoundError):
            out[name] = version(name)
    return out
