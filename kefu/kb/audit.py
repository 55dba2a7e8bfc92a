"""Knowledge-base rows that managers change are audited (who changed which FAQ article, phrase or reply)."""

from auditlog.registry import auditlog

from .models import CannedReply, FaqArticle, Phrase

# The search columns are derived from the text; view counts change on every read.
auditlog.register(FaqArticle, exclude_fields=["search_question", "search_keywords", "search_answer", "view_count"])
auditlog.register(Phrase, exclude_fields=["search_title", "search_body"])
auditlog.register(CannedReply)
