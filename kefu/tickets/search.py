"""Chinese full-text search over cases: jieba splits the text into words stored in SearchDocument."""

from __future__ import annotations

import logging
from typing import Any

import jieba

from .models import Case, CaseEvent, SearchDocument

jieba.setLogLevel(logging.WARNING)


def segment(text: str) -> list[str]:
    return [w.strip().lower() for w in jieba.cut_for_search(text or "") if w.strip()]


def document_text(case: Case) -> str:
    parts = [case.number, case.title, case.description, case.location, case.contact_name]
    parts += list(CaseEvent.objects.filter(case=case, kind="comment").values_list("body", flat=True))
    return " ".join(p for p in parts if p)


def index_case(case: Case) -> None:
    words = " ".join(segment(document_text(case)))
    SearchDocument.objects.update_or_create(case=case, defaults={"project_id": case.project_id, "words": words})


def filter_cases(qs: Any, query: str) -> Any:
    """Cases whose document contains every word of the query."""
    words = segment(query)
    for w in words:
        qs = qs.filter(search_doc__words__contains=w)
    return qs
