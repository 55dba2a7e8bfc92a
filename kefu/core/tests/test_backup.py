"""`manage.py backup` and `manage.py restore`: the round trip gives back every row of every table and every
uploaded file, a backup taken while cases are being written is consistent, and a bad archive changes nothing.

These run on the database the suite runs on (SQLite, or PostgreSQL with DATABASE_URL: CI runs both). A restore
never goes into the test database itself: it goes into a scratch target beside it (SQLite: a file of its own;
PostgreSQL: a database created on the same server for the test and dropped after it), compared with the test
database table by table (row count and a hash of the sorted rows; on PostgreSQL the sequences too) and file by
file (sha256 of every uploaded file).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from kefu.core import backup
from kefu.core.backup import errors, postgres
from kefu.core.backup.service import NAME_RE, Target
from kefu.customers.models import Customer
from kefu.notify.models import Notification
from kefu.portal.demo import png
from kefu.tickets import services
from kefu.tickets.models import Attachment, Case, CaseEvent

pytestmark = pytest.mark.django_db(transaction=True)

Digests = dict[str, tuple[int, str]]


# What is compared: every table's rows, every uploaded file -------------------------------------------------


def _digest(rows: list[tuple]) -> tuple[int, str]:
    h = hashlib.sha256()
    for line in sorted(repr(tuple(r)) for r in rows):
        h.update(line.encode())
        h.update(b"\n")
    return len(rows), h.hexdigest()


def sqlite_digests(path: Path) -> Digests:
    """Every table of the file (sqlite_sequence and the FTS5 index's shadow tables included; the FTS5 virtual
    table reads its content table, which is compared itself)."""
    with closing(sqlite3.connect(path)) as conn:
        names = [
            name
            for name, ddl in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
            if not (ddl or "").startswith("CREATE VIRTUAL TABLE")
        ]
        return {name: _digest(conn.execute(f'SELECT * FROM "{name}"').fetchall()) for name in names}  # noqa: S608


def postgres_digests(db) -> Digests:
    """Every table of the public schema, and every sequence's position (a restored database must not hand out
    ids that are already taken)."""
    with postgres.connect(db, autocommit=True) as conn:
        names = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        found = {
            name: _digest(conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(name))).fetchall())
            for name in names
        }
        for seq, last in conn.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"):
            found[f"sequence {seq}"] = (0, str(last))
        return found


def digests(target: Target) -> Digests:
    if connection.vendor == "sqlite":
        return sqlite_digests(Path(target.db["NAME"]))
    return postgres_digests(target.db)


def media_digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def differing(a: Digests, b: Digests) -> list[str]:
    return sorted(n for n in set(a) | set(b) if a.get(n) != b.get(n))


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        f = tar.extractfile(backup.MANIFEST)
        assert f is not None
        return json.loads(f.read())


# Where restores go -------------------------------------------------------------------------------------------


@pytest.fixture
def scratch(transactional_db, tmp_path):
    """An empty database beside the test database, and an empty uploads folder: KEFU_VAR_DIR-like
    (tmp/scratch/kefu.sqlite3 or a new PostgreSQL database, tmp/scratch/media)."""
    db = dict(connection.settings_dict)
    var = tmp_path / "scratch"
    var.mkdir()
    if connection.vendor == "sqlite":
        db["NAME"] = str(var / "kefu.sqlite3")
        yield Target(db, var / "media")
        return
    name = f"{db['NAME']}_restore_{os.getpid()}"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with postgres.connect(db, autocommit=True) as admin:
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield Target({**db, "NAME": name}, var / "media")
        finally:
            admin.execute(drop)


def database_url(db) -> str:
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"], safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


def manage(target: Target, *args: str) -> subprocess.CompletedProcess:
    """manage.py in a process of its own whose settings point at the target (as an operator runs it)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_REPLICA_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="kefu.settings",
        DATABASE_URL=database_url(target.db),
        KEFU_VAR_DIR=str(target.media_root.parent),
    )
    cmd = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=settings.BASE_DIR)  # noqa: S603


@pytest.fixture
def live(transactional_db, settings, tmp_path):
    """The test database with its uploads in a folder of this test."""
    settings.MEDIA_ROOT = tmp_path / "live" / "media"
    return Target.from_settings()


# The round trip ----------------------------------------------------------------------------------------------

# Tables the demo data fills, among the others (the comparison covers every table, empty or not).
DEMO_TABLES = [
    "org_user",
    "org_membership",
    "customers_customer",
    "customers_contact",
    "customers_occupancy",
    "customers_asset",
    "tickets_case",
    "tickets_caseevent",
    "tickets_attachment",
    "tickets_searchdocument",
    "visits_returnvisit",
    "visits_visitplan",
    "surveys_response",
    "quality_check",
    "quality_reconciliation",
    "notices_notice",
    "notify_notification",
    "kb_faqarticle",
    "catalog_serviceorder",
]


def test_a_restore_gives_back_every_row_of_every_table_and_every_uploaded_file(live, scratch, tmp_path):
    call_command("seed_demo", "--small", stdout=io.StringIO())
    before, files_before = digests(live), media_digests(live.media_root)
    attachments = list(Attachment.objects.values_list("file", "size"))
    assert len(attachments) >= 4
    assert {(name, len((live.media_root / name).read_bytes())) for name, _size in attachments} == set(attachments)
    tables = {name: rows for name, (rows, _h) in before.items() if not name.startswith("sequence ")}
    assert all(tables[name] > 0 for name in DEMO_TABLES), {name: tables[name] for name in DEMO_TABLES}
    assert CaseEvent.objects.filter(kind="comment").exists()

    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "b0.tar.gz"), stdout=out)
    b0 = tmp_path / "b0.tar.gz"
    assert f"to {b0}" in out.getvalue()
    manifest = manifest_of(b0)
    assert manifest["vendor"] == connection.vendor
    assert manifest["media"]["files"] == len(files_before)
    # The manifest counted every table, and counted it right.
    assert manifest["tables"] == {name: before[name][0] for name in manifest["tables"]}
    internal = {"sqlite_sequence", "sqlite_stat1"} if connection.vendor == "sqlite" else set()
    assert set(tables) - set(manifest["tables"]) <= internal
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        assert manifest["migrations"] == sorted(f"{app}.{name}" for app, name in cursor.fetchall())

    # After the backup: a customer renamed, a timeline entry altered, the notifications deleted, an uploaded
    # file lost and a stray one added.
    customer = Customer.objects.order_by("pk").first()
    Customer.objects.filter(pk=customer.pk).update(name="备份之后改的名字")
    CaseEvent.objects.filter(pk=CaseEvent.objects.order_by("pk").first().pk).update(body="备份之后改的记录")
    assert Notification.objects.exists()
    Notification.objects.all().delete()
    lost = attachments[0][0]
    (live.media_root / lost).unlink()
    (live.media_root / "cases" / "stray.png").write_bytes(png())
    after, files_after = digests(live), media_digests(live.media_root)
    assert {"customers_customer", "tickets_caseevent", "notify_notification"} <= set(differing(before, after))
    b1 = backup.backup(tmp_path / "b1.tar.gz").path

    # b1 into the empty scratch target: the changed state, exactly.
    result = backup.restore(b1, target=scratch)
    assert result.media_files == len(files_after)
    assert differing(digests(scratch), after) == []
    assert media_digests(scratch.media_root) == files_after

    # The command, run as an operator would with its settings on the scratch target: without --yes it refuses
    # to replace data and changes nothing; with --yes the target is b0's state again, lost file included.
    refused = manage(scratch, "restore", str(b0))
    assert refused.returncode == 1
    message = errors.MSG_NOT_EMPTY.format(tables=len(manifest["tables"]), files=len(files_after))
    assert message in refused.stderr
    assert differing(digests(scratch), after) == []
    assert media_digests(scratch.media_root) == files_after

    done = manage(scratch, "restore", str(b0), "--yes")
    assert done.returncode == 0, done.stderr
    assert f"Restored {b0}: {len(manifest['tables'])} tables whose row counts match the manifest" in done.stdout
    assert differing(digests(scratch), before) == []
    assert media_digests(scratch.media_root) == files_before
    assert lost in files_before and "cases/stray.png" not in files_before
    assert [p.name for p in scratch.media_root.parent.iterdir() if p.name.startswith(".kefu-")] == []
    # The test database itself was never touched by a restore.
    assert differing(digests(live), after) == []


# A backup while cases are being written ----------------------------------------------------------------------


def _sql(target: Target, query: str) -> list[tuple]:
    if connection.vendor == "sqlite":
        with closing(sqlite3.connect(target.db["NAME"])) as conn:
            return conn.execute(query).fetchall()
    with postgres.connect(target.db, autocommit=True) as conn:
        return conn.execute(query).fetchall()  # type: ignore[arg-type]


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 120  # a guard against a hung writer, not a measurement
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def test_a_backup_taken_while_cases_are_being_written_is_consistent(world, live, scratch, tmp_path):
    made: list[str] = []  # numbers of the cases committed so far
    failures: list[BaseException] = []
    stop = threading.Event()

    def write_cases() -> None:  # as the web server would: each case with its photo, in one transaction
        try:
            while not stop.is_set():
                n = len(made)
                case = services.case_create(
                    actor=world.alice,
                    project=world.a,
                    kind="repair",
                    channel="phone",
                    title=f"并发写入 {n}",
                    description="厨房水管漏水，备份进行中",
                    unit=world.unit_a1,
                    customer=world.cust_a1,
                    uploads=[services.Upload(name=f"漏水{n}.png", content=png(rgb=(n % 250, 90, 120)))],
                )
                made.append(case.number)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    writer = threading.Thread(target=write_cases)
    writer.start()
    try:
        _wait_for(lambda: len(made) >= 3 or bool(failures), "the first cases")
        at_start = len(made)
        result = backup.backup(tmp_path / "during.tar.gz")
        at_end = Case.objects.filter(title__startswith="并发写入").count()  # committed by the time it ended
        _wait_for(lambda: len(made) >= at_end + 3 or bool(failures), "cases after the backup")
    finally:
        stop.set()
        writer.join()
    assert failures == []

    restored = backup.restore(result.path, target=scratch)  # checks the row counts against the manifest itself
    in_backup = _sql(scratch, "SELECT count(*) FROM tickets_case WHERE title LIKE '并发写入%'")[0][0]
    assert at_start <= in_backup <= at_end
    assert restored.manifest["tables"]["tickets_case"] == in_backup
    # Each case came with its creation event, search document and photo, in one transaction: the backup has
    # all of them or none.
    for missing_part in (
        "NOT EXISTS (SELECT 1 FROM tickets_caseevent e WHERE e.case_id = c.id AND e.kind = 'create')",
        "NOT EXISTS (SELECT 1 FROM tickets_searchdocument d WHERE d.case_id = c.id)",
        "NOT EXISTS (SELECT 1 FROM tickets_attachment a WHERE a.case_id = c.id)",
    ):
        assert _sql(scratch, f"SELECT count(*) FROM tickets_case c WHERE {missing_part}") == [(0,)]  # noqa: S608
    # Every photo the backed-up rows name is in the archive's uploads, whole.
    photos = _sql(scratch, "SELECT file, size FROM tickets_attachment")
    assert len(photos) == in_backup
    assert all((scratch.media_root / name).stat().st_size == size for name, size in photos)
    if connection.vendor == "sqlite":
        assert _sql(scratch, "PRAGMA integrity_check") == [("ok",)]
        _sql(scratch, "INSERT INTO tickets_searchdocument_fts(tickets_searchdocument_fts) VALUES ('integrity-check')")
    assert Case.objects.filter(title__startswith="并发写入").count() == len(made)


# Bad archives ------------------------------------------------------------------------------------------------


def rewrite(
    source: Path,
    dest: Path,
    change: Callable[[str, bytes], bytes] = lambda _name, data: data,
    extra: tuple[tuple[str, bytes], ...] = (),
    fix_sums: bool = False,
) -> Path:
    """A copy of an archive with members changed or added; SHA256SUMS kept as it was, or made to match."""
    with tarfile.open(source) as tar:
        members = [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    members = [(name, change(name, data)) for name, data in members]
    sums = members.pop()
    members += list(extra)
    if fix_sums:
        text = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in members)
        sums = (backup.SUMS, text.encode())
    with tarfile.open(dest, "w:gz") as tar:
        for name, data in [*members, sums]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return dest


def flip_middle_byte(data: bytes) -> bytes:
    i = len(data) // 2
    return data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1 :]


def test_a_damaged_or_foreign_archive_is_refused_and_nothing_is_written(world, live, scratch, tmp_path):
    case = services.case_create(
        actor=world.alice,
        project=world.a,
        kind="repair",
        channel="phone",
        title="卫生间漏水",
        unit=world.unit_a1,
        customer=world.cust_a1,
        uploads=[services.Upload(name="天花板.png", content=png())],
    )
    good = backup.backup(tmp_path / "good.tar.gz").path
    backup.restore(good, target=scratch)
    state = digests(scratch), media_digests(scratch.media_root), sorted(os.listdir(scratch.media_root.parent))
    photo = f"{backup.MEDIA_DIR}/{case.attachments.get().file.name}"
    db_part = backup.DB_PART[connection.vendor]
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def manifest_with(**fields):
        def change(name: str, data: bytes) -> bytes:
            return json.dumps({**json.loads(data), **fields}).encode() if name == backup.MANIFEST else data

        return change

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    not_an_archive = tmp_path / "notes.tar.gz"
    not_an_archive.write_text("这不是备份文件")
    damaged = errors.MSG_DAMAGED.format
    cases = [
        (tmp_path / "missing.tar.gz", errors.MSG_NOT_FOUND.format(path=tmp_path / "missing.tar.gz")),
        (truncated, damaged(path=truncated)),
        (not_an_archive, damaged(path=not_an_archive)),
        (
            rewrite(good, tmp_path / "db.tar.gz", lambda n, d: flip_middle_byte(d) if n == db_part else d),
            errors.MSG_CHECKSUM.format(name=db_part),
        ),
        (
            rewrite(good, tmp_path / "photo.tar.gz", lambda n, d: flip_middle_byte(d) if n == photo else d),
            errors.MSG_CHECKSUM.format(name=photo),
        ),
        (
            rewrite(good, tmp_path / "vendor.tar.gz", manifest_with(vendor=other), fix_sums=True),
            errors.MSG_VENDOR.format(archive=other, target=connection.vendor),
        ),
        (
            rewrite(
                good,
                tmp_path / "newer.tar.gz",
                manifest_with(migrations=[*manifest_of(good)["migrations"], "tickets.9999_from_the_future"]),
                fix_sums=True,
            ),
            errors.MSG_NEWER.format(names="tickets.9999_from_the_future"),
        ),
        (
            rewrite(good, tmp_path / "escape.tar.gz", extra=(("media/../../escaped.txt", b"x"),), fix_sums=True),
            damaged(path=tmp_path / "escape.tar.gz"),
        ),
    ]
    for path, message in cases:
        with pytest.raises(backup.BackupError) as refused:
            backup.restore(path, target=scratch, confirm=True)
        assert refused.value.message.startswith(message), path.name
        assert (digests(scratch), media_digests(scratch.media_root), sorted(os.listdir(scratch.media_root.parent))) == (
            state
        ), path.name
    assert not (tmp_path / "escaped.txt").exists()

    # --check verifies without restoring, with the same messages.
    out = io.StringIO()
    call_command("restore", str(good), "--check", stdout=out)
    assert f"{good} is intact (1 uploaded files)" in out.getvalue()
    with pytest.raises(CommandError, match=re.escape(errors.MSG_CHECKSUM.format(name=db_part))):
        call_command("restore", str(tmp_path / "db.tar.gz"), "--check")


# Where archives go -------------------------------------------------------------------------------------------


def test_backups_into_a_folder_are_named_by_time_and_only_the_newest_are_kept(world, live, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "readme.txt").write_text("operator's notes")
    made = [backup.backup(folder, keep=2) for _ in range(3)]
    assert all(NAME_RE.match(r.path.name) and f"kefu-{connection.vendor}-" in r.path.name for r in made)
    assert sorted(os.listdir(folder)) == sorted([made[1].path.name, made[2].path.name, "readme.txt"])
    assert [r.pruned for r in made] == [[], [], [made[0].path]]
    with pytest.raises(backup.BackupError) as refused:
        backup.backup(made[2].path)
    assert refused.value.message == errors.MSG_EXISTS.format(path=made[2].path)
