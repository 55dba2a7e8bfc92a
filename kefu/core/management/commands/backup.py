"""Back up the database and the uploaded files into one archive (docs/backups.md).

    manage.py backup                        $KEFU_VAR_DIR/backups/kefu-<vendor>-<UTC time>.tar.gz
    manage.py backup --output /mnt/backup/  that folder (made if need be), the same name
    manage.py backup --output FILE          that file (it must not exist yet)
    manage.py backup --keep 14              afterwards keep only the newest 14 archives in the folder

Online: the web server and the workers go on working. Exit status 1 with the reason on any error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.core import backup


def positive_int(value: str) -> int:
    n = int(value)
    if n < 1:
        raise ValueError(value)
    return n


class Command(BaseCommand):
    help = "Back up the database (SQLite online copy or pg_dump) and the uploaded files into one .tar.gz archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", help="archive file, or a folder for it (default $KEFU_VAR_DIR/backups; a trailing / makes one)"
        )
        parser.add_argument("--keep", type=positive_int, help="keep only the newest N archives in the folder")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"]) if options["output"] else None
        try:
            if output is not None and options["output"].endswith(("/", os.sep)):
                output.mkdir(parents=True, exist_ok=True)
            result = backup.backup(output, keep=options["keep"])
        except (backup.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        m = result.manifest
        rows = sum(m["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {m['vendor']} ({len(m['tables'])} tables, {rows} rows) and {m['media']['files']} "
                f"uploaded files to {result.path} ({result.size / 1e6:.1f} MB, {result.seconds:.1f} s)"
            )
        )
        for path in result.pruned:
            self.stdout.write(f"Deleted the old archive {path}")
