"""Full-text search: jieba words in SearchDocument, matched by SQLite FTS5 or PostgreSQL tsvector."""

from __future__ import annotations

import pytest
from django.db import connection

from kefu.tickets import search, services
from kefu.tickets.models import Case, Category, SearchDocument
from kefu.tickets.selectors import case_list


def cat(code, kind="repair"):
    return Category.objects.get(project__isnull=True, kind=kind, code=code)


def found(user, q, **kw):
    return set(case_list(user=user, q=q, **kw).values_list("number", flat=True))


def test_segment_splits_chinese_into_lower_case_words():
    assert search.segment("卫生间漏水 WiFi") == ["卫生", "卫生间", "漏水", "wifi"]
    assert search.query_words('"漏水" OR 漏水！') == ["漏水", "or"]


def test_a_case_is_found_by_its_words_and_not_by_others(desk, new_case):
    case = new_case(title="卫生间漏水", description="楼上卫生间往下渗水，天花板有水渍")
    other = new_case(title="门禁卡失灵", category=cat("ZN-MJ"))
    alice = desk.w.alice
    assert found(alice, "漏水") == {case.number}
    assert found(alice, "卫生间") == {case.number}
    assert found(alice, "天花板") == {case.number}
    assert found(alice, "停电") == set()
    assert found(alice, "门禁卡") == {other.number}
    assert found(alice, "门禁") == {other.number}


def test_every_word_of_the_query_must_match(desk, new_case):
    a = new_case(title="卫生间漏水", description="楼上装修后开始漏水")
    b = new_case(title="厨房漏水", description="水管接头滴水")
    alice = desk.w.alice
    assert found(alice, "漏水") == {a.number, b.number}
    assert found(alice, "厨房 漏水") == {b.number}
    assert found(alice, "漏水 装修") == {a.number}
    assert found(alice, "厨房 装修") == set()
    assert found(alice, "厨房漏水") == {b.number}


def test_an_internal_comment_is_found_and_the_document_follows_each_comment(desk, new_case):
    case = new_case(title="卫生间漏水")
    alice = desk.w.alice
    assert found(alice, "止水阀") == set()
    services.case_comment(actor=alice, case=case, body="已通知维修工关闭止水阀")
    assert found(alice, "止水阀") == {case.number}
    services.case_reply(actor=alice, case=case, body="师傅下午三点上门")
    assert found(alice, "上门") == {case.number}
    assert found(alice, "止水阀 上门") == {case.number}
    assert SearchDocument.objects.count() == 1


def test_the_number_unit_contact_and_category_are_indexed(desk, new_case):
    case = new_case(title="卫生间漏水")
    alice = desk.w.alice
    assert found(alice, case.number.split("-")[1]) == {case.number}  # the day's sequence, e.g. 0001
    assert found(alice, case.number.lower()) == {case.number}  # the number box finds it too
    assert found(alice, "张伟") == {case.number}  # the contact (the customer)
    assert found(alice, "1201") == {case.number}  # the unit's code
    assert found(alice, "渗水") == {case.number}  # the category 漏水渗水


def test_english_digits_and_punctuation(desk, new_case):
    case = new_case(
        title="WiFi 无法连接",
        description="机房 Router-3 的 IP 是 10.0.0.8，密码 ABC123；电费 ¥35.5",
        kind="consultation",
    )
    alice = desk.w.alice
    for q in ["wifi", "WIFI", "router", "Router-3", "abc123", "35.5", "10.0.0.8", "无法连接！", "「密码」"]:
        assert found(alice, q) == {case.number}, q
    assert found(alice, "router-4") == set()


@pytest.mark.parametrize(
    "q",
    ['"', '"漏水', "漏水*", "*", "OR", "漏水 OR 停电", "NEAR(漏水 停电)", "NEAR(", "AND", "NOT 漏水", "-漏水",
     "漏水:", "words:漏水", "^漏水", "(", ")", "'", "\\", "%", "_", "'; DROP TABLE x; --", "！？。", "　", "\x00"],
)  # fmt: skip
def test_query_syntax_characters_are_plain_text_and_never_raise(desk, new_case, q):
    new_case(title="卫生间漏水", description="OR 和 AND 都是普通的字")
    result = list(case_list(user=desk.w.alice, q=q))
    assert all(isinstance(c, Case) for c in result)


def test_operators_are_matched_as_words_not_obeyed(desk, new_case):
    leak = new_case(title="卫生间漏水")
    new_case(title="小区停电", category=cat("SD-TS"))
    alice = desk.w.alice
    assert found(alice, "漏水 OR 停电") == set()  # "or" is a word that no case contains
    assert found(alice, '"漏水"') == {leak.number}
    assert found(alice, "漏水*") == {leak.number}
    assert found(alice, "NEAR(漏水") == set()  # "near" too
    assert found(alice, "(漏水)") == {leak.number}


def test_a_query_without_words_finds_nothing(desk, new_case):
    new_case(title="卫生间漏水")
    assert found(desk.w.alice, "，。！") == set()
    assert search.filter_cases(Case.objects.all(), "？？").count() == 0


def test_search_keeps_the_scope(desk, new_case):
    w = desk.w
    a_case = new_case(title="卫生间漏水")
    b_case = services.case_create(
        actor=w.bob, project=w.b, kind="repair", channel="phone", title="办公室漏水", unit=w.unit_b
    )
    assert found(w.alice, "漏水") == {a_case.number}
    assert found(w.bob, "漏水") == {b_case.number}
    assert found(w.bob, "卫生间") == set()
    assert found(w.hera, "漏水") == {a_case.number, b_case.number}
    assert found(w.alice, "漏水", project=w.b) == set()
    # A field worker sees only what is dispatched to him, searched or not.
    assert found(desk.fred, "漏水") == set()
    services.case_dispatch(actor=w.alice, case=a_case, assignee=desk.fred, department=desk.gc)
    assert found(desk.fred, "漏水") == {a_case.number}


def test_reindex_rebuilds_every_document(desk, new_case):
    a = new_case(title="卫生间漏水")
    b = new_case(title="厨房下水堵塞", category=cat("SD-DS"))
    services.case_comment(actor=desk.w.alice, case=b, body="已联系管道疏通")
    SearchDocument.objects.all().delete()
    alice = desk.w.alice
    assert found(alice, "漏水") == set()
    assert search.reindex(batch=1) == 2
    assert found(alice, "漏水") == {a.number}
    assert found(alice, "疏通") == {b.number}
    assert search.reindex() == 2  # again: the same documents, no duplicates
    assert SearchDocument.objects.count() == 2
    assert found(alice, "堵塞") == {b.number}


def test_the_database_index_is_in_place(db):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'tickets_searchdocument%%'")
            names = {r[0] for r in cursor.fetchall()}
            assert {search.FTS_TABLE, "tickets_searchdocument_fts_ai", "tickets_searchdocument_fts_au"} <= names
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'tickets_searchdocument'")
            defs = " ".join(r[0] for r in cursor.fetchall())
            assert "gin" in defs and "to_tsvector" in defs


def test_the_index_stays_in_step_and_is_used(desk, new_case):
    """The index each database has is kept current and answers the query.

    SQLite: FTS5's 'integrity-check' compares the index with SearchDocument after inserts, updates and
    deletes made through the triggers. PostgreSQL: the query plan uses the GIN index.
    """
    case = new_case(title="卫生间漏水")
    services.case_comment(actor=desk.w.alice, case=case, body="已处理")
    new_case(title="噪音扰民", kind="consultation")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            SearchDocument.objects.filter(case=case).delete()
            cursor.execute(
                "INSERT INTO tickets_searchdocument_fts(tickets_searchdocument_fts) VALUES ('integrity-check')"
            )
            cursor.execute(search.FTS_MATCH, ['"噪音"'])
            assert len(cursor.fetchall()) == 1
        else:
            assert connection.vendor == "postgresql"
            # The document-side query is the one the GIN index serves (the join to cases is by primary key).
            cursor.execute("SET LOCAL enable_seqscan = off")
            assert "tickets_searchdocument_words_tsv" in search.matching_ids("漏水").explain()
            qs = search.filter_cases(Case.objects.all(), "漏水")
            assert list(qs.values_list("number", flat=True)) == [case.number]
