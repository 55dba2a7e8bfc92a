"""Restore a backup made by `manage.py backup` (docs/backups.md).

    manage.py restore ARCHIVE           into an empty database and uploads folder
    manage.py restore ARCHIVE --yes     replace what is there (stop the web server, workers and scheduler first)
    manage.py restore ARCHIVE --check   verify the archive (checksums, database integrity), change nothing

The archive is verified completely before anything is written: a missing or damaged file, a checksum that does
not match, a backup of the other database vendor or from a newer Kefu is refused with nothing changed.
Exit status 1 with the reason on any error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.core import backup


class Command(BaseCommand):
    help = "Restore the database and the uploaded files from an archive made by `manage.py backup`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="a .tar.gz made by manage.py backup")
        parser.add_argument("--yes", action="store_true", help="replace a database and uploads that hold data")
        parser.add_argument("--check", action="store_true", help="only verify the archive; change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["archive"]
        try:
            if options["check"]:
                checked = backup.check(path)
                self._describe(checked.manifest)
                self.stdout.write(self.style.SUCCESS(f"{path} is intact ({checked.media_files} uploaded files)"))
                return
            result = backup.restore(path, confirm=options["yes"])
        except (backup.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self._describe(result.manifest)
        if result.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    f"The backup lacks {len(result.pending_migrations)} migrations of this code: "
                    "run `manage.py migrate` before starting Kefu"
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {path}: {len(result.manifest['tables'])} tables whose row counts match the manifest, "
                f"{result.media_files} uploaded files ({result.seconds:.1f} s)"
            )
        )

    def _describe(self, m: dict[str, Any]) -> None:
        self.stdout.write(
            f"Backup of {m['vendor']} {m['server_version']} made {m['created_at']} by Kefu {m['kefu_version']}: "
            f"{len(m['tables'])} tables, {sum(m['tables'].values())} rows, {m['media']['files']} uploaded files"
        )
