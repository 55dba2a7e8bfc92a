"""Chinese word search over the knowledge base, ranked in the database (SQLite and PostgreSQL alike).

The knowledge base is small (hundreds of FAQ articles and phrases per project), so it needs no inverted
index: each searchable text is stored cut into words by the same jieba search-mode segmentation as case
search (kefu.tickets.search.segment), lower-cased, each word once, with a space before and after every
word: " 停车 车费 停车费 如何 缴纳 ". A query word matches a column when the column contains " 停车 ",
a plain LIKE that both databases run on the already scoped, published rows.

The rank is one SQL expression: for each query word, the weight of every column that contains it
(FAQ: question 100, keywords 10, answer 1) times the word's length up to 3 (a longer word says more: 停车费
counts more than 交), summed. So a query word in the question outweighs the same word in the keywords,
and that outweighs the answer. Question words such as 怎么 / 如何 / 吗 are dropped from the query unless
nothing else is left.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable

from kefu.tickets.search import query_words, segment

MAX_WORDS = 16

# Words that say "this is a question" rather than what it is about.
STOP_WORDS = frozenset(
    {
        "怎么", "怎么样", "怎样", "如何", "什么", "为什么", "为何", "哪里", "哪儿", "哪个", "哪些", "在哪",
        "吗", "呢", "吧", "啊", "呀", "的", "了", "得", "地", "着", "是", "不是", "有", "没有", "在",
        "我", "我们", "我家", "你", "你们", "您", "请问", "请", "想", "想要", "可以", "可不可以", "能",
        "能不能", "能否", "要", "需要", "应该", "一下", "一个", "和", "与", "或", "及", "就", "都", "也", "还",
    }
)  # fmt: skip

FAQ_WEIGHTS = {"search_question": 100, "search_keywords": 10, "search_answer": 1}
PHRASE_WEIGHTS = {"search_title": 10, "search_body": 1}


def index_words(*texts: str) -> str:
    """The words of the texts as stored in a search column: " w1 w2 … " (empty when there are none)."""
    words = dict.fromkeys(w for text in texts for w in segment(text) if any(ch.isalnum() for ch in w))
    return f" {' '.join(words)} " if words else ""


def terms(query: str) -> list[str]:
    """The words of a search box entry that are looked for (question words dropped unless nothing is left)."""
    words = query_words(query)
    content = [w for w in words if w not in STOP_WORDS]
    return (content or words)[:MAX_WORDS]


def ranked[T: Any](qs: QuerySet[T], query: str, weights: dict[str, int], *then: str) -> QuerySet[T]:
    """The rows of qs that contain at least one query word, best first (then by `then`), annotated with
    `search_rank`. A query without a word finds nothing."""
    words = terms(query)
    if not words:
        return qs.none()
    match = Q()
    score: Combinable = Value(0)
    for word in words:
        needle = f" {word} "
        specific = min(len(word), 3)
        for column, weight in weights.items():
            hit = Q(**{f"{column}__contains": needle})
            match |= hit
            points = Value(weight * specific)
            score = score + Case(When(hit, then=points), default=Value(0), output_field=IntegerField())
    return qs.filter(match).annotate(search_rank=score).order_by("-search_rank", *then, "pk")
