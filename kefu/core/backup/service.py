"""backup(), restore(), check() and prune(): what the two management commands call."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from . import archive, postgres, sqlite
from .archive import DB_PART, FORMAT, FORMAT_VERSION, Reader, media_files, sha256_file
from .errors import MSG_COUNTS, MSG_EXISTS, MSG_NEWER, MSG_NOT_EMPTY, MSG_UNSUPPORTED, MSG_VENDOR, BackupError

# kefu-sqlite-20261123-020000.tar.gz, kefu-postgresql-20261123-020000-1.tar.gz (a second one in that second)
NAME_RE = re.compile(r"^kefu-(sqlite|postgresql)-(\d{8}-\d{6})(?:-(\d+))?\.tar\.gz$")


@dataclass(frozen=True)
class Target:
    """A database (a Django DATABASES entry) and its uploads folder."""

    db: Mapping[str, Any]
    media_root: Path

    @classmethod
    def from_settings(cls, using: str = "default") -> Target:
        return cls(db=dict(connections[using].settings_dict), media_root=Path(settings.MEDIA_ROOT))

    @property
    def vendor(self) -> str:
        engine = str(self.db.get("ENGINE", ""))
        if engine == "django.db.backends.sqlite3":
            name = str(self.db.get("NAME") or "")
            if name in ("", ":memory:") or "mode=memory" in name:
                raise BackupError(MSG_UNSUPPORTED.format(engine=f"{engine} (in memory)"))
            return "sqlite"
        if engine == "django.db.backends.postgresql":
            return "postgresql"
        raise BackupError(MSG_UNSUPPORTED.format(engine=engine))


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    size: int
    seconds: float
    pruned: list[Path] = field(default_factory=list)


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    media_files: int
    pending_migrations: list[str]
    seconds: float


@dataclass
class CheckResult:
    manifest: dict[str, Any]
    media_files: int


def kefu_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def default_name(vendor: str, when: dt.datetime, n: int = 0) -> str:
    return f"kefu-{vendor}-{when.astimezone(dt.UTC):%Y%m%d-%H%M%S}{f'-{n}' if n else ''}.tar.gz"


def _output_path(output: Path | None, vendor: str, now: dt.datetime) -> Path:
    if output is not None and not output.is_dir():
        if output.exists():
            raise BackupError(MSG_EXISTS.format(path=output))
        output.parent.mkdir(parents=True, exist_ok=True)
        return output
    directory = output if output is not None else Path(settings.VAR_DIR) / "backups"
    directory.mkdir(parents=True, exist_ok=True)
    n = 0
    while (directory / default_name(vendor, now, n)).exists():
        n += 1
    return directory / default_name(vendor, now, n)


def backup(output: Path | None = None, *, target: Target | None = None, keep: int | None = None) -> BackupResult:
    """Write one archive of the database and the uploads. output: a file (that must not exist yet) or a folder
    (default: $KEFU_VAR_DIR/backups) that gets kefu-<vendor>-<UTC time>.tar.gz. keep: afterwards delete all
    but the newest `keep` archives of this vendor in that folder."""
    if keep is not None and keep < 1:
        raise ValueError("keep must be at least 1")
    started = time.monotonic()
    target = target or Target.from_settings()
    vendor = target.vendor
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    dest = _output_path(output, vendor, now)
    with tempfile.TemporaryDirectory(prefix=".kefu-backup-", dir=dest.parent) as tmp:
        db_file = Path(tmp) / DB_PART[vendor]
        snap = (sqlite.dump if vendor == "sqlite" else postgres.dump)(target.db, db_file)
        media = media_files(target.media_root)  # after the snapshot: every attachment it knows is on disk
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": now.isoformat(),
            "kefu_version": kefu_version(),
            "django_version": django.get_version(),
            "vendor": vendor,
            "server_version": snap.server_version,
            "database": {"path": DB_PART[vendor], "size": db_file.stat().st_size, "sha256": sha256_file(db_file)},
            "media": {"files": len(media), "bytes": sum(size for _rel, _path, size in media)},
            "migrations": snap.migrations,
            "tables": snap.tables,
        }
        staged = Path(tmp) / "archive.tar.gz"
        archive.write(staged, manifest, db_file, media, mtime=now.timestamp())
        staged.chmod(0o600)  # personal data: readable by the user that runs Kefu only
        with staged.open("rb") as f:
            os.fsync(f.fileno())
        try:
            os.link(staged, dest)  # never over an existing file, and never a half-written one
        except FileExistsError as exc:
            raise BackupError(MSG_EXISTS.format(path=dest)) from exc
        except OSError:
            os.replace(staged, dest)  # a file system without hard links
    pruned = prune(dest.parent, keep, vendor) if keep else []
    return BackupResult(dest, manifest, dest.stat().st_size, time.monotonic() - started, pruned)


def prune(directory: Path, keep: int, vendor: str) -> list[Path]:
    """Delete all but the newest `keep` archives named by this command (kefu-<vendor>-*.tar.gz) in directory.
    Other files are left alone."""
    found = []
    for path in directory.iterdir():
        m = NAME_RE.match(path.name)
        if m and m.group(1) == vendor and path.is_file():
            found.append(((m.group(2), int(m.group(3) or 0)), path))
    found.sort()
    doomed = [path for _key, path in found[: max(0, len(found) - keep)]]
    for path in doomed:
        path.unlink()
    return doomed


def _pending_migrations(manifest: Mapping[str, Any]) -> list[str]:
    """The migrations this code has and the backup lacks (`migrate` after the restore applies them); refuses a
    backup with migrations this code does not know (it was made by a newer Kefu)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = {f"{app}.{name}" for app, name in loader.disk_migrations}
    applied = set(manifest["migrations"])
    if unknown := sorted(applied - known):
        raise BackupError(MSG_NEWER.format(names=", ".join(unknown[:5])))
    return sorted(known - applied)


def _staging(parent: Path, prefix: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))


def _install_media(staged: Path, media_root: Path, staging: Path) -> None:
    """Swap the uploads folder for the archive's (two renames); where the folder cannot be renamed (a mount
    point), empty it and move the archive's files in."""
    try:
        if media_root.exists():
            media_root.rename(staging / "media.old")
        staged.rename(media_root)
    except OSError:
        media_root.mkdir(parents=True, exist_ok=True)
        for child in list(media_root.iterdir()):
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        for child in list(staged.iterdir()):
            shutil.move(child, media_root / child.name)


def _diff(expected: Mapping[str, int], actual: Mapping[str, int]) -> str:
    names = sorted(set(expected) | set(actual))
    bad = [f"{n}: {expected.get(n)} → {actual.get(n)}" for n in names if expected.get(n) != actual.get(n)]
    return "; ".join(bad[:5])


def restore(path: Path, *, target: Target | None = None, confirm: bool = False) -> RestoreResult:
    """Replace the target's database and uploads with the archive's. Refused, with nothing written, when the
    file is missing or damaged, of another vendor, from a newer Kefu, or when the target has data and confirm
    is false. The archive is verified completely (checksums, integrity) before the target is touched."""
    started = time.monotonic()
    target = target or Target.from_settings()
    vendor = target.vendor
    with Reader(path) as reader:
        manifest = reader.manifest
        if manifest["vendor"] != vendor:
            raise BackupError(MSG_VENDOR.format(archive=manifest["vendor"], target=vendor))
        pending = _pending_migrations(manifest)
        if vendor == "sqlite":
            tables = sqlite.table_count(target.db)
        else:
            tables = postgres.table_count(target.db, set(manifest["tables"]))
        files = len(media_files(target.media_root))
        if (tables or files) and not confirm:
            raise BackupError(MSG_NOT_EMPTY.format(tables=tables, files=files))
        staging = _staging(target.media_root.parent, ".kefu-restore-")
        try:
            staged = reader.extract(staging)
            reader.close()
            if vendor == "sqlite":
                sqlite.verify(staged.db_file, manifest)
                sqlite.install(target.db, staged.db_file)
            else:
                postgres.dump_tables(staged.db_file, manifest)
                postgres.install(target.db, staged.db_file)
            _install_media(staged.media_dir, target.media_root, staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    after = (sqlite.counts if vendor == "sqlite" else postgres.counts)(target.db)
    if after != manifest["tables"]:
        raise BackupError(MSG_COUNTS.format(detail=_diff(manifest["tables"], after)))
    return RestoreResult(manifest, staged.media_files, pending, time.monotonic() - started)


def check(path: Path) -> CheckResult:
    """Verify an archive without restoring it: every checksum, the database part's integrity (SQLite's
    integrity_check and row counts; PostgreSQL: pg_restore reads its table of contents). Nothing is written
    but a staging folder in $KEFU_VAR_DIR, removed afterwards."""
    with Reader(path) as reader:
        staging = _staging(Path(settings.VAR_DIR), ".kefu-check-")
        try:
            staged = reader.extract(staging)
            if staged.manifest["vendor"] == "sqlite":
                sqlite.verify(staged.db_file, staged.manifest)
            else:
                postgres.dump_tables(staged.db_file, staged.manifest)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return CheckResult(staged.manifest, staged.media_files)
