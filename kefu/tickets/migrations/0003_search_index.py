"""The full-text index over SearchDocument.words (see kefu/tickets/search.py and docs/search.md).

SQLite: an FTS5 table with SearchDocument as its external content (rowid = case id), kept in step by
triggers. PostgreSQL: a GIN index on to_tsvector('simple', words). Other databases: nothing.

Note for later migrations: on SQLite, Django rebuilds a table to alter it, which drops its triggers.
A migration that alters SearchDocument must run SQLITE_TRIGGERS again (and SQLITE_REBUILD).
"""

from django.db import migrations

# Literal SQL (no formatting): the names are fixed; search.py uses the same ones.
SQLITE_CREATE = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS tickets_searchdocument_fts USING fts5(
        words,
        content='tickets_searchdocument',
        content_rowid='case_id',
        tokenize='unicode61'
    )""",
]
SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS tickets_searchdocument_fts_ai
    AFTER INSERT ON tickets_searchdocument BEGIN
        INSERT INTO tickets_searchdocument_fts(rowid, words) VALUES (new.case_id, new.words);
    END""",
    """CREATE TRIGGER IF NOT EXISTS tickets_searchdocument_fts_ad
    AFTER DELETE ON tickets_searchdocument BEGIN
        INSERT INTO tickets_searchdocument_fts(tickets_searchdocument_fts, rowid, words)
        VALUES ('delete', old.case_id, old.words);
    END""",
    """CREATE TRIGGER IF NOT EXISTS tickets_searchdocument_fts_au
    AFTER UPDATE ON tickets_searchdocument BEGIN
        INSERT INTO tickets_searchdocument_fts(tickets_searchdocument_fts, rowid, words)
        VALUES ('delete', old.case_id, old.words);
        INSERT INTO tickets_searchdocument_fts(rowid, words) VALUES (new.case_id, new.words);
    END""",
]
SQLITE_REBUILD = ["INSERT INTO tickets_searchdocument_fts(tickets_searchdocument_fts) VALUES ('rebuild')"]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tickets_searchdocument_fts_ai",
    "DROP TRIGGER IF EXISTS tickets_searchdocument_fts_ad",
    "DROP TRIGGER IF EXISTS tickets_searchdocument_fts_au",
    "DROP TABLE IF EXISTS tickets_searchdocument_fts",
]

# Not CONCURRENTLY: migrations run in a transaction. On a big existing table, create the same index
# CONCURRENTLY by hand first; IF NOT EXISTS then makes this a no-op.
POSTGRES_CREATE = [
    """CREATE INDEX IF NOT EXISTS tickets_searchdocument_words_tsv
    ON tickets_searchdocument USING gin (to_tsvector('simple', words))""",
]
POSTGRES_DROP = ["DROP INDEX IF EXISTS tickets_searchdocument_words_tsv"]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql, params=None)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_CREATE + SQLITE_TRIGGERS + SQLITE_REBUILD)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_CREATE)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_defaults")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
