"""Chinese full-text search over cases.

jieba splits a case's text (number, title, description, place, contact, category, unit and the
comments) into words; they are stored, space-separated and lower-cased, in SearchDocument.words.
The database indexes that column as ordinary space-separated text:

- SQLite: an FTS5 table `tickets_searchdocument_fts` (external content = SearchDocument, rowid =
  case id), kept in step by triggers (migration 0003). A query is a MATCH of quoted words, AND-ed.
- PostgreSQL: a GIN index on `to_tsvector('simple', words)`; a query is
  `to_tsvector('simple', words) @@ plainto_tsquery('simple', '<words>')`.

Either way the match is a filter on the caller's (scoped) queryset, so search never widens what a user may
see. A common query is tested case by case along the list's own order (a page costs page size / share rows);
a rare one is answered from the index (its few matches, sorted). See docs/search.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Exists, F, Func, IntegerField, OuterRef, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan

from .models import Case, CaseEvent, SearchDocument
from .segmenter import tokenizer  # jieba's segmentation, its dictionary in a shared compact trie

FTS_TABLE = "tickets_searchdocument_fts"  # migration 0003
FTS_MATCH = "SELECT rowid FROM tickets_searchdocument_fts WHERE tickets_searchdocument_fts MATCH %s"
MAX_QUERY_WORDS = 32


class TsMatch(Func):
    """PostgreSQL: `to_tsvector('simple', words) @@ plainto_tsquery('simple', text)`, the expression the GIN
    index of migration 0003 is built on (Django's SearchVector adds a COALESCE that the index would not match)."""

    arg_joiner = ") @@ plainto_tsquery('simple', "
    template = "to_tsvector('simple', %(expressions)s)"
    output_field = BooleanField()


def segment(text: str) -> list[str]:
    """jieba's search-mode words of the text (long words and their shorter parts), lower-cased."""
    return [w.strip().lower() for w in tokenizer.cut_for_search(text or "") if w.strip()]


def query_words(query: str) -> list[str]:
    """The words of a search box entry that can match: segmented like the documents, without
    punctuation-only pieces and repeats. Operators (`OR`, `NEAR(`, `*`, quotes) are plain words here."""
    seen: dict[str, None] = {}
    for w in segment(query):
        if any(ch.isalnum() for ch in w):
            seen.setdefault(w, None)
    return list(seen)[:MAX_QUERY_WORDS]


def _labels(case: Case) -> tuple[str, str]:
    """The category's name and the unit's code: from the instance if loaded, else in one query."""
    category, unit = Case._meta.get_field("category"), Case._meta.get_field("unit")
    if (case.category_id is None or category.is_cached(case)) and (case.unit_id is None or unit.is_cached(case)):
        return (case.category.name if case.category else "", case.unit.code if case.unit else "")
    row = Case.objects.filter(pk=case.pk).values_list("category__name", "unit__code").get()
    return (row[0] or "", row[1] or "")


def _text(case: Case, comments: Iterable[str]) -> str:
    parts = [case.number, case.title, case.description, case.location, case.contact_name, *_labels(case)]
    parts += list(comments)
    return " ".join(p for p in parts if p)


def document_text(case: Case) -> str:
    comments = CaseEvent.objects.filter(case=case, kind="comment").order_by("at", "pk").values_list("body", flat=True)
    return _text(case, comments)


def _upsert(docs: list[SearchDocument]) -> None:
    """Insert or update in one statement (on SQLite the update fires the FTS trigger like any update)."""
    SearchDocument.objects.bulk_create(
        docs, update_conflicts=True, unique_fields=["case"], update_fields=["project", "words"]
    )


def document_words(case: Case, comments: Iterable[str] | None = None) -> str:
    text = document_text(case) if comments is None else _text(case, comments)
    return " ".join(segment(text))


def index_case(case: Case, comments: Iterable[str] | None = None) -> None:
    """(Re)write the case's search document. Called by the services when a case is created or commented;
    `comments` are the case's comment bodies when the caller knows them (a new case has none)."""
    _upsert([SearchDocument(case_id=case.pk, project_id=case.project_id, words=document_words(case, comments))])


def reindex(batch: int = 1000, cases: Any = None) -> int:
    """Rebuild the search documents of all cases (or of the given queryset), `batch` cases per transaction.

    For existing data after a change of what is indexed or of the jieba dictionary. Returns the number of
    cases indexed. Safe to run while the system is in use (each batch is one insert-or-update statement).
    """
    qs = (cases if cases is not None else Case.objects.all()).select_related("category", "unit").order_by("pk")
    last, total = 0, 0
    while True:
        chunk = list(qs.filter(pk__gt=last)[:batch])
        if not chunk:
            break
        ids = [c.pk for c in chunk]
        comments: dict[int, list[str]] = defaultdict(list)
        rows = CaseEvent.objects.filter(case_id__in=ids, kind="comment").order_by("at", "pk")
        for case_id, body in rows.values_list("case_id", "body"):
            comments[case_id].append(body)
        docs = [
            SearchDocument(case_id=c.pk, project_id=c.project_id, words=document_words(c, comments[c.pk]))
            for c in chunk
        ]
        _upsert(docs)
        last, total = ids[-1], total + len(chunk)
    connection = connections[SearchDocument.objects.db]
    if connection.vendor == "sqlite" and cases is None:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO tickets_searchdocument_fts(tickets_searchdocument_fts) VALUES ('optimize')")
    return total


def rebuild_sqlite_index() -> None:
    """SQLite only: rebuild the FTS5 table from SearchDocument (if it was ever changed behind the triggers)."""
    connection = connections[SearchDocument.objects.db]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO tickets_searchdocument_fts(tickets_searchdocument_fts) VALUES ('rebuild')")


def fts5_query(words: Iterable[str]) -> str:
    """An FTS5 query matching documents that contain every word: each word a quoted string, so nothing
    the user types is read as FTS5 syntax."""
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words)


def match_words(query: str) -> list[str]:
    """The words a case must contain to match the query: query_words without the shorter words that search
    mode adds inside a longer one (卫生间 → 卫生). Documents are cut the same way, so a document with
    卫生间 always has 卫生 too: requiring it changes no result and only costs the index a second list."""
    seen: dict[str, None] = {}
    for w in tokenizer.cut(query or ""):
        w = w.strip().lower()
        if w and any(ch.isalnum() for ch in w):
            seen.setdefault(w, None)
    return list(seen)[:MAX_QUERY_WORDS]


# How a query runs (docs/search.md). A query that matches at least DENSE_SHARE of the documents is "common":
# the list reads the cases newest first along its own index and keeps those that match, so a page costs
# about page size / share rows, however many cases match. A rarer query is answered from the word index:
# the matching ids, then sorted, which costs the number of matches (small, by definition).
DENSE_SHARE = 0.005
SAMPLE = 2000  # PostgreSQL: the newest documents the share is measured on
DENSE, SPARSE = "dense", "sparse"
# PostgreSQL: the ids of matching cases from the GIN index, materialized so that the planner cannot turn a
# rare query into a scan of the list in date order (it would compute to_tsvector for every row it passes).
PG_MATCH = (
    "WITH m AS MATERIALIZED (SELECT case_id FROM tickets_searchdocument "
    "WHERE to_tsvector('simple', words) @@ plainto_tsquery('simple', %s)) SELECT case_id FROM m"
)


class Unindexed(Func):
    """SQLite: `+column`, the same value, but not a column the planner may look up in an index. For a common
    query `+id IN (matching ids)` makes SQLite read the list's own index in order and test each id against
    the (materialized) matches, instead of fetching every match by id and sorting them all. (Also used by
    selectors for the scope of a list over all of a reader's projects.)"""

    template = "(+%(expressions)s)"
    output_field = IntegerField()


class _Probe(Exists):
    """PostgreSQL: EXISTS (… LIMIT 1 OFFSET 0). The OFFSET keeps the planner from turning the probe into a
    join: it stays a test of each row of an ordered scan, which stops after a page."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


def _lexemes(text: str, using: str) -> list[str]:
    """PostgreSQL: the lexemes plainto_tsquery('simple', text) is made of (every one must be in a match)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(to_tsvector('simple', %s))", [text])
        return list(cursor.fetchone()[0] or [])


def _prefilter(lexemes: list[str]) -> list[GreaterThan]:
    """strpos(words, lexeme) > 0 for each lexeme: a cheap necessary condition (the words are stored lower-cased,
    and a lexeme of the 'simple' configuration is a lower-cased piece of them) that PostgreSQL evaluates before
    the costly to_tsvector of the row."""
    return [GreaterThan(StrIndex("words", Value(lexeme)), 0) for lexeme in lexemes]


def _mode(words: list[str], lexemes: list[str], using: str) -> str:
    """DENSE or SPARSE for this query, from a bounded look at the index (never a count of all matches)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT max(case_id) FROM tickets_searchdocument")
            size = cursor.fetchone()[0] or 0  # case ids grow with the cases: the table's size, from the index end
            enough = max(int(size * DENSE_SHARE), 1)
            cursor.execute(
                f"SELECT count(*) FROM ({FTS_MATCH} LIMIT %s)",  # noqa: S608 - constant SQL
                [fts5_query(words), enough],
            )
            return DENSE if cursor.fetchone()[0] >= enough else SPARSE
        # PostgreSQL: the share among the newest documents (the GIN index cannot stop early: any use of it
        # reads every match of every word).
        prefilter = " AND ".join("strpos(words, %s) > 0" for _ in lexemes) or "TRUE"
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE {prefilter} AND to_tsvector('simple', words) @@ "  # noqa: S608
            "plainto_tsquery('simple', %s)), count(*) FROM (SELECT words FROM tickets_searchdocument "
            "ORDER BY case_id DESC LIMIT %s) s",
            [*lexemes, " ".join(words), SAMPLE],
        )
        hits, sampled = cursor.fetchone()
        return DENSE if hits and hits >= sampled * DENSE_SHARE else SPARSE


def matching_ids(query: str, using: str = "default") -> Any:
    """A subquery of the ids of cases whose document contains every word of the query (None: no words),
    answered from the word index (the sparse form)."""
    words = match_words(query)
    if not words:
        return None
    vendor = connections[using].vendor
    if vendor == "sqlite":
        return RawSQL(FTS_MATCH, [fts5_query(words)])  # noqa: S611 - constant SQL; the query is a parameter
    docs = SearchDocument.objects.using(using)
    if vendor == "postgresql":
        return docs.filter(TsMatch(F("words"), Value(" ".join(words)))).values("case_id")
    for w in words:  # any other database: no index, but the same answer
        docs = docs.filter(words__contains=w)
    return docs.values("case_id")


def filter_cases(qs: Any, query: str, mode: str = "") -> Any:
    """Cases of `qs` whose document contains every word of the query. A query without any word
    (only punctuation) matches nothing.

    mode: DENSE or SPARSE (tests force each); by default chosen from the index, see _mode. Both give the same
    cases; they differ in how the database finds them."""
    using = qs.db
    words = match_words(query)
    if not words:
        return qs.none()
    vendor = connections[using].vendor
    if vendor == "sqlite":
        mode = mode or _mode(words, [], using)
        match = RawSQL(FTS_MATCH, [fts5_query(words)])  # noqa: S611 - constant SQL; the query is a parameter
        if mode == DENSE:
            return qs.alias(_search_id=Unindexed("pk")).filter(_search_id__in=match)
        return qs.filter(pk__in=match)
    if vendor == "postgresql":
        text = " ".join(words)
        lexemes = _lexemes(text, using)
        if not lexemes:  # nothing the text-search parser keeps: plainto_tsquery would match nothing
            return qs.none()
        mode = mode or _mode(words, lexemes, using)
        if mode == DENSE:
            probe = SearchDocument.objects.using(using).filter(
                *_prefilter(lexemes), TsMatch(F("words"), Value(text)), case=OuterRef("pk")
            )
            return qs.filter(_Probe(probe))
        return qs.filter(pk__in=RawSQL(PG_MATCH, [text]))  # noqa: S611 - constant SQL
    return qs.filter(pk__in=matching_ids(query, using=using))


def warm_up() -> None:
    """Load the segmentation dictionary now (web processes call this at start)."""
    tokenizer.initialize()
