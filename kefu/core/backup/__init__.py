"""Backups of a Kefu installation: the database and the uploaded files in one archive (docs/backups.md).

    manage.py backup [--output PATH] [--keep N]     write kefu-<vendor>-<UTC time>.tar.gz
    manage.py restore ARCHIVE [--yes]               replace the database and the uploads with the archive's
    manage.py restore ARCHIVE --check               verify an archive, change nothing

The archive is a gzip'd tar: `manifest.json` first (format version, Kefu and Django versions, the database
vendor and server version, the applied migrations, the row count of every table, the database part's size and
sha256), then the database part (`database.sqlite3`, an online copy made with SQLite's backup API, or
`database.pgdump`, pg_dump's custom format), then every file under MEDIA_ROOT as `media/<path>`, and last
`SHA256SUMS` (`sha256sum -c` format) for every other member.

The database part is one consistent snapshot taken while the web server and the workers go on writing: SQLite's
backup API copies the whole file in one read transaction (WAL: writers are not blocked); pg_dump reads in an
exported REPEATABLE READ snapshot, the one the row counts are taken in. The media files are copied after the
snapshot, so every attachment the snapshot knows has its file in the archive (a file is stored before its row
commits).

A restore reads and verifies the whole archive into a staging folder beside the target first; bad input (no
such file, a damaged archive, a checksum that does not match, another vendor, migrations this code does not
know) is refused before anything is written. Then the database is replaced in one step (SQLite's backup API
into the live file, in one write transaction; pg_restore --clean --if-exists --single-transaction), the media
folder is swapped for the archive's, and the row counts are checked against the manifest.
"""

from .archive import DB_PART, FORMAT, FORMAT_VERSION, MANIFEST, MEDIA_DIR, SUMS
from .errors import BackupError
from .service import BackupResult, CheckResult, RestoreResult, Target, backup, check, default_name, prune, restore

__all__ = [
    "DB_PART",
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "MEDIA_DIR",
    "SUMS",
    "BackupError",
    "BackupResult",
    "CheckResult",
    "RestoreResult",
    "Target",
    "backup",
    "check",
    "default_name",
    "prune",
    "restore",
]
