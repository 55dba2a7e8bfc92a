"""Knowledge-base writes: FAQ articles, standard phrases, canned replies. One transaction each.

Who may write: a project's rows need Perm.MANAGE_KB in that project; shared rows (project NULL) need it in
every project (head office). A personal canned reply belongs to its owner, any staff member, and is
invisible (not found) to everyone else.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F

from kefu.core import scoped
from kefu.core.errors import Forbidden, NotFound, ValidationFailed
from kefu.org.models import Project, User
from kefu.org.roles import Perm
from kefu.org.scope import is_staff_member

from . import placeholders, search
from .models import CannedReply, FaqArticle, Phrase

MSG_INVALID = "请检查填写的内容"
MSG_FORBIDDEN = "您没有维护知识库的权限"
MSG_STAFF_ONLY = "仅员工可以使用常用回复"
MSG_NOT_FOUND_REPLY = "未找到该常用回复"
MSG_REQUIRED = "请填写{label}"
MSG_TOO_LONG = "{label}不能超过 {n} 个字"
MSG_PLACEHOLDER = "无法识别的占位符：{names}。可用的占位符：{known}"
MSG_SCENE = "请选择有效的场景"
MSG_SORT = "排序须为 -9999 到 9999 之间的整数"


def _require_edit(actor: User, project: Project | None) -> None:
    if not scoped.may_edit(actor, Perm.MANAGE_KB, project.pk if project is not None else None):
        raise Forbidden(MSG_FORBIDDEN)


class _Checker:
    """Collects field errors in Chinese; raise() refuses the whole save when there is any."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def text(self, field: str, label: str, value: str | None, *, max_length: int = 0, required: bool = True) -> str:
        value = (value or "").strip()
        if required and not value:
            self.errors.setdefault(field, []).append(MSG_REQUIRED.format(label=label))
        elif max_length and len(value) > max_length:
            self.errors.setdefault(field, []).append(MSG_TOO_LONG.format(label=label, n=max_length))
        return value

    def sort(self, value: Any) -> int:
        try:
            number = int(value or 0)
        except (TypeError, ValueError):
            number = 10**6
        if not -9999 <= number <= 9999:
            self.errors.setdefault("sort", []).append(MSG_SORT)
        return number

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(MSG_INVALID, fields=self.errors)


# FAQ (答客问) ----------------------------------------------------------------------------------------------


@transaction.atomic
def faq_save(
    *,
    actor: User,
    article: FaqArticle | None = None,
    project: Project | None = None,
    category: str,
    question: str,
    answer: str,
    keywords: str = "",
    is_published: bool = True,
    sort: int = 0,
) -> FaqArticle:
    """Create an article (in `project`, or shared when None) or change one (its project stays)."""
    if article is not None:
        article = FaqArticle.objects.select_for_update().get(pk=article.pk)
        project = article.project
    _require_edit(actor, project)
    c = _Checker()
    category = c.text("category", "分类", category, max_length=20)
    question = c.text("question", "问题", question, max_length=200)
    answer = c.text("answer", "解答", answer, max_length=10000)
    keywords = c.text("keywords", "关键词", keywords, max_length=200, required=False)
    number = c.sort(sort)
    c.raise_if_any()
    if article is None:
        article = FaqArticle(project=project, created_by=actor)
    article.category = category
    article.question = question
    article.answer = answer
    article.keywords = keywords
    article.is_published = bool(is_published)
    article.sort = number
    article.search_question = search.index_words(question)
    article.search_keywords = search.index_words(keywords, category)
    article.search_answer = search.index_words(answer)
    article.updated_by = actor
    article.save()
    return article


@transaction.atomic
def faq_delete(*, actor: User, article: FaqArticle) -> None:
    _require_edit(actor, article.project)
    article.delete()


def faq_viewed(*, actor: Any, article: FaqArticle) -> None:
    """A customer opened the article: one more view (a single UPDATE, safe under concurrent readers)."""
    FaqArticle.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


# Standard phrases (服务用语) --------------------------------------------------------------------------------


@transaction.atomic
def phrase_save(
    *,
    actor: User,
    phrase: Phrase | None = None,
    project: Project | None = None,
    scene: str,
    title: str,
    body: str,
    sort: int = 0,
) -> Phrase:
    if phrase is not None:
        phrase = Phrase.objects.select_for_update().get(pk=phrase.pk)
        project = phrase.project
    _require_edit(actor, project)
    c = _Checker()
    if scene not in Phrase.Scene.values:
        c.add("scene", MSG_SCENE)
    title = c.text("title", "标题", title, max_length=100)
    body = c.text("body", "内容", body, max_length=5000)
    number = c.sort(sort)
    c.raise_if_any()
    phrase = phrase or Phrase(project=project)
    phrase.scene = scene
    phrase.title = title
    phrase.body = body
    phrase.sort = number
    phrase.search_title = search.index_words(title)
    phrase.search_body = search.index_words(body)
    phrase.updated_by = actor
    phrase.save()
    return phrase


@transaction.atomic
def phrase_delete(*, actor: User, phrase: Phrase) -> None:
    _require_edit(actor, phrase.project)
    phrase.delete()


# Canned replies (常用回复) ---------------------------------------------------------------------------------


def _require_canned_edit(actor: User, reply: CannedReply) -> None:
    if reply.owner_id is not None:
        if reply.owner_id != actor.pk:
            raise NotFound(MSG_NOT_FOUND_REPLY)  # someone else's personal reply: as if it did not exist
    else:
        _require_edit(actor, reply.project)


def placeholder_error(unknown: list[str]) -> str:
    known = "、".join("{" + p + "}" for p in placeholders.PLACEHOLDERS)
    return MSG_PLACEHOLDER.format(names="、".join("{" + u + "}" for u in unknown), known=known)


@transaction.atomic
def canned_save(
    *,
    actor: User,
    reply: CannedReply | None = None,
    personal: bool = False,
    project: Project | None = None,
    title: str,
    body: str,
    sort: int = 0,
) -> CannedReply:
    """Create a reply (personal: the actor's own; else shared in `project` or by all projects) or change one
    (it keeps its owner and project). An unknown placeholder is refused on `body`."""
    if not is_staff_member(actor):
        raise Forbidden(MSG_STAFF_ONLY)
    if reply is not None:
        reply = CannedReply.objects.select_for_update().get(pk=reply.pk)
        _require_canned_edit(actor, reply)
    elif not personal:
        _require_edit(actor, project)
    c = _Checker()
    title = c.text("title", "标题", title, max_length=100)
    body = c.text("body", "回复内容", body, max_length=5000)
    unknown = placeholders.unknown_placeholders(body)
    if unknown:
        c.add("body", placeholder_error(unknown))
    number = c.sort(sort)
    c.raise_if_any()
    if reply is None:
        reply = CannedReply(owner=actor, project=None) if personal else CannedReply(owner=None, project=project)
    reply.title = title
    reply.body = body
    reply.sort = number
    reply.updated_by = actor
    reply.save()
    return reply


@transaction.atomic
def canned_delete(*, actor: User, reply: CannedReply) -> None:
    _require_canned_edit(actor, reply)
    reply.delete()
