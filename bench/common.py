"""What the bench scripts share: Django set-up from the command line, and a description of the database."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def setup_django() -> None:
    """Set up Django with the project's settings (DATABASE_URL for PostgreSQL, else SQLite in KEFU_VAR_DIR)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    import django

    django.setup()


def db_label() -> str:
    """ "sqlite" or "postgresql": used in the names of result files."""
    from django.db import connection

    return str(connection.vendor)


def db_description() -> dict[str, Any]:
    from django.db import connection

    settings = connection.settings_dict
    info: dict[str, Any] = {"vendor": connection.vendor, "name": str(settings["NAME"])}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            info["version"] = cursor.fetchone()[0]
            path = Path(str(settings["NAME"]))
            if path.exists():
                info["file_bytes"] = path.stat().st_size
        elif connection.vendor == "postgresql":
            cursor.execute("show server_version")
            info["version"] = cursor.fetchone()[0]
            cursor.execute("select pg_database_size(current_database())")
            info["database_bytes"] = cursor.fetchone()[0]
            for name in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "jit"):
                cursor.execute(f"show {name}")
                info[name] = cursor.fetchone()[0]
    return info


def machine() -> dict[str, Any]:
    """The machine the figures were taken on."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
